/**
 * Changes that destroy data, one ⚠️ sentence each: a release that brings
 * CRDs deleted or replaced (and with the CRDs every object of their kinds), a
 * namespace deleted (everything in it), a stateful Azure resource deleted or
 * replaced, a stack's state moved, a stack or a whole environment removed.
 * Shared by the offline preview (synthesized stacks) and the plan summary
 * (the `before` of a plan's resource changes).
 */
import { ResourceChange } from './model';
import { ROTATION_NAME } from './replacement';
import { StackJson, flatten, resourcesOf } from './synthesized';

/**
 * How a release's CRDs leave the cluster when the release is uninstalled:
 * - `keep-annotation`: the chart annotates them `helm.sh/resource-policy: keep`: Helm keeps them;
 * - `crds-folder`: they come from the chart's `crds/` folder, which Helm never deletes;
 * - `deleted`: Helm deletes them, and Kubernetes every object of their kinds;
 * - `bundle`: our bundle chart: kept when the release's kustomize overlay adds the keep annotation
 *   (`UpstreamBundle`'s `keepCrdsOnUninstall`, on by default), deleted otherwise;
 * - `cert-manager`: kept unless the values set `crds.keep: false` (the chart's default is true).
 */
type CrdPolicy = 'keep-annotation' | 'crds-folder' | 'deleted' | 'bundle' | 'cert-manager';

/**
 * The releases of this project that install CRDs, by Helm release name, with
 * the kinds of those CRDs. Read from `helm template --include-crds` of the
 * catalog's charts (cert-manager v1.20.3, Istio base 1.30.3, kserve-crd
 * v0.20.0, kubeflow-trainer 2.2.1 with JobSet, gpu-operator v26.7.0 with
 * node-feature-discovery) and `kustomize build` of the bundles' paths in the
 * Kubeflow distribution 26.03.1. Update it when a pin brings new CRDs; a
 * `*-crds` release missing here is still flagged, without its kinds.
 */
export const CRD_RELEASES: Readonly<Record<string, { readonly kinds: readonly string[]; readonly policy: CrdPolicy }>> = {
  'cert-manager': { kinds: ['Certificate', 'CertificateRequest', 'Challenge', 'ClusterIssuer', 'Issuer', 'Order'], policy: 'cert-manager' },
  'istio-base': {
    kinds: ['AuthorizationPolicy', 'DestinationRule', 'EnvoyFilter', 'Gateway', 'PeerAuthentication', 'ProxyConfig', 'RequestAuthentication', 'ServiceEntry', 'Sidecar', 'Telemetry', 'TrafficExtension', 'VirtualService', 'WasmPlugin', 'WorkloadEntry', 'WorkloadGroup'],
    policy: 'keep-annotation',
  },
  'kserve-crd': { kinds: ['InferenceService', 'InferenceGraph', 'ServingRuntime', 'ClusterServingRuntime', 'ClusterStorageContainer', 'TrainedModel'], policy: 'deleted' },
  'kubeflow-trainer': { kinds: ['TrainJob', 'TrainingRuntime', 'ClusterTrainingRuntime', 'JobSet'], policy: 'crds-folder' },
  'gpu-operator': { kinds: ['ClusterPolicy', 'NVIDIADriver', 'GPUCluster', 'ComputeDomain', 'ComputeDomainClique', 'NodeFeature', 'NodeFeatureGroup', 'NodeFeatureRule'], policy: 'crds-folder' },
  'katib-crds': { kinds: ['Experiment', 'Suggestion', 'Trial'], policy: 'bundle' },
  'pipelines-crds': {
    kinds: ['Workflow', 'CronWorkflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'WorkflowEventBinding', 'WorkflowTaskSet', 'WorkflowTaskResult', 'WorkflowArtifactGCTask', 'ScheduledWorkflow', 'Viewer', 'CompositeController', 'DecoratorController', 'ControllerRevision'],
    policy: 'bundle',
  },
  'notebooks-crds': { kinds: ['Notebook', 'PVCViewer', 'Tensorboard'], policy: 'bundle' },
  'dashboard-crds': { kinds: ['Profile', 'PodDefault'], policy: 'bundle' },
};

/** Azure resources whose deletion or replacement loses data or everything built on them, with what is lost. */
export const STATEFUL: Readonly<Record<string, { readonly what: string; readonly loses: string }>> = {
  azurerm_resource_group: { what: 'resource group', loses: 'every resource in it is deleted' },
  azurerm_kubernetes_cluster: { what: 'AKS cluster', loses: 'every workload, volume and custom resource on it is lost' },
  azurerm_kubernetes_cluster_node_pool: { what: 'node pool', loses: 'its nodes go, and the pods on them are evicted' },
  azurerm_virtual_network: { what: 'virtual network', loses: 'the cluster loses its network' },
  azurerm_subnet: { what: 'subnet', loses: 'the nodes lose their network' },
  azurerm_log_analytics_workspace: { what: 'Log Analytics workspace', loses: 'its logs are lost' },
  azurerm_monitor_workspace: { what: 'Azure Monitor workspace', loses: 'its Prometheus metrics are lost' },
  azurerm_key_vault: { what: 'key vault', loses: 'its keys go, and the disks encrypted with them become unreadable' },
  azurerm_key_vault_key: { what: 'key', loses: 'the disks encrypted with it become unreadable' },
  azurerm_disk_encryption_set: { what: 'disk encryption set', loses: 'the disks encrypted through it become unreadable' },
  azurerm_storage_account: { what: 'storage account', loses: 'its blobs (artifacts, backups) are lost' },
  azurerm_storage_container: { what: 'storage container', loses: 'its blobs (artifacts, backups) are lost' },
  azurerm_mysql_flexible_server: { what: 'MySQL server', loses: 'every Pipelines run, ML Metadata lineage and Katib experiment, and its point-in-time backups, are lost' },
  azurerm_mysql_flexible_database: { what: 'MySQL database', loses: 'its tables (runs, lineage or experiments) are lost' },
  azurerm_data_protection_backup_vault: { what: 'Backup vault', loses: 'the cluster\'s backups are lost (after soft delete)' },
  azurerm_data_protection_backup_instance_kubernetes_cluster: { what: 'backup instance', loses: 'the cluster stops being backed up' },
};

type Body = Record<string, unknown>;

function typeOf(address: string): string {
  return address.replace(/^data\./, '').split('.')[0];
}

/** A single nested block: an object in synthesized JSON, a one-element list in a plan. */
function block(value: unknown): Body {
  return ((Array.isArray(value) ? value[0] : value) ?? {}) as Body;
}

function listOf(kinds: readonly string[]): string {
  return kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]}` : kinds.join('');
}

/** The kustomize overlay a synthesized bundle release installs from (its values reference it). */
function overlayOf(release: Body): string | undefined {
  const id = /data\.kustomization_overlay\.([\w-]+)/.exec(JSON.stringify(release.values ?? ''))?.[1];
  return id === undefined ? undefined : `data.kustomization_overlay.${id}`;
}

/** Whether an overlay's patches annotate its CRDs `helm.sh/resource-policy: keep`. */
function keepsCrds(overlay: Body | undefined): boolean {
  return JSON.stringify(overlay?.patches ?? '').includes('helm.sh/resource-policy');
}

/** Whether a release's CRDs stay when it is uninstalled; `overlays` are the synthesized stack's (none in a plan). */
function crdsKept(release: Body, policy: CrdPolicy, overlays: Map<string, Body>): boolean {
  if (policy === 'deleted') return false;
  if (policy === 'keep-annotation' || policy === 'crds-folder') return true;
  if (policy === 'cert-manager') {
    try {
      return (JSON.parse(String((release.values as unknown[] | undefined)?.[0] ?? '{}')) as { crds?: { keep?: boolean } }).crds?.keep !== false;
    } catch {
      return true;
    }
  }
  // A plan's values are the rendered manifests; a synthesized release's point to its overlay.
  if (JSON.stringify(release.values ?? '').includes('helm.sh/resource-policy')) return true;
  const overlay = overlayOf(release);
  return overlay !== undefined && keepsCrds(overlays.get(overlay));
}

function crdWarning(release: Body, verb: string, overlays: Map<string, Body>): string | undefined {
  const name = String(release.name);
  const known = CRD_RELEASES[name];
  if (!known && !name.endsWith('-crds')) return undefined;
  const kinds = known ? listOf(known.kinds) : 'custom resources of its kinds (not in the preview\'s CRD list)';
  const policy = known?.policy ?? 'bundle';
  if (!crdsKept(release, policy, overlays)) {
    return `${verb} release \`${name}\` deletes its CRDs, and with them every ${kinds} object in the cluster.`;
  }
  const why = policy === 'crds-folder' ? 'installed from the chart\'s crds/ folder, which Helm never deletes' : 'helm.sh/resource-policy: keep';
  return `${verb} release \`${name}\` keeps its CRDs (${why}): ${kinds} objects stay, but the CRDs are left outside Helm (orphaned).`;
}

/** The ⚠️ sentence for one deleted or replaced resource, given its body before the change; undefined when nothing is lost. */
export function destroyWarning(address: string, action: 'delete' | 'replace', before: Body, overlays: Map<string, Body> = new Map()): string | undefined {
  const type = typeOf(address);
  const verb = action === 'delete' ? 'Deleting' : 'Replacing';
  if (type === 'helm_release') return crdWarning(before, verb, overlays);
  if (type === 'kubernetes_namespace_v1') {
    const name = String(block(before.metadata).name);
    return `${verb} namespace \`${name}\`: everything in namespace ${name} is deleted (workloads, volumes and their data, secrets, custom resources).`;
  }
  const stateful = STATEFUL[type];
  if (!stateful) return undefined;
  const name = typeof before.name === 'string' ? ` \`${before.name}\`` : '';
  return `${verb} ${stateful.what}${name} (\`${address}\`)${action === 'replace' ? ' destroys it first' : ''}: ${stateful.loses}.`;
}

/** The stateful resources of a stack, named: what destroying the stack deletes. */
function statefulIn(stack: StackJson): string[] {
  return [...resourcesOf(stack)]
    .filter(([address]) => STATEFUL[typeOf(address)] && typeOf(address) !== 'azurerm_kubernetes_cluster_node_pool')
    .map(([address, body]) => `${STATEFUL[typeOf(address)].what} \`${typeof body.name === 'string' ? body.name : address}\``);
}

/** The ⚠️ sentence for stacks that leave the code: the pipeline neither applies nor destroys them. */
export function removedStacksWarning(subject: string, stacks: Record<string, StackJson>): string {
  const names = Object.keys(stacks).sort();
  const stateful = Object.values(stacks).flatMap(statefulIn);
  return `${subject} is removed: ${names.map((n) => `\`${n}\``).join(', ')} leave${names.length === 1 ? 's' : ''} the code, and the pipeline neither applies nor destroys ${names.length === 1 ? 'it' : 'them'}. `
    + `Destroy ${names.length === 1 ? 'it' : 'them'} before merging (\`cdktf destroy ${[...names].reverse().join(' ')}\`), or the resources keep running, and costing, unmanaged. `
    + `Destroying deletes everything in ${names.length === 1 ? 'it' : 'them'}${stateful.length > 0 ? `: ${stateful.join(', ')}` : ''}.`;
}

/** Environment name of a stack: its name without the layer (`dev-cluster` → `dev`). */
export function environmentOf(stack: string): string {
  return stack.replace(/-[^-]+$/, '');
}

/** The ⚠️ sentence for a pool rotation without a temporary pool name: the provider refuses the update. */
export function rotationFailure(change: ResourceChange, after: Body | undefined): string | undefined {
  if (!change.rotatedBecause?.length) return undefined;
  const path = ROTATION_NAME[typeOf(change.address)];
  const set = [...flatten(after)].some(([p, v]) => p.replace(/\.0(?=\.)/g, '') === path && v !== 'null' && v !== '""');
  return set ? undefined : `The apply fails: \`${change.address}\` changes ${change.rotatedBecause.join(', ')}, which rotates the pool, and sets no \`${path}\`.`;
}

/** ⚠️ sentences for one stack present before and after. */
export function stackWarnings(changes: readonly ResourceChange[], before: StackJson, after: StackJson): string[] {
  const overlaysBefore = resourcesOf(before, 'data');
  const overlaysAfter = resourcesOf(after, 'data');
  const bodiesBefore = resourcesOf(before);
  const bodiesAfter = resourcesOf(after);
  const warnings: string[] = [];
  const backend = (s: StackJson) => JSON.stringify((s.terraform as Body | undefined)?.backend ?? null);
  if (backend(before) !== backend(after)) {
    warnings.push('The Terraform state moves (the `terraform.backend` changes): Terraform starts from an empty state there and creates every resource again, unless the state is migrated first (`terraform init -migrate-state`).');
  }
  for (const change of changes) {
    if (change.action === 'delete' || change.action === 'replace') {
      const warning = destroyWarning(change.address, change.action, bodiesBefore.get(change.address) ?? {}, overlaysBefore);
      if (warning) warnings.push(warning);
    }
    const failure = rotationFailure(change, bodiesAfter.get(change.address));
    if (failure) warnings.push(failure);
  }
  warnings.push(...overlayWarnings(overlaysBefore, overlaysAfter, bodiesAfter));
  return warnings;
}

/** CRD sources that a bundle release loses, or CRDs that lose their keep annotation. */
function overlayWarnings(overlaysBefore: Map<string, Body>, overlaysAfter: Map<string, Body>, releasesAfter: Map<string, Body>): string[] {
  const warnings: string[] = [];
  for (const [, release] of releasesAfter) {
    const name = String(release.name);
    if (!('chart' in release) || !(CRD_RELEASES[name]?.policy === 'bundle' || name.endsWith('-crds'))) continue;
    const overlay = overlayOf(release);
    const old = overlay && overlaysBefore.get(overlay);
    const now = overlay && overlaysAfter.get(overlay);
    if (!old || !now) continue;
    const paths = (o: Body) => ((o.resources as string[] | undefined) ?? []).map((r) => r.replace(/^.*\/\.cache\/upstream-work\/trees\//, ''));
    const dropped = paths(old).filter((p) => !paths(now).includes(p));
    const kinds = CRD_RELEASES[name] ? listOf(CRD_RELEASES[name].kinds) : 'custom resources of its kinds';
    if (dropped.length > 0) {
      warnings.push(`Release \`${name}\` no longer renders ${dropped.map((p) => `\`${p}\``).join(', ')}: CRDs from there leave the release and are ${keepsCrds(old) ? 'kept (helm.sh/resource-policy: keep), orphaned' : 'deleted, with every object of their kinds'}.`);
    }
    if (keepsCrds(old) && !keepsCrds(now)) {
      warnings.push(`The CRDs of release \`${name}\` are no longer kept on uninstall: removing the component later deletes every ${kinds} object.`);
    }
  }
  return warnings;
}
