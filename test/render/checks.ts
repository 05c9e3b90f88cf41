import { MIG_CONFIG_LABEL, MIG_MANAGER_DEPLOY_LABEL, migInstancesPerGpu } from '../../constructs/node-pools/gpu-scheduling';
import { vmSizeFacts } from '../../catalog/vm-sizes';
import { AZURE_MONITORING_API } from '../../constructs/observability/scrape-objects';
import { ISTIO_HUB, ISTIO_IMAGE_TAG } from '../../catalog/versions';
import { parse } from 'yaml';
import { indexCrds, validateCustomResource } from './crd-schema';
import { PodSecurityLevel, enforcedLevel, podSecurityViolations, podTemplateOf } from './pod-security';
import { K8sObject, RenderedEnvironment, RenderedRelease, objectsOf } from '../../scripts/render/render';

/**
 * Rules across the rendered objects of an environment. Each check returns its
 * problems, one line each, naming the object and the rule it breaks; an empty
 * list means the rule holds. The tests run every check on every environment
 * and on deliberately broken inputs (checks.test.ts).
 */

type Located = { release: RenderedRelease; obj: K8sObject };

const ADMISSIONS_ENFORCER = 'admissions.enforcer/disabled';

function nsOf({ release, obj }: Located): string {
  return obj.metadata.namespace ?? release.namespace;
}

function describe({ release, obj }: Located): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata.name} (release ${release.name})`;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function serviceAccounts(rendered: RenderedEnvironment): Set<string> {
  const set = new Set<string>();
  for (const l of objectsOf(rendered)) if (l.obj.kind === 'ServiceAccount') set.add(`${nsOf(l)}/${l.obj.metadata.name}`);
  return set;
}

function saExists(accounts: Set<string>, ns: string, name: string): boolean {
  // Every namespace has a `default` service account.
  return name === 'default' || accounts.has(`${ns}/${name}`);
}

/** Pod templates with their namespace and service account. */
export function podTemplates(rendered: RenderedEnvironment): { where: Located; ns: string; serviceAccount: string; spec: Record<string, unknown>; metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }[] {
  return objectsOf(rendered).flatMap((where) => {
    const template = podTemplateOf(where.obj as Record<string, unknown>);
    if (!template) return [];
    const spec = template.spec as { serviceAccountName?: string; serviceAccount?: string };
    return [{ where, ns: nsOf(where), serviceAccount: spec.serviceAccountName ?? spec.serviceAccount ?? 'default', spec: template.spec, metadata: template.metadata }];
  });
}

/** Every pod template runs as a ServiceAccount that exists. */
export function serviceAccountProblems(rendered: RenderedEnvironment): string[] {
  const accounts = serviceAccounts(rendered);
  return podTemplates(rendered)
    .filter((p) => !saExists(accounts, p.ns, p.serviceAccount))
    .map((p) => `${describe(p.where)}: runs as ServiceAccount ${p.ns}/${p.serviceAccount}, which no release creates`);
}

/** Federated identity subjects of the cluster stack (`system:serviceaccount:<ns>:<name>`). */
export function federatedSubjects(rendered: RenderedEnvironment): { resource: string; namespace: string; name: string }[] {
  const result: { resource: string; namespace: string; name: string }[] = [];
  for (const type of ['azurerm_federated_identity_credential', 'azuread_application_federated_identity_credential']) {
    for (const [id, r] of Object.entries(rendered.cluster.resource[type] ?? {})) {
      const subject = String((r as { subject?: unknown }).subject ?? '');
      const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
      if (m) result.push({ resource: `${type}.${id}`, namespace: m[1], name: m[2] });
      else result.push({ resource: `${type}.${id}`, namespace: '?', name: subject });
    }
  }
  return result;
}

/** Every federated subject is the ServiceAccount some pod runs as, labelled and annotated for workload identity. */
export function workloadIdentityProblems(rendered: RenderedEnvironment): string[] {
  const problems: string[] = [];
  const pods = podTemplates(rendered);
  const accounts = objectsOf(rendered).filter((l) => l.obj.kind === 'ServiceAccount');
  for (const s of federatedSubjects(rendered)) {
    const users = pods.filter((p) => p.ns === s.namespace && p.serviceAccount === s.name);
    if (users.length === 0) {
      problems.push(`${s.resource}: subject system:serviceaccount:${s.namespace}:${s.name} is not the ServiceAccount of any pod (the token exchange would fail)`);
      continue;
    }
    for (const p of users) {
      if (p.metadata.labels?.['azure.workload.identity/use'] !== 'true') problems.push(`${describe(p.where)}: runs as federated ServiceAccount ${s.namespace}/${s.name} without the pod label azure.workload.identity/use: "true"`);
    }
    const sa = accounts.find((l) => nsOf(l) === s.namespace && l.obj.metadata.name === s.name);
    if (!sa?.obj.metadata.annotations?.['azure.workload.identity/client-id']) problems.push(`ServiceAccount ${s.namespace}/${s.name}: federated by ${s.resource} but has no azure.workload.identity/client-id annotation`);
  }
  return problems;
}

/** Every AuthorizationPolicy principal names a ServiceAccount that exists. */
export function authorizationPolicyProblems(rendered: RenderedEnvironment): string[] {
  const accounts = serviceAccounts(rendered);
  const problems: string[] = [];
  for (const l of objectsOf(rendered).filter((x) => x.obj.kind === 'AuthorizationPolicy')) {
    const rules = ((l.obj.spec as { rules?: { from?: { source?: { principals?: string[] } }[] }[] } | undefined)?.rules) ?? [];
    for (const principal of rules.flatMap((r) => (r.from ?? []).flatMap((f) => f.source?.principals ?? []))) {
      const m = /^cluster\.local\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
      if (m && !saExists(accounts, m[1], m[2])) problems.push(`${describe(l)}: allows principal ${principal}, but ServiceAccount ${m[1]}/${m[2]} does not exist`);
    }
  }
  return problems;
}

const BUILT_IN_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

/** Roles that Kubeflow's profile controller binds in every profile namespace. */
export const PROFILE_CONTROLLER_ROLES = ['kubeflow-admin', 'kubeflow-edit', 'kubeflow-view'];

function matches(labels: Record<string, string> | undefined, selector: { matchLabels?: Record<string, string> }): boolean {
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

/** Every binding points at an existing role; aggregated roles have sources and every aggregate-to label a target. */
export function rbacProblems(rendered: RenderedEnvironment): string[] {
  const all = objectsOf(rendered);
  const clusterRoles = all.filter((l) => l.obj.kind === 'ClusterRole');
  const roles = new Set(all.filter((l) => l.obj.kind === 'Role').map((l) => `${nsOf(l)}/${l.obj.metadata.name}`));
  const clusterRoleNames = new Set(clusterRoles.map((l) => l.obj.metadata.name));
  const problems: string[] = [];
  const clusterRoleExists = (name: string) => clusterRoleNames.has(name) || BUILT_IN_CLUSTER_ROLES.has(name) || name.startsWith('system:');
  for (const l of all.filter((x) => x.obj.kind === 'RoleBinding' || x.obj.kind === 'ClusterRoleBinding')) {
    const ref = l.obj.roleRef as { kind: string; name: string };
    const ok = ref.kind === 'ClusterRole' ? clusterRoleExists(ref.name) : roles.has(`${nsOf(l)}/${ref.name}`);
    if (!ok) problems.push(`${describe(l)}: binds ${ref.kind} ${ref.name}, which does not exist`);
  }
  const aggregators = clusterRoles.filter((l) => l.obj.aggregationRule);
  for (const agg of aggregators) {
    const selectors = (agg.obj.aggregationRule as { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] }).clusterRoleSelectors ?? [];
    const sources = clusterRoles.filter((c) => c !== agg && selectors.some((s) => matches(c.obj.metadata.labels, s)));
    if (sources.length === 0) problems.push(`${describe(agg)}: aggregates ClusterRoles by ${JSON.stringify(selectors)}, but none exists`);
  }
  for (const c of clusterRoles) {
    for (const [key, value] of Object.entries(c.obj.metadata.labels ?? {})) {
      if (!/aggregate-to-/.test(key) || key.startsWith('rbac.authorization.k8s.io/')) continue;
      const target = aggregators.some((agg) => ((agg.obj.aggregationRule as { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] }).clusterRoleSelectors ?? []).some((s) => s.matchLabels?.[key] === value));
      if (!target) problems.push(`${describe(c)}: labelled ${key}=${value}, but no ClusterRole aggregates it`);
    }
  }
  if (all.some((l) => l.obj.kind === 'Deployment' && l.obj.metadata.name === 'profiles-deployment')) {
    for (const name of PROFILE_CONTROLLER_ROLES) {
      if (!clusterRoleNames.has(name)) problems.push(`ClusterRole ${name}: the profile controller binds it in every profile namespace, but no release creates it`);
    }
  }
  return problems;
}

/** Namespace labels as the cluster will have them: the stack's namespaces, rendered Namespace objects, the profile controller's labels. */
export function namespaceLabels(rendered: RenderedEnvironment): Map<string, Record<string, string>> {
  const labels = new Map<string, Record<string, string>>();
  for (const [name, l] of rendered.managedNamespaces) labels.set(name, { ...l });
  for (const l of objectsOf(rendered).filter((x) => x.obj.kind === 'Namespace')) labels.set(l.obj.metadata.name, { ...(labels.get(l.obj.metadata.name) ?? {}), ...(l.obj.metadata.labels ?? {}) });
  const controllerLabels = profileNamespaceLabels(rendered);
  for (const profile of rendered.env.profiles) labels.set(profile.name, { ...(labels.get(profile.name) ?? {}), ...controllerLabels });
  return labels;
}

/** The labels the profile controller puts on profile namespaces (its `namespace-labels.yaml`). */
export function profileNamespaceLabels(rendered: RenderedEnvironment): Record<string, string> {
  const cm = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && /(^|-)namespace-labels-data(-|$)/.test(l.obj.metadata.name));
  const text = (cm?.obj.data as Record<string, string> | undefined)?.['namespace-labels.yaml'] ?? '';
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9./_-]+):\s*"?([^"#]*?)"?\s*$/.exec(line.trim());
    if (m) result[m[1]] = m[2];
  }
  return result;
}

/** What the sidecar injector adds to a pod, as the istiod chart's injection template renders it for our values. */
export function injectedContainers(rendered: RenderedEnvironment): Record<string, unknown>[] {
  const istiod = rendered.releases.find((r) => r.name === 'istiod');
  if (!istiod) return [];
  const values = istiod.values as { pilot?: { cni?: { enabled?: boolean } }; global?: { proxy?: { seccompProfile?: object; privileged?: boolean } } };
  const cni = values.pilot?.cni?.enabled === true;
  const seccomp = values.global?.proxy?.seccompProfile;
  const privileged = values.global?.proxy?.privileged === true;
  const common = { allowPrivilegeEscalation: privileged, privileged, ...(seccomp && Object.keys(seccomp).length > 0 ? { seccompProfile: seccomp } : {}) };
  const init = cni
    ? { name: 'istio-validation', securityContext: { ...common, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1337 } }
    : { name: 'istio-init', securityContext: { ...common, capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] }, runAsNonRoot: false, runAsUser: 0 } };
  const proxy = { name: 'istio-proxy', securityContext: { ...common, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1337 } };
  return [init, proxy];
}

function injected(nsLabels: Record<string, string> | undefined, metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }): boolean {
  const optOut = metadata.labels?.['sidecar.istio.io/inject'] ?? metadata.annotations?.['sidecar.istio.io/inject'];
  if (optOut === 'false') return false;
  return nsLabels?.['istio-injection'] === 'enabled' || metadata.labels?.['sidecar.istio.io/inject'] === 'true';
}

/** The pod annotation that makes istiod inject its proxy as a native sidecar, overriding `ENABLE_NATIVE_SIDECARS`. */
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';

/**
 * Whether the injector makes the pod's proxy a native sidecar (an init
 * container with `restartPolicy: Always`, started before the pod's own init
 * containers). istiod 1.30 decides by the pod annotation, else by its
 * `ENABLE_NATIVE_SIDECARS`; that defaults to `auto`, which holds only while
 * every node's kubelet is 1.33 or newer (pkg/kube/inject/webhook.go at 1.30.3,
 * `DetectNativeSidecar`): a fact of the nodes at admission time, not of the
 * rendered objects, so `auto` counts as no.
 */
export function nativeSidecar(rendered: RenderedEnvironment, metadata: { annotations?: Record<string, string> }): boolean {
  const annotation = metadata.annotations?.[NATIVE_SIDECAR_ANNOTATION];
  if (annotation !== undefined) return annotation === 'true';
  const istiod = rendered.releases.find((r) => r.name === 'istiod');
  const env = (istiod?.values as { pilot?: { env?: Record<string, unknown> } } | undefined)?.pilot?.env ?? {};
  return String(env.ENABLE_NATIVE_SIDECARS) === 'true';
}

/** Every pod template, with the sidecar injector's containers where injection applies, passes its namespace's Pod Security level. */
export function podSecurityProblems(rendered: RenderedEnvironment): string[] {
  const labels = namespaceLabels(rendered);
  const sidecars = injectedContainers(rendered);
  const problems: string[] = [];
  for (const p of podTemplates(rendered)) {
    const level: PodSecurityLevel = enforcedLevel(labels.get(p.ns));
    if (level === 'privileged') continue;
    const inject = injected(labels.get(p.ns), p.metadata) && sidecars.length > 0;
    const own = { initContainers: (p.spec.initContainers as object[]) ?? [], containers: (p.spec.containers as object[]) ?? [] };
    // As the injector orders them: validation, then the proxy (as a native sidecar) or the proxy after the pod's containers.
    const spec = !inject
      ? p.spec
      : nativeSidecar(rendered, p.metadata)
        ? { ...p.spec, initContainers: [sidecars[0], { ...sidecars[1], restartPolicy: 'Always' }, ...own.initContainers], containers: own.containers }
        : { ...p.spec, initContainers: [sidecars[0], ...own.initContainers], containers: [...own.containers, sidecars[1]] };
    for (const v of podSecurityViolations(spec, level, p.metadata)) {
      problems.push(`${describe(p.where)}: violates Pod Security "${level}" of namespace ${p.ns}: ${v.message}${inject && v.container?.startsWith('istio-') ? ' (injected by the Istio sidecar injector)' : ''}`);
    }
  }
  return problems;
}

/**
 * Every init container of a pod that gets an Istio sidecar runs after that
 * sidecar, as a native sidecar. With Istio's CNI plugin the pod's traffic is
 * redirected to the proxy before any init container starts; a classic sidecar
 * starts after the init containers, so an init container that opens a
 * connection (KFP 2.17's `nc` port checks) waits for a proxy that never comes.
 */
export function meshInitContainerProblems(rendered: RenderedEnvironment): string[] {
  const labels = namespaceLabels(rendered);
  if (injectedContainers(rendered).length === 0) return [];
  return podTemplates(rendered)
    .filter((p) => injected(labels.get(p.ns), p.metadata) && ((p.spec.initContainers as unknown[] | undefined) ?? []).length > 0)
    .filter((p) => !nativeSidecar(rendered, p.metadata))
    .map((p) => {
      const names = ((p.spec.initContainers as { name: string }[]) ?? []).map((c) => c.name).join(', ');
      return `${describe(p.where)}: init containers ${names} run before the Istio sidecar, whose traffic redirection is already in place (CNI): they cannot connect anywhere. Annotate the pod ${NATIVE_SIDECAR_ANNOTATION}: "true"`;
    });
}

type EnvVar = { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string; optional?: boolean } } };

/** ConfigMaps of a namespace as the cluster will have them (rendered ones; `kube-root-ca.crt` and Istio's root certificate exist in every namespace). */
function configMapKeys(rendered: RenderedEnvironment): Map<string, Set<string>> {
  const maps = new Map<string, Set<string>>();
  for (const l of objectsOf(rendered).filter((x) => x.obj.kind === 'ConfigMap')) {
    maps.set(`${nsOf(l)}/${l.obj.metadata.name}`, new Set(Object.keys({ ...((l.obj.data as object | undefined) ?? {}), ...((l.obj.binaryData as object | undefined) ?? {}) })));
  }
  return maps;
}

/**
 * Every environment variable a container takes from a ConfigMap key, without
 * `optional: true`, names a ConfigMap that is rendered and a key it has: the
 * kubelet otherwise refuses to start the container (CreateContainerConfigError).
 * Catches consumers left on a key a release removed (KFP 2.17 dropped
 * `dbHost`/`dbPort` from `pipeline-install-config`).
 */
export function configMapKeyProblems(rendered: RenderedEnvironment): string[] {
  const maps = configMapKeys(rendered);
  const problems: string[] = [];
  for (const p of podTemplates(rendered)) {
    for (const c of [...((p.spec.initContainers as { name: string; env?: EnvVar[] }[]) ?? []), ...((p.spec.containers as { name: string; env?: EnvVar[] }[]) ?? [])]) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (!ref || ref.optional === true) continue;
        const keys = maps.get(`${p.ns}/${ref.name}`);
        if (!keys) problems.push(`${describe(p.where)}: container ${c.name} reads ${e.name} from ConfigMap ${p.ns}/${ref.name}, which no release renders`);
        else if (!keys.has(ref.key)) problems.push(`${describe(p.where)}: container ${c.name} reads ${e.name} from key ${ref.key} of ConfigMap ${p.ns}/${ref.name}, which has no such key`);
      }
    }
  }
  return problems;
}

/** KServe's configured ingress class (its `inferenceservice-config` ConfigMap). */
export function kserveIngressClass(rendered: RenderedEnvironment): string | undefined {
  const cm = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name === 'inferenceservice-config');
  const ingress = (cm?.obj.data as Record<string, string> | undefined)?.ingress;
  return ingress ? (JSON.parse(ingress) as { ingressClassName?: string }).ingressClassName : undefined;
}

export const ISTIO_INGRESS_CONTROLLER = 'istio.io/ingress-controller';

/** Every Ingress class in use exists and, for `istio`, names Istio's controller. */
export function ingressClassProblems(rendered: RenderedEnvironment): string[] {
  const classes = new Map(objectsOf(rendered).filter((l) => l.obj.kind === 'IngressClass').map((l) => [l.obj.metadata.name, (l.obj.spec as { controller?: string }).controller]));
  const problems: string[] = [];
  const used: { who: string; cls: string }[] = objectsOf(rendered)
    .filter((l) => l.obj.kind === 'Ingress')
    .map((l) => ({ who: describe(l), cls: (l.obj.spec as { ingressClassName?: string }).ingressClassName ?? l.obj.metadata.annotations?.['kubernetes.io/ingress.class'] ?? '' }));
  const kserve = kserveIngressClass(rendered);
  if (kserve) used.push({ who: 'KServe (inferenceservice-config ingress.ingressClassName)', cls: kserve });
  for (const u of used) {
    if (!classes.has(u.cls)) problems.push(`${u.who}: uses IngressClass "${u.cls}", which does not exist (the Ingress is never served)`);
    else if (u.cls === 'istio' && classes.get(u.cls) !== ISTIO_INGRESS_CONTROLLER) problems.push(`IngressClass istio: controller is ${String(classes.get(u.cls))}, Istio serves only ${ISTIO_INGRESS_CONTROLLER}`);
  }
  return problems;
}

/**
 * Webhook configurations of published charts that offer no way to annotate
 * them, and why missing the `kubeflow` namespace (labelled control-plane) costs
 * nothing there. Anything else must carry the annotation.
 */
export const WEBHOOK_EXEMPTIONS: Readonly<Record<string, string>> = {
  'istio-base/istiod-default-validator': 'validation only; Istio config in kubeflow is still checked by istiod when it is applied',
  'istiod/istio-validator-istio-system': 'validation only; Istio config in kubeflow is still checked by istiod when it is applied',
  'kserve/inferenceservice.serving.kserve.io': 'InferenceServices live in profile namespaces, which carry no control-plane label',
  'kserve/clusterservingruntime.serving.kserve.io': 'cluster-scoped objects: no namespace selector applies',
  'kserve/inferencegraph.serving.kserve.io': 'InferenceGraphs live in profile namespaces',
  'kserve/servingruntime.serving.kserve.io': 'ServingRuntimes live in profile namespaces',
  'kserve/trainedmodel.serving.kserve.io': 'TrainedModels live in profile namespaces',
  'kserve/localmodelcache.serving.kserve.io': 'cluster-scoped objects: no namespace selector applies',
  'kubeflow-trainer/jobset-mutating-webhook-configuration': 'JobSets are made for TrainJobs in profile namespaces',
  'kubeflow-trainer/jobset-validating-webhook-configuration': 'JobSets are made for TrainJobs in profile namespaces',
  'kubeflow-trainer/defaulter.trainer.kubeflow.org': 'TrainJobs live in profile namespaces; runtimes are cluster-scoped',
  'kubeflow-trainer/validator.trainer.kubeflow.org': 'TrainJobs live in profile namespaces; runtimes are cluster-scoped',
  // The spark-operator chart annotates its webhook configurations only for cert-manager's CA injection.
  'spark-operator/spark-operator-webhook': 'SparkApplications and their pods live in the job namespaces: the profile namespaces, which carry no control-plane label (without profiles every namespace, and the enforcer hides only control-plane ones such as kubeflow, where no Spark jobs run)',
};

/** Every webhook configuration is exempt from the AKS admissions enforcer, or listed in WEBHOOK_EXEMPTIONS with a reason. */
export function webhookProblems(rendered: RenderedEnvironment): string[] {
  return objectsOf(rendered)
    .filter((l) => /WebhookConfiguration$/.test(l.obj.kind) && l.obj.metadata.annotations?.[ADMISSIONS_ENFORCER] !== 'true')
    .filter((l) => !WEBHOOK_EXEMPTIONS[`${l.release.name}/${l.obj.metadata.name}`])
    .map((l) => `${describe(l)}: lacks the annotation ${ADMISSIONS_ENFORCER}: "true" (AKS would hide the kubeflow namespace from it)`);
}

/** Releases whose chart templates its CRDs with no setting to keep them, and what that means. */
export const CRD_KEEP_EXEMPTIONS: Readonly<Record<string, string>> = {
  'kserve-crd': 'the kserve-crd chart offers no keep setting: turning KServe off deletes every InferenceService (docs/components/kserve.md warns)',
};

/** Every CRD survives an uninstall of its release: from a chart's crds/ folder (Helm never deletes those) or annotated keep. */
export function crdKeepProblems(rendered: RenderedEnvironment): string[] {
  return objectsOf(rendered)
    .filter((l) => l.obj.kind === 'CustomResourceDefinition' && !CRD_KEEP_EXEMPTIONS[l.release.name])
    .filter((l) => {
      const spec = l.obj.spec as { group: string; names: { kind: string } };
      return !l.release.crdsFromCrdsDir.has(`${spec.group}/${spec.names.kind}`) && l.obj.metadata.annotations?.['helm.sh/resource-policy'] !== 'keep';
    })
    .map((l) => `${describe(l)}: would be deleted, with every custom resource of its kind, when its release is uninstalled (no helm.sh/resource-policy: keep)`);
}

/**
 * Every store's volume outlives what uses it: each PersistentVolumeClaim a release renders
 * (the platform has no other claims: Pipelines' MySQL and SeaweedFS, Katib's MySQL, Model
 * Registry's database) names a StorageClass some release renders, on Azure Disk, zone-aware
 * and expandable, with `reclaimPolicy: Retain`, and carries `helm.sh/resource-policy: keep`;
 * the class is kept too. Only `dataStores.deleteDataOnRemoval` lets them go: then neither the
 * claim nor the class is kept and the class deletes the disk.
 */
export function storeVolumeProblems(rendered: RenderedEnvironment): string[] {
  const deleting = rendered.env.dataStores.deleteDataOnRemoval;
  const policy = deleting ? 'Delete' : 'Retain';
  const all = objectsOf(rendered);
  const classes = new Map(all.filter((l) => l.obj.kind === 'StorageClass').map((l) => [l.obj.metadata.name, l]));
  const problems: string[] = [];
  const kept = (obj: K8sObject) => obj.metadata.annotations?.['helm.sh/resource-policy'] === 'keep';
  const usedClasses = new Set<string>();
  for (const l of all.filter((x) => x.obj.kind === 'PersistentVolumeClaim')) {
    const name = (l.obj.spec as { storageClassName?: string } | undefined)?.storageClassName;
    if (!deleting && !kept(l.obj)) problems.push(`${describe(l)}: would be deleted with its release (no helm.sh/resource-policy: keep)`);
    if (deleting && kept(l.obj)) problems.push(`${describe(l)}: kept on uninstall although dataStores.deleteDataOnRemoval is true`);
    if (!name) { problems.push(`${describe(l)}: uses the cluster's default StorageClass, whose disks are deleted with the claim`); continue; }
    usedClasses.add(name);
    if (!classes.has(name)) problems.push(`${describe(l)}: StorageClass ${name} is rendered by no release`);
  }
  for (const name of usedClasses) {
    const l = classes.get(name);
    if (!l) continue;
    const sc = l.obj as K8sObject & { provisioner?: string; reclaimPolicy?: string; volumeBindingMode?: string; allowVolumeExpansion?: boolean };
    if ((sc.reclaimPolicy ?? 'Delete') !== policy) problems.push(`${describe(l)}: reclaimPolicy ${sc.reclaimPolicy ?? 'Delete (unset)'}, store volumes need ${policy}`);
    if (sc.provisioner !== 'disk.csi.azure.com') problems.push(`${describe(l)}: provisioner ${sc.provisioner}, store volumes need Azure Disk CSI (disk.csi.azure.com)`);
    if (sc.volumeBindingMode !== 'WaitForFirstConsumer') problems.push(`${describe(l)}: volumeBindingMode ${sc.volumeBindingMode ?? 'Immediate (unset)'}: a disk created before its pod is scheduled can land in a zone the pod cannot run in`);
    if (sc.allowVolumeExpansion !== true) problems.push(`${describe(l)}: allowVolumeExpansion is not true: a full store could not grow`);
    if (!deleting && !kept(l.obj)) problems.push(`${describe(l)}: would be deleted with its release while kept claims still name it (no helm.sh/resource-policy: keep)`);
  }
  return problems;
}

/**
 * KServe's Ingresses reach the Kubeflow gateway: Istio serves class `istio` with
 * the gateway pods selected by meshConfig.ingressSelector and publishes them
 * through meshConfig.ingressService; those must be the pods of the Kubeflow
 * Gateway (and its sign-in policies).
 */
export function inferenceRouteProblems(rendered: RenderedEnvironment): string[] {
  const cls = kserveIngressClass(rendered);
  if (!cls) return [];
  const istiod = rendered.releases.find((r) => r.name === 'istiod');
  if (!istiod) return [`KServe uses IngressClass ${cls}, but no istiod release serves Ingresses`];
  const mesh = (istiod.values.meshConfig ?? {}) as { ingressSelector?: string; ingressService?: string; ingressClass?: string };
  const selector = mesh.ingressSelector ?? 'ingressgateway';
  const service = mesh.ingressService ?? 'istio-ingressgateway';
  const all = objectsOf(rendered);
  const gatewayPods = podTemplates(rendered).filter((p) => p.ns === 'istio-system' && p.metadata.labels?.istio === selector);
  const problems: string[] = [];
  if (gatewayPods.length === 0) problems.push(`meshConfig.ingressSelector "${selector}": no gateway pod in istio-system is labelled istio=${selector}, so nobody serves KServe's Ingresses`);
  if (!all.some((l) => l.obj.kind === 'Service' && nsOf(l) === 'istio-system' && l.obj.metadata.name === service)) problems.push(`meshConfig.ingressService "${service}": no such Service in istio-system, so Ingress status (and KServe's URL) points nowhere`);
  const kubeflowGateway = all.find((l) => l.obj.kind === 'Gateway' && l.obj.metadata.name === 'kubeflow-gateway');
  const gwSelector = (kubeflowGateway?.obj.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
  if (!kubeflowGateway) problems.push('Gateway kubeflow-gateway: missing');
  else if (gwSelector.istio !== selector) problems.push(`Gateway kubeflow-gateway selects istio=${gwSelector.istio}, but Ingresses are served by istio=${selector}: inference traffic would bypass the Kubeflow gateway's sign-in`);
  return problems;
}

/** No generated credential flows into Helm values or kustomize inputs (a plan would print them). */
export function secretsInValuesProblems(rendered: RenderedEnvironment): string[] {
  const problems: string[] = [];
  for (const [id, r] of Object.entries(rendered.platform.resource.helm_release ?? {})) {
    if (/random_password\./.test(JSON.stringify((r as { values?: unknown }).values ?? ''))) problems.push(`helm_release.${id}: values reference a generated password`);
  }
  for (const [id, d] of Object.entries(rendered.platform.data?.kustomization_overlay ?? {})) {
    if (/random_password\./.test(JSON.stringify(d))) problems.push(`data.kustomization_overlay.${id}: references a generated password, which flows into a release's values`);
  }
  return problems;
}

function objectKey(l: Located): string {
  const namespaced = l.obj.metadata.namespace !== undefined || !CLUSTER_SCOPED.has(l.obj.kind);
  return `${groupOf(l.obj.apiVersion)}/${l.obj.kind}/${namespaced ? nsOf(l) : ''}/${l.obj.metadata.name}`;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'PriorityClass', 'StorageClass', 'IngressClass', 'RuntimeClass', 'APIService', 'ClusterIssuer', 'Profile', 'ClusterTrainingRuntime', 'ClusterServingRuntime', 'ClusterStorageContainer', 'PersistentVolume', 'CSIDriver']);

/** No object is installed by two releases (Helm refuses the second, or they fight). */
export function ownershipProblems(rendered: RenderedEnvironment): string[] {
  const owners = new Map<string, string[]>();
  for (const l of objectsOf(rendered)) owners.set(objectKey(l), [...(owners.get(objectKey(l)) ?? []), l.release.name]);
  return [...owners].filter(([, r]) => r.length > 1).map(([key, r]) => `${key}: installed by ${r.length} releases (${r.join(', ')})`);
}

const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'rbac.authorization.k8s.io', 'admissionregistration.k8s.io', 'networking.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io', 'coordination.k8s.io', 'certificates.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'flowcontrol.apiserver.k8s.io', 'apiregistration.k8s.io']);

/**
 * Custom resource kinds whose CRD comes from outside this project, and why that
 * is safe. Nothing else may skip the CRD rule. Their schema is not in the
 * render, so these objects are checked by `scrapeTargetProblems` instead.
 */
export const EXTERNAL_CRDS: Readonly<Record<string, string>> = {
  'azmonitoring.coreos.com/ServiceMonitor': 'installed by the AKS managed Prometheus add-on (monitor_metrics), which the cluster stack enables before any platform apply; only created when monitoring.managedPrometheus is on',
  'azmonitoring.coreos.com/PodMonitor': 'installed by the AKS managed Prometheus add-on (monitor_metrics), as ServiceMonitor',
};

/** A Service or pod the render does not contain: an operator creates it at runtime. Each entry names its source. */
export interface RuntimeTarget {
  readonly kind: 'Service' | 'Pod';
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Named ports (Service ports for a Service, container ports for a pod). */
  readonly ports: readonly { readonly name?: string; readonly port: number }[];
  readonly source: string;
}

/** Labels of the DCGM exporter's Service and pods at GPU Operator v26.7.0. */
const DCGM_EXPORTER_LABELS: Readonly<Record<string, string>> = { app: 'nvidia-dcgm-exporter' };

/** Objects that exist at runtime but not in the render, as the operators that create them define them. */
export function runtimeTargets(rendered: RenderedEnvironment): RuntimeTarget[] {
  const targets: RuntimeTarget[] = [];
  const operator = rendered.releases.find((r) => r.name === 'gpu-operator');
  const policy = operator?.objects.find((o) => o.kind === 'ClusterPolicy');
  const dcgm = (policy?.spec as { dcgmExporter?: { enabled?: boolean } } | undefined)?.dcgmExporter;
  if (operator && dcgm?.enabled !== false) {
    // Typed here from the operator's assets, independently of the construct, so a wrong constant there fails this rule.
    const source = 'NVIDIA/gpu-operator v26.7.0 assets/state-dcgm-exporter (created by the operator from the ClusterPolicy)';
    targets.push({ kind: 'Service', namespace: operator.namespace, name: 'nvidia-dcgm-exporter', labels: DCGM_EXPORTER_LABELS, ports: [{ name: 'gpu-metrics', port: 9400 }], source: `${source}/0400_service.yaml` });
    targets.push({ kind: 'Pod', namespace: operator.namespace, name: 'nvidia-dcgm-exporter', labels: DCGM_EXPORTER_LABELS, ports: [{ name: 'metrics', port: 9400 }], source: `${source}/0800_daemonset.yaml` });
  }
  const notebookController = podTemplates(rendered).find((p) => p.where.obj.kind === 'Deployment' && p.where.obj.metadata.name === 'notebook-controller-deployment');
  if (notebookController) {
    // Not rendered as a port: main.go of the controller (Notebooks v1.11.0) binds metrics to --metrics-addr, default ":8080".
    targets.push({ kind: 'Pod', namespace: notebookController.ns, name: 'notebook-controller (metrics listener)', labels: notebookController.metadata.labels ?? {}, ports: [{ port: 8080 }], source: 'kubeflow/notebooks v1.11.0 components/notebook-controller/main.go (--metrics-addr default :8080)' });
  }
  return targets;
}

type Target = { kind: 'Service' | 'Pod'; namespace: string; name: string; labels: Record<string, string>; ports: { name?: string; port: number }[] };

function scrapeCandidates(rendered: RenderedEnvironment): Target[] {
  const services: Target[] = objectsOf(rendered).filter((l) => l.obj.kind === 'Service').map((l) => ({
    kind: 'Service' as const,
    namespace: nsOf(l),
    name: l.obj.metadata.name,
    labels: l.obj.metadata.labels ?? {},
    ports: ((l.obj.spec as { ports?: { name?: string; port: number }[] }).ports ?? []).map((p) => ({ name: p.name, port: p.port })),
  }));
  const pods: Target[] = podTemplates(rendered).map((p) => ({
    kind: 'Pod' as const,
    namespace: p.ns,
    name: p.where.obj.metadata.name,
    labels: p.metadata.labels ?? {},
    ports: ((p.spec.containers as { ports?: { name?: string; containerPort: number }[] }[] | undefined) ?? []).flatMap((c) => (c.ports ?? []).map((x) => ({ name: x.name, port: x.containerPort }))),
  }));
  return [...services, ...pods, ...runtimeTargets(rendered).map((t) => ({ ...t, labels: { ...t.labels }, ports: [...t.ports] }))];
}

/**
 * Every managed-Prometheus scrape object selects something real: a Service
 * (ServiceMonitor) or pods (PodMonitor) in its namespaces whose labels match its
 * selector, rendered or created at runtime by an operator (`runtimeTargets`),
 * and every endpoint names a port those objects have. Scrape objects of the
 * OSS `monitoring.coreos.com` group are refused: managed Prometheus ignores them.
 */
export function scrapeTargetProblems(rendered: RenderedEnvironment): string[] {
  const problems: string[] = [];
  const candidates = scrapeCandidates(rendered);
  for (const l of objectsOf(rendered).filter((x) => x.obj.kind === 'ServiceMonitor' || x.obj.kind === 'PodMonitor')) {
    if (l.obj.apiVersion !== AZURE_MONITORING_API) {
      problems.push(`${describe(l)}: ${l.obj.apiVersion} is not read by Azure Managed Prometheus; use ${AZURE_MONITORING_API}`);
      continue;
    }
    const spec = l.obj.spec as { selector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchNames?: string[] }; endpoints?: Record<string, unknown>[]; podMetricsEndpoints?: Record<string, unknown>[] } & Record<string, unknown>;
    // Azure's limits (typed here independently of the construct): without them, long or many labels get series dropped.
    for (const [key, max] of [['labelLimit', 63], ['labelNameLengthLimit', 511], ['labelValueLengthLimit', 1023]] as const) {
      const value = spec[key];
      if (typeof value !== 'number' || value < 1 || value > max) problems.push(`${describe(l)}: spec.${key} is ${JSON.stringify(value)}; Azure Managed Prometheus needs it set, 1 to ${max}, or it drops series`);
    }
    const namespaces = spec.namespaceSelector?.matchNames ?? [nsOf(l)];
    const kind = l.obj.kind === 'ServiceMonitor' ? 'Service' : 'Pod';
    const selected = candidates.filter((t) => t.kind === kind && namespaces.includes(t.namespace) && Object.keys(spec.selector?.matchLabels ?? {}).length > 0 && matches(t.labels, spec.selector ?? {}));
    if (selected.length === 0) {
      problems.push(`${describe(l)}: selects ${JSON.stringify(spec.selector?.matchLabels ?? {})} in ${namespaces.join(', ')}, but no ${kind} there has those labels (nothing would be scraped)`);
      continue;
    }
    const endpoints = (kind === 'Service' ? spec.endpoints : spec.podMetricsEndpoints) ?? [];
    if (endpoints.length === 0) problems.push(`${describe(l)}: has no endpoints`);
    for (const e of endpoints) {
      const port = e.port as string | undefined;
      const targetPort = e.targetPort as number | string | undefined;
      const ok = selected.some((t) => t.ports.some((p) => (port !== undefined ? p.name === port : (typeof targetPort === 'number' ? p.port === targetPort : p.name === targetPort))));
      if (!ok) problems.push(`${describe(l)}: endpoint port ${JSON.stringify(port ?? targetPort)} is not a port of ${selected.map((t) => `${t.kind} ${t.namespace}/${t.name}`).join(', ')} (ports: ${JSON.stringify(selected.flatMap((t) => t.ports))})`);
    }
  }
  return problems;
}

/** The Istio root namespace: its selector-less policies apply to the whole mesh. */
const ISTIO_ROOT_NAMESPACE = 'istio-system';

/** A scrape by managed Prometheus, as a sidecar sees it: plain HTTP from a pod without mesh identity, GET, no Authorization or Kubeflow headers. */
interface ScrapeRequest { readonly method: 'GET'; readonly path: string; readonly port: number }

type AuthzSource = Record<string, string[] | undefined>;
type AuthzOperation = Record<string, string[] | undefined>;
type AuthzRule = { from?: { source?: AuthzSource }[]; to?: { operation?: AuthzOperation }[]; when?: { key: string; values?: string[]; notValues?: string[] }[] };
type AuthzSpec = { action?: string; selector?: { matchLabels?: Record<string, string> }; rules?: AuthzRule[] };

function istioValueMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/**
 * Whether an attribute list matches the scrape. Attributes the scrape lacks
 * (principals, request principals, namespaces, headers, claims) are empty: a
 * positive list never matches them, a negative one always does. Attributes
 * whose value is unknown offline (source IPs, hosts) count against the scrape:
 * they never admit it under ALLOW and always hit it under DENY.
 */
function fieldMatches(field: string, values: string[], req: ScrapeRequest, deny: boolean): boolean {
  const negative = /^not[A-Z]/.test(field);
  const name = negative ? field[3].toLowerCase() + field.slice(4) : field;
  const known: Record<string, string | undefined> = { methods: req.method, paths: req.path, ports: String(req.port) };
  if (name in known) {
    const hit = values.some((v) => istioValueMatches(v, known[name] ?? ''));
    return negative ? !hit : hit;
  }
  if (['ipBlocks', 'remoteIpBlocks', 'hosts'].includes(name)) return deny;
  return negative;
}

function conditionMatches(c: { key: string; values?: string[]; notValues?: string[] }, req: ScrapeRequest, deny: boolean): boolean {
  const value = c.key === 'destination.port' ? String(req.port) : c.key === 'request.method' ? req.method : c.key === 'request.url_path' ? req.path : undefined;
  if (value === undefined && /^(source\.ip|remote\.ip|destination\.ip|connection\.sni)$/.test(c.key)) return deny;
  const v = value ?? '';
  if (c.values && !c.values.some((p) => istioValueMatches(p, v))) return false;
  if (c.notValues && c.notValues.some((p) => istioValueMatches(p, v))) return false;
  return true;
}

function ruleMatches(rule: AuthzRule, req: ScrapeRequest, deny: boolean): boolean {
  const all = (o: Record<string, string[] | undefined> | undefined) => Object.entries(o ?? {}).every(([f, v]) => v === undefined || fieldMatches(f, v, req, deny));
  const from = rule.from === undefined || rule.from.some((f) => all(f.source));
  const to = rule.to === undefined || rule.to.some((t) => all(t.operation));
  const when = (rule.when ?? []).every((c) => conditionMatches(c, req, deny));
  return from && to && when;
}

/**
 * Why a scrape of these pods would be refused by the mesh, if it would:
 * STRICT mutual TLS (the collector has no mesh identity), or Istio
 * AuthorizationPolicies (DENY or CUSTOM rules that match it, or ALLOW
 * policies none of whose rules admit it). Empty when the scrape gets through.
 */
export function meshRefusals(rendered: RenderedEnvironment, namespace: string, labels: Record<string, string>, req: ScrapeRequest): string[] {
  const applies = (l: Located) => {
    const ns = nsOf(l);
    const selector = (l.obj.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector;
    if (ns === namespace) return selector === undefined || matches(labels, selector);
    return ns === ISTIO_ROOT_NAMESPACE && selector === undefined;
  };
  const refusals: string[] = [];
  // Mutual TLS mode: a workload's PeerAuthentication over its namespace's, over the mesh's; UNSET defers to the next.
  const peers = objectsOf(rendered).filter((l) => l.obj.kind === 'PeerAuthentication' && applies(l));
  const rank = (l: Located) => (nsOf(l) !== namespace ? 2 : (l.obj.spec as { selector?: object }).selector ? 0 : 1);
  for (const peer of [...peers].sort((a, b) => rank(a) - rank(b))) {
    const spec = peer.obj.spec as { mtls?: { mode?: string }; portLevelMtls?: Record<string, { mode?: string }> };
    const mode = [spec.portLevelMtls?.[String(req.port)]?.mode, spec.mtls?.mode].find((m) => m !== undefined && m !== 'UNSET');
    if (mode === undefined) continue;
    if (mode === 'STRICT') refusals.push(`${describe(peer)} requires mutual TLS on port ${req.port}, which the collector (no mesh identity) cannot present`);
    break;
  }
  const policies = objectsOf(rendered).filter((l) => l.obj.kind === 'AuthorizationPolicy' && applies(l));
  for (const l of policies) {
    const spec = l.obj.spec as AuthzSpec;
    const action = spec.action ?? 'ALLOW';
    if (action === 'DENY' && (spec.rules ?? []).some((r) => ruleMatches(r, req, true))) refusals.push(`${describe(l)} denies it`);
    if (action === 'CUSTOM' && (spec.rules ?? []).some((r) => ruleMatches(r, req, true))) refusals.push(`${describe(l)} sends it to an external authorizer`);
  }
  const allows = policies.filter((l) => ((l.obj.spec as AuthzSpec).action ?? 'ALLOW') === 'ALLOW');
  if (allows.length > 0 && !allows.some((l) => ((l.obj.spec as AuthzSpec).rules ?? []).some((r) => ruleMatches(r, req, false)))) {
    refusals.push(`no rule of ${allows.map((l) => describe(l)).join(', ')} admits an unauthenticated GET ${req.path} on port ${req.port}, and ALLOW policies refuse everything else`);
  }
  return refusals;
}

type ScrapedPod = { namespace: string; name: string; metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; ports: { name?: string; port: number }[] };
type PodEndpoint = { port?: string; targetPort?: number | string; path?: string; scheme?: string; tlsConfig?: { insecureSkipVerify?: boolean } };

/** Each (PodMonitor, selected pod, endpoint) with the endpoint's port number on that pod; endpoints whose port the pod lacks are left to scrapeTargetProblems. */
function podScrapes(rendered: RenderedEnvironment): { monitor: Located; pod: ScrapedPod; endpoint: PodEndpoint; port: number }[] {
  const pods: ScrapedPod[] = [
    ...podTemplates(rendered).map((p) => ({ namespace: p.ns, name: p.where.obj.metadata.name, metadata: p.metadata, ports: ((p.spec.containers as { ports?: { name?: string; containerPort: number }[] }[] | undefined) ?? []).flatMap((c) => (c.ports ?? []).map((x) => ({ name: x.name, port: x.containerPort }))) })),
    ...runtimeTargets(rendered).filter((t) => t.kind === 'Pod').map((t) => ({ namespace: t.namespace, name: t.name, metadata: { labels: { ...t.labels } }, ports: [...t.ports] })),
  ];
  const result: { monitor: Located; pod: ScrapedPod; endpoint: PodEndpoint; port: number }[] = [];
  for (const monitor of objectsOf(rendered).filter((x) => x.obj.kind === 'PodMonitor' && x.obj.apiVersion === AZURE_MONITORING_API)) {
    const spec = monitor.obj.spec as { selector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchNames?: string[] }; podMetricsEndpoints?: PodEndpoint[] };
    const namespaces = spec.namespaceSelector?.matchNames ?? [nsOf(monitor)];
    if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0) continue;
    for (const pod of pods.filter((p) => namespaces.includes(p.namespace) && matches(p.metadata.labels, spec.selector ?? {}))) {
      for (const endpoint of spec.podMetricsEndpoints ?? []) {
        const port = typeof endpoint.targetPort === 'number' ? endpoint.targetPort : pod.ports.find((p) => p.name === (endpoint.port ?? endpoint.targetPort))?.port;
        if (port !== undefined) result.push({ monitor, pod, endpoint, port });
      }
    }
  }
  return result;
}

/**
 * Every pod a PodMonitor selects can be scraped through its sidecar: the
 * managed Prometheus collector (ama-metrics in kube-system) has no sidecar, so
 * it scrapes in plain HTTP without a mesh identity or request headers. Pods
 * without a sidecar are not checked. ServiceMonitors are not checked here: the
 * only one (DCGM) selects pods in a namespace without injection.
 */
export function scrapeMeshProblems(rendered: RenderedEnvironment): string[] {
  const nsLabels = namespaceLabels(rendered);
  return podScrapes(rendered)
    .filter((s) => injected(nsLabels.get(s.pod.namespace), s.pod.metadata))
    .flatMap((s) => {
      const path = s.endpoint.path ?? '/metrics';
      return meshRefusals(rendered, s.pod.namespace, s.pod.metadata.labels ?? {}, { method: 'GET', path, port: s.port })
        .map((why) => `${describe(s.monitor)}: the scrape of ${s.pod.namespace}/${s.pod.name} (GET ${path} on ${s.port}) is refused by the mesh: ${why}`);
    });
}

/** A metrics port that is not plain HTTP open to the pod network, as the rendered configuration says. */
export interface GuardedMetricsPort {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly port: number;
  /** Served over TLS. */
  readonly tls: boolean;
  /** Needs a bearer token (kube-rbac-proxy, or controller-runtime's authentication filter). */
  readonly token: boolean;
  /** Bound to 127.0.0.1: unreachable from another pod. */
  readonly loopback: boolean;
  readonly why: string;
}

/**
 * Metrics listeners read from the render: kube-rbac-proxy sidecars
 * (`--secure-listen-address`: TLS, and a token checked by TokenReview and
 * SubjectAccessReview), managers bound to loopback (`--metrics-addr` or
 * `--metrics-bind-address` on 127.0.0.1), and controllers configured by a
 * `controller_manager_config.yaml` with `metrics.secureServing` (TLS; Trainer
 * 2.2.1 sets no authentication filter, kubeflow/trainer `pkg/config/config.go`).
 */
export function guardedMetricsPorts(rendered: RenderedEnvironment): GuardedMetricsPort[] {
  const found: GuardedMetricsPort[] = [];
  const configs = new Map<string, string>();
  for (const l of objectsOf(rendered).filter((x) => x.obj.kind === 'ConfigMap')) {
    const text = (l.obj.data as Record<string, string> | undefined)?.['controller_manager_config.yaml'];
    if (text) configs.set(`${nsOf(l)}/${l.obj.metadata.name}`, text);
  }
  for (const p of podTemplates(rendered)) {
    const labels = p.metadata.labels ?? {};
    const containers = (p.spec.containers as { name: string; args?: string[]; command?: string[] }[] | undefined) ?? [];
    for (const c of containers) {
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
        const secure = /^--secure-listen-address=.*:(\d+)$/.exec(arg);
        if (secure) found.push({ namespace: p.ns, labels, port: Number(secure[1]), tls: true, token: true, loopback: false, why: `kube-rbac-proxy in ${p.where.obj.metadata.name} (${arg})` });
        const local = /^--metrics-(?:addr|bind-address)=(?:127\.0\.0\.1|localhost):(\d+)$/.exec(arg);
        if (local) found.push({ namespace: p.ns, labels, port: Number(local[1]), tls: false, token: false, loopback: true, why: `${c.name} in ${p.where.obj.metadata.name} (${arg})` });
      }
    }
    const volumes = (p.spec.volumes as { configMap?: { name?: string } }[] | undefined) ?? [];
    for (const v of volumes) {
      const text = v.configMap?.name ? configs.get(`${p.ns}/${v.configMap.name}`) : undefined;
      if (!text) continue;
      const config = parse(text) as { metrics?: { bindAddress?: string; secureServing?: boolean } } | null;
      const port = /:(\d+)$/.exec(config?.metrics?.bindAddress ?? '')?.[1];
      if (port && config?.metrics?.secureServing) found.push({ namespace: p.ns, labels, port: Number(port), tls: true, token: false, loopback: false, why: `ConfigMap ${p.ns}/${v.configMap?.name}: metrics.secureServing on ${config.metrics.bindAddress}` });
    }
  }
  return found;
}

/**
 * Every PodMonitor endpoint speaks the way its port serves: HTTPS where the
 * server has TLS on (and plain HTTP elsewhere), never a port bound to loopback,
 * and never a port that wants a bearer token: managed Prometheus would need a
 * long-lived token Secret for it.
 */
export function scrapeSchemeProblems(rendered: RenderedEnvironment): string[] {
  const guarded = guardedMetricsPorts(rendered);
  const problems: string[] = [];
  for (const s of podScrapes(rendered)) {
    const g = guarded.find((x) => x.namespace === s.pod.namespace && x.port === s.port && Object.entries(x.labels).every(([k, v]) => s.pod.metadata.labels?.[k] === v));
    const https = s.endpoint.scheme === 'https';
    const where = `${describe(s.monitor)}: port ${s.port} of ${s.pod.namespace}/${s.pod.name}`;
    if (g?.loopback) problems.push(`${where} listens on 127.0.0.1 only (${g.why}): nothing outside the pod reaches it`);
    else if (g?.token) problems.push(`${where} wants a bearer token (${g.why}): managed Prometheus would need a long-lived ServiceAccount token Secret`);
    else if (g?.tls && !https) problems.push(`${where} serves TLS (${g.why}), but the endpoint scrapes plain HTTP`);
    else if (!g?.tls && https) problems.push(`${where} serves plain HTTP, but the endpoint scrapes HTTPS`);
  }
  return problems;
}

/**
 * With managed Prometheus on and a GPU Operator installed, the DCGM exporter is
 * scraped, and it runs on every GPU pool: the operator's operands tolerate each
 * pool's taints (spot pools carry a second one), and the exporter is enabled.
 */
export function gpuMetricsCoverageProblems(rendered: RenderedEnvironment): string[] {
  const operator = rendered.releases.find((r) => r.name === 'gpu-operator');
  if (!operator || !rendered.env.monitoring.managedPrometheus) return [];
  const problems: string[] = [];
  const policy = operator.objects.find((o) => o.kind === 'ClusterPolicy');
  const spec = (policy?.spec ?? {}) as { dcgmExporter?: { enabled?: boolean }; daemonsets?: { tolerations?: { key?: string; value?: string; effect?: string; operator?: string }[] } };
  if (spec.dcgmExporter?.enabled === false) problems.push('ClusterPolicy: dcgmExporter.enabled is false, so no GPU metrics exist to collect');
  const tolerations = spec.daemonsets?.tolerations ?? [];
  const pools = Object.values(rendered.cluster.resource.azurerm_kubernetes_cluster_node_pool ?? {})
    .map((r) => r as { name: string; vm_size: string; node_taints?: string[] })
    .filter((r) => vmSizeFacts(r.vm_size)?.gpu);
  for (const pool of pools) {
    for (const taint of pool.node_taints ?? []) {
      const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(taint);
      if (!m) continue;
      const tolerated = tolerations.some((t) => t.key === m[1] && (t.effect === undefined || t.effect === m[3]) && (t.operator === 'Exists' || t.value === m[2]));
      if (!tolerated) problems.push(`GPU pool ${pool.name}: taint ${taint} is not tolerated by the GPU Operator's daemon sets, so its nodes get no DCGM exporter (no GPU metrics)`);
    }
  }
  const scraped = objectsOf(rendered).some((l) => l.obj.apiVersion === AZURE_MONITORING_API && matches(DCGM_EXPORTER_LABELS, (l.obj.spec as { selector?: { matchLabels?: Record<string, string> } }).selector ?? {}) && Object.keys((l.obj.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {}).length > 0);
  if (!scraped) problems.push(`no ${AZURE_MONITORING_API} scrape object selects the DCGM exporter (${JSON.stringify(DCGM_EXPORTER_LABELS)}): managed Prometheus would not collect GPU metrics`);
  return problems;
}

/** Every custom resource's CRD comes from a release it depends on (or its own chart's crds/), and the resource validates against the CRD's schema. */
export function customResourceProblems(rendered: RenderedEnvironment): string[] {
  const problems: string[] = [];
  const crds = objectsOf(rendered).filter((l) => l.obj.kind === 'CustomResourceDefinition');
  const index = indexCrds(crds.map((l) => l.obj as Record<string, unknown>));
  const crdRelease = new Map<string, RenderedRelease>();
  for (const l of crds) {
    const spec = l.obj.spec as { group: string; names: { kind: string } };
    crdRelease.set(`${spec.group}/${spec.names.kind}`, l.release);
  }
  for (const l of objectsOf(rendered)) {
    const group = groupOf(l.obj.apiVersion);
    if (BUILT_IN_GROUPS.has(group) || EXTERNAL_CRDS[`${group}/${l.obj.kind}`]) continue;
    const source = crdRelease.get(`${group}/${l.obj.kind}`);
    if (!source) {
      problems.push(`${describe(l)}: no release installs the CRD of ${l.obj.apiVersion} ${l.obj.kind}`);
      continue;
    }
    const sameChartCrdsDir = source === l.release && l.release.crdsFromCrdsDir.has(`${group}/${l.obj.kind}`);
    if (source !== l.release ? !l.release.dependsOn.includes(source.address) : !sameChartCrdsDir) {
      problems.push(`${describe(l)}: its CRD comes from release ${source.name}, which it does not wait for (Helm cannot install it in the same run)`);
    }
    try {
      for (const v of validateCustomResource(index, l.obj as Record<string, unknown>)) problems.push(`${describe(l)}: ${v.path}: ${v.message}`);
    } catch (error) {
      problems.push(`${describe(l)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Helm keeps each release in a Secret; 1 MiB is the API server's limit. */
export const RECORD_LIMIT_BYTES = 1024 * 1024;
/** "Well under": a release must leave this much of the limit free. */
export const RECORD_HEADROOM = 0.1;

export function releaseRecordProblems(rendered: RenderedEnvironment): string[] {
  const max = RECORD_LIMIT_BYTES * (1 - RECORD_HEADROOM);
  return rendered.releases
    .filter((r) => r.recordBytes > max)
    .map((r) => `release ${r.name}: record of ~${Math.round(r.recordBytes / 1024)} KiB exceeds ${Math.round(max / 1024)} KiB (90% of the 1 MiB Secret limit)`);
}

export function largestRecord(rendered: RenderedEnvironment): RenderedRelease {
  return [...rendered.releases].sort((a, b) => b.recordBytes - a.recordBytes)[0];
}

interface PoolFacts {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly gpus: number;
  readonly migProfile?: string;
  /** Who partitions the pool's GPUs into MIG devices. */
  readonly migOwners: string[];
  /** MIG devices per GPU once partitioned. */
  readonly migPerGpu: number;
}

/** GPU pools as the cluster stack defines them, and who partitions each MIG pool. */
export function gpuPoolFacts(rendered: RenderedEnvironment): PoolFacts[] {
  const operator = rendered.releases.find((r) => r.name === 'gpu-operator');
  const migManagerOn = operator !== undefined && (operator.values.migManager as { enabled?: boolean } | undefined)?.enabled !== false;
  return Object.values(rendered.cluster.resource.azurerm_kubernetes_cluster_node_pool ?? {})
    .map((r) => r as { name: string; vm_size: string; node_labels?: Record<string, string>; gpu_instance?: string; gpu_driver?: string })
    .filter((r) => vmSizeFacts(r.vm_size)?.gpu)
    .map((r) => {
      const labels = r.node_labels ?? {};
      const migProfile = rendered.env.gpuPools.find((p) => p.name === r.name)?.migProfile;
      const owners: string[] = [];
      if (r.gpu_instance && r.gpu_driver === 'Install') owners.push('AKS (gpu_instance with the AKS driver)');
      if (migManagerOn && labels[MIG_CONFIG_LABEL] && labels[MIG_CONFIG_LABEL] !== 'all-disabled' && labels[MIG_MANAGER_DEPLOY_LABEL] !== 'false') owners.push(`the GPU Operator's MIG manager (${MIG_CONFIG_LABEL}=${labels[MIG_CONFIG_LABEL]})`);
      return { name: r.name, labels, gpus: vmSizeFacts(r.vm_size)?.gpu?.count ?? 0, migProfile, migOwners: owners, migPerGpu: migInstancesPerGpu({ name: r.name, vmSize: r.vm_size, gpu: { count: 0, model: '' }, spot: false, migProfile }) };
    });
}

/** Each MIG pool has exactly one owner of its partitioning; no pool is partitioned without asking. */
export function migOwnershipProblems(rendered: RenderedEnvironment): string[] {
  return gpuPoolFacts(rendered).flatMap((p) => {
    if (p.migProfile && p.migOwners.length !== 1) return [`GPU pool ${p.name} (${p.migProfile}): ${p.migOwners.length === 0 ? 'nobody partitions its GPUs' : `partitioned by ${p.migOwners.join(' and ')}`}; exactly one must`];
    if (!p.migProfile && p.migOwners.length > 0) return [`GPU pool ${p.name}: has no MIG profile but is partitioned by ${p.migOwners.join(' and ')}`];
    return [];
  });
}

/** Containers (at any depth: runtimes nest pod templates) with GPU limits, and the node selector beside them. */
function gpuRequests(value: unknown, nodeSelector: Record<string, string> | undefined, found: { resource: string; count: number; nodeSelector?: Record<string, string> }[]): void {
  if (Array.isArray(value)) {
    for (const v of value) gpuRequests(v, nodeSelector, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const o = value as Record<string, unknown>;
  const selector = (o.nodeSelector as Record<string, string> | undefined) ?? nodeSelector;
  const limits = (o.resources as { limits?: Record<string, unknown> } | undefined)?.limits;
  for (const [resource, count] of Object.entries(limits ?? {})) {
    if (/^nvidia\.com\/(gpu|mig-)/.test(resource)) found.push({ resource, count: Number(count), nodeSelector: selector });
  }
  for (const [k, v] of Object.entries(o)) if (k !== 'resources') gpuRequests(v, selector, found);
}

/** Every GPU or MIG request in a rendered object can be met by a node of some pool, as that node will advertise it. */
export function gpuRequestProblems(rendered: RenderedEnvironment): string[] {
  const pools = gpuPoolFacts(rendered);
  const operator = rendered.releases.find((r) => r.name === 'gpu-operator');
  const policy = operator?.objects.find((o) => o.kind === 'ClusterPolicy');
  const strategy = ((policy?.spec as { mig?: { strategy?: string } } | undefined)?.mig?.strategy) ?? 'single';
  const problems: string[] = [];
  for (const l of objectsOf(rendered)) {
    const found: { resource: string; count: number; nodeSelector?: Record<string, string> }[] = [];
    gpuRequests(l.obj.spec, undefined, found);
    for (const req of found) {
      const candidates = pools.filter((p) => Object.entries(req.nodeSelector ?? {}).every(([k, v]) => p.labels[k] === v));
      const advertised = (p: PoolFacts): Record<string, number> => {
        const partitioned = p.migProfile && p.migOwners.length === 1;
        if (!partitioned) return { 'nvidia.com/gpu': p.gpus };
        if (strategy === 'single') return { 'nvidia.com/gpu': p.gpus * p.migPerGpu };
        const device = p.labels[MIG_CONFIG_LABEL]?.replace(/^all-/, '') ?? 'unknown';
        return { [`nvidia.com/mig-${device}`]: p.gpus * p.migPerGpu };
      };
      if (!candidates.some((p) => (advertised(p)[req.resource] ?? 0) >= req.count)) {
        const offer = candidates.map((p) => `${p.name}: ${JSON.stringify(advertised(p))}`).join('; ') || 'no pool matches its node selector';
        problems.push(`${describe(l)}: asks for ${req.count} ${req.resource}, which no node offers (${offer})`);
      }
    }
  }
  return problems;
}

/** Registries being retired (Istio's, December 2026): nothing may pull from them, sidecars included. */
export const RETIRED_REGISTRIES = ['registry.istio.io', 'gcr.io/istio-release'];

/** Every image, and the hub the sidecar injector stamps into pods, comes from a registry that is not being retired. */
export function retiredRegistryProblems(rendered: RenderedEnvironment): string[] {
  const problems: string[] = [];
  const retired = (image: string) => RETIRED_REGISTRIES.some((r) => image.startsWith(`${r}/`));
  const walk = (value: unknown, where: Located) => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, where));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'image' && typeof v === 'string' && retired(v)) problems.push(`${describe(where)}: image ${v} comes from a retired registry`);
        else walk(v, where);
      }
    }
  };
  for (const l of objectsOf(rendered)) walk(l.obj, l);
  const injector = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name === 'istio-sidecar-injector');
  const hub = /"hub":\s*"([^"]+)"/.exec(String((injector?.obj.data as Record<string, string> | undefined)?.values ?? ''))?.[1];
  if (hub && RETIRED_REGISTRIES.some((r) => hub.startsWith(r))) problems.push(`ConfigMap istio-system/istio-sidecar-injector: injects sidecars from ${hub}, a retired registry`);
  return problems;
}

/** Istio's images: the control plane, the proxy (sidecars, gateways), the CNI agent and ztunnel. */
const ISTIO_IMAGE = /(^|\/)(pilot|proxyv2|install-cni|ztunnel)(:|@|$)/;

/**
 * Every Istio image that reaches a node runs the patched release from the chosen hub:
 * images in rendered objects (istiod, the CNI agent), the hub and tag the sidecar
 * injector stamps into every injected pod and into the gateway (whose chart leaves
 * `image: auto` for the injector), with no pod overriding the proxy image.
 */
export function istioImageProblems(rendered: RenderedEnvironment, expected: { hub: string; tag: string } = { hub: ISTIO_HUB, tag: ISTIO_IMAGE_TAG }): string[] {
  const problems: string[] = [];
  const found = new Set<string>();
  const walk = (value: unknown, where: Located) => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, where));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'image' && typeof v === 'string' && ISTIO_IMAGE.test(v)) {
          const name = ISTIO_IMAGE.exec(v)?.[2] ?? '';
          found.add(name);
          if (v !== `${expected.hub}/${name}:${expected.tag}`) problems.push(`${describe(where)}: runs ${v}, not ${expected.hub}/${name}:${expected.tag}`);
        } else walk(v, where);
      }
    }
  };
  for (const l of objectsOf(rendered)) walk(l.obj, l);
  const injector = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name === 'istio-sidecar-injector');
  if (!injector) return problems;
  for (const name of ['pilot', 'install-cni']) if (!found.has(name)) problems.push(`no rendered object runs Istio's ${name} image: is the chart's image key still the one we set?`);
  const values = JSON.parse(String((injector.obj.data as Record<string, string> | undefined)?.values ?? '{}')) as { global?: { hub?: string; tag?: string; proxy?: { image?: string }; proxy_init?: { image?: string } } };
  const g = values.global ?? {};
  if (g.hub !== expected.hub || g.tag !== expected.tag) problems.push(`${describe(injector)}: injects sidecars and gateways from ${g.hub}, tag ${g.tag}, not ${expected.hub}, tag ${expected.tag}`);
  for (const [key, image] of [['proxy', g.proxy?.image], ['proxy_init', g.proxy_init?.image]] as const) {
    // A full reference here would bypass global.hub/global.tag (the injection template uses it as is).
    if (image?.includes('/')) problems.push(`${describe(injector)}: global.${key}.image is ${image}, a full reference that ignores the hub and tag`);
  }
  for (const p of podTemplates(rendered)) {
    const override = p.metadata.annotations?.['sidecar.istio.io/proxyImage'];
    if (override) problems.push(`${describe(p.where)}: annotation sidecar.istio.io/proxyImage=${override} overrides the injected proxy image`);
    const containers = [...((p.spec.containers as { image?: string }[] | undefined) ?? []), ...((p.spec.initContainers as { image?: string }[] | undefined) ?? [])];
    if (containers.some((c) => c.image === 'auto') && p.metadata.labels?.['sidecar.istio.io/inject'] !== 'true') {
      problems.push(`${describe(p.where)}: has image "auto" but no sidecar.istio.io/inject=true label, so the injector never sets its image`);
    }
  }
  return problems;
}
