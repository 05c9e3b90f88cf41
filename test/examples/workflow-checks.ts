import { parse } from 'yaml';
import { vmSizeFacts } from '../../catalog/vm-sizes';
import { indexCrds, validateCustomResource } from '../render/crd-schema';
import { namespaceLabels } from '../render/checks';
import { podSecurityViolations } from '../render/pod-security';
import { K8sObject, RenderedEnvironment, objectsOf } from '../../scripts/render/render';
import { WORKFLOW_PERMISSIONS, WorkflowPlan, quantity } from '../../examples/ml-workflow/workflow';

/**
 * Rules the ML workflow's objects must meet on an environment's rendered
 * platform: every custom resource validates against the rendered CRDs, every
 * pod fits a node pool of the cluster stack (node selector, taints, CPU,
 * memory, GPUs), the run stays within the profile's rendered quota, the
 * profile's roles allow what the workflow creates, and its pods pass the
 * namespace's Pod Security level. Each returns one line per problem.
 */

type Json = Record<string, unknown>;
type Toleration = { key?: string; operator?: string; value?: string; effect?: string };
type Container = { name: string; resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> } };
export interface WorkloadPod {
  readonly owner: string;
  readonly spec: { nodeSelector?: Record<string, string>; tolerations?: Toleration[]; containers: Container[]; initContainers?: Container[] } & Json;
  readonly metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

const describeObj = (o: Json) => `${String(o.kind)} ${String((o.metadata as { name?: string } | undefined)?.name)}`;

/** Rendered ClusterTrainingRuntimes by name. */
function runtimes(rendered: RenderedEnvironment): Map<string, K8sObject> {
  return new Map(objectsOf(rendered).filter((l) => l.obj.kind === 'ClusterTrainingRuntime').map((l) => [l.obj.metadata.name, l.obj]));
}

/**
 * The pods each object makes, as the controllers build them: a Job's template,
 * an Experiment trial's Job template, a TrainJob's runtime pod with the job's
 * patches and resources, an InferenceService predictor. Problems when a
 * TrainJob names a runtime the platform does not install.
 */
export function workloadPods(rendered: RenderedEnvironment, objects: readonly Json[]): { pods: WorkloadPod[]; problems: string[] } {
  const pods: WorkloadPod[] = [];
  const problems: string[] = [];
  const known = runtimes(rendered);
  for (const o of objects) {
    const spec = (o.spec ?? {}) as Json;
    if (o.kind === 'Job') {
      const t = spec.template as { spec: WorkloadPod['spec']; metadata?: WorkloadPod['metadata'] };
      pods.push({ owner: describeObj(o), spec: t.spec, metadata: t.metadata ?? {} });
    } else if (o.kind === 'Experiment') {
      const trial = ((spec.trialTemplate as Json).trialSpec as Json).spec as { template: { spec: WorkloadPod['spec']; metadata?: WorkloadPod['metadata'] } };
      const parallel = Number(spec.parallelTrialCount ?? 1);
      for (let i = 0; i < parallel; i++) pods.push({ owner: `${describeObj(o)} trial ${i + 1}`, spec: trial.template.spec, metadata: trial.template.metadata ?? {} });
    } else if (o.kind === 'TrainJob') {
      const name = (spec.runtimeRef as { name: string }).name;
      const runtime = known.get(name);
      if (!runtime) {
        problems.push(`${describeObj(o)}: runtime ${name} is not installed (ClusterTrainingRuntimes: ${[...known.keys()].join(', ') || 'none'})`);
        continue;
      }
      const job = ((((runtime.spec as Json).template as Json).spec as Json).replicatedJobs as Json[]).find((j) => j.name === 'node') as Json;
      const base = ((job.template as Json).spec as Json).template as { spec: WorkloadPod['spec']; metadata?: WorkloadPod['metadata'] };
      const trainer = spec.trainer as { resourcesPerNode?: Container['resources'] };
      const patches = ((spec.runtimePatches as Json[] | undefined) ?? []).flatMap((p) => ((((p.trainingRuntimeSpec as Json | undefined)?.template as Json | undefined)?.spec as Json | undefined)?.replicatedJobs as Json[] | undefined) ?? [])
        .filter((j) => j.name === 'node').map((j) => (((j.template as Json).spec as Json).template as Json).spec as Partial<WorkloadPod['spec']>);
      let pod: WorkloadPod['spec'] = { ...base.spec, containers: base.spec.containers.map((c) => (c.name === 'node' && trainer.resourcesPerNode ? { ...c, resources: trainer.resourcesPerNode } : c)) };
      for (const patch of patches) {
        pod = {
          ...pod,
          nodeSelector: { ...(pod.nodeSelector ?? {}), ...(patch.nodeSelector ?? {}) },
          tolerations: [...(pod.tolerations ?? []), ...(patch.tolerations ?? [])],
          ...(patch.securityContext ? { securityContext: patch.securityContext } : {}),
          containers: pod.containers.map((c) => ({ ...c, ...((patch.containers ?? []).find((p) => p.name === c.name) ?? {}), resources: c.resources })),
        };
      }
      pods.push({ owner: describeObj(o), spec: pod, metadata: base.metadata ?? {} });
    } else if (o.kind === 'InferenceService') {
      const predictor = spec.predictor as WorkloadPod['spec'] & { minReplicas?: number };
      pods.push({ owner: describeObj(o), spec: predictor, metadata: {} });
    }
  }
  return { pods, problems };
}

interface NodePool { readonly name: string; readonly labels: Record<string, string>; readonly taints: string[]; readonly vcpus: number; readonly memoryGib: number; readonly gpus: number }

/** Node pools as the cluster stack defines them (default pool included, with its CriticalAddonsOnly taint). */
export function nodePools(rendered: RenderedEnvironment, devicesPerGpu: (pool: string) => number): NodePool[] {
  const fromPool = (r: { name: string; vm_size: string; node_labels?: Record<string, string>; node_taints?: string[] }, extraTaints: string[] = []): NodePool => {
    const facts = vmSizeFacts(r.vm_size);
    return { name: r.name, labels: r.node_labels ?? {}, taints: [...(r.node_taints ?? []), ...extraTaints], vcpus: facts?.vcpus ?? 0, memoryGib: facts?.memoryGib ?? 0, gpus: (facts?.gpu?.count ?? 0) * devicesPerGpu(r.name) };
  };
  const cluster = Object.values(rendered.cluster.resource.azurerm_kubernetes_cluster ?? {})[0] as { default_node_pool?: { name: string; vm_size: string; node_labels?: Record<string, string>; only_critical_addons_enabled?: boolean } } | undefined;
  const pools = Object.values(rendered.cluster.resource.azurerm_kubernetes_cluster_node_pool ?? {}).map((r) => fromPool(r as { name: string; vm_size: string }));
  const system = cluster?.default_node_pool;
  if (system) pools.push(fromPool(system, system.only_critical_addons_enabled ? ['CriticalAddonsOnly=true:NoSchedule'] : []));
  return pools;
}

function tolerates(tolerations: readonly Toleration[], taint: string): boolean {
  const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(taint);
  if (!m) return false;
  const [, key, value, effect] = m;
  return tolerations.some((t) => (t.effect === undefined || t.effect === effect)
    && ((t.operator === 'Exists' && (t.key === undefined || t.key === key)) || (t.key === key && (t.value ?? '') === (value ?? ''))));
}

function podRequests(pod: WorkloadPod['spec']): { cpu: number; memory: number; gpus: number } {
  const sum = { cpu: 0, memory: 0, gpus: 0 };
  for (const c of pod.containers) {
    const req = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    sum.cpu += req.cpu !== undefined ? quantity(String(req.cpu)) : 0;
    sum.memory += req.memory !== undefined ? quantity(String(req.memory)) : 0;
    sum.gpus += Number(c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'] ?? 0);
  }
  return sum;
}

/** Share of a node's CPU and memory a pod may take: the rest is AKS's reservation and the node's daemons. */
export const NODE_USABLE_FRACTION = 0.75;

/** Each pod fits at least one node pool: selected by its node selector, every taint tolerated, requests within a node. */
export function poolFitProblems(pods: readonly WorkloadPod[], pools: readonly NodePool[]): string[] {
  const problems: string[] = [];
  for (const pod of pods) {
    const want = podRequests(pod.spec);
    const reasons: string[] = [];
    const fits = pools.some((p) => {
      const why: string[] = [];
      const selector = pod.spec.nodeSelector ?? {};
      const unmatched = Object.entries(selector).filter(([k, v]) => p.labels[k] !== v);
      if (unmatched.length > 0) why.push(`node selector ${unmatched.map(([k, v]) => `${k}=${v}`).join(', ')} does not match`);
      const untolerated = p.taints.filter((t) => !tolerates(pod.spec.tolerations ?? [], t));
      if (untolerated.length > 0) why.push(`taints ${untolerated.join(', ')} not tolerated`);
      if (want.gpus > p.gpus) why.push(`${want.gpus} GPU(s) wanted, a node has ${p.gpus}`);
      if (want.cpu > p.vcpus * NODE_USABLE_FRACTION) why.push(`${want.cpu} CPUs wanted, a node has ${p.vcpus}`);
      if (want.memory > p.memoryGib * 1024 ** 3 * NODE_USABLE_FRACTION) why.push(`${(want.memory / 1024 ** 3).toFixed(1)} GiB wanted, a node has ${p.memoryGib}`);
      if (why.length > 0) reasons.push(`${p.name}: ${why.join('; ')}`);
      return why.length === 0;
    });
    if (!fits) problems.push(`${pod.owner}: fits no node pool (${reasons.join(' | ')})`);
  }
  return problems;
}

/** The hard quota of a profile, as the rendered Profile object sets it. */
export function renderedQuota(rendered: RenderedEnvironment, profile: string): Record<string, string> | undefined {
  const obj = objectsOf(rendered).find((l) => l.obj.kind === 'Profile' && l.obj.metadata.name === profile)?.obj;
  return ((obj?.spec as { resourceQuotaSpec?: { hard?: Record<string, string> } } | undefined)?.resourceQuotaSpec?.hard);
}

/** Requests of Istio's sidecar, from the injector's rendered values (Istio's chart default when absent). */
export function sidecarRequests(rendered: RenderedEnvironment): { cpu: number; memory: number } {
  const cm = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name.startsWith('istio-sidecar-injector'))?.obj;
  const values = JSON.parse(((cm?.data as Record<string, string> | undefined)?.values) ?? '{}') as { global?: { proxy?: { resources?: { requests?: { cpu?: string; memory?: string } } } } };
  const r = values.global?.proxy?.resources?.requests ?? { cpu: '100m', memory: '128Mi' };
  return { cpu: quantity(r.cpu ?? '100m'), memory: quantity(r.memory ?? '128Mi') };
}

/** Requests of Katib's metrics collector sidecar when katib-config sets none (Katib's built-in defaults, pkg/util/v1beta1/katibconfig). */
export const KATIB_COLLECTOR_REQUESTS = { cpu: quantity('50m'), memory: quantity('10Mi') };

/**
 * The run stays within the profile's quota at its busiest: the waiting pipeline
 * step plus the Katib trials (each with its metrics collector), or plus the
 * TrainJob, or plus the predictor; sidecars counted where Istio injects them.
 * Also: with a CPU or memory quota, every container the run creates must
 * request both (the API server refuses the pod otherwise).
 */
export function quotaProblems(rendered: RenderedEnvironment, plan: WorkflowPlan, pods: readonly WorkloadPod[], objects: readonly Json[]): string[] {
  if (!plan.profile) return [];
  const hard = renderedQuota(rendered, plan.profile.name);
  if (!hard) return [];
  const problems: string[] = [];
  const injected = namespaceLabels(rendered).get(plan.namespace)?.['istio-injection'] === 'enabled';
  const sidecar = sidecarRequests(rendered);
  const withSidecar = (pod: WorkloadPod) => injected && pod.metadata.labels?.['sidecar.istio.io/inject'] !== 'false';
  const usage = (pod: WorkloadPod, extra = { cpu: 0, memory: 0 }) => {
    const r = podRequests(pod.spec);
    const s = withSidecar(pod) ? sidecar : { cpu: 0, memory: 0 };
    return { cpu: r.cpu + s.cpu + extra.cpu, memory: r.memory + s.memory + extra.memory, gpus: r.gpus };
  };
  const step = plan.resources.step;
  const stepPod = { cpu: quantity(step.cpu) + (injected ? sidecar.cpu : 0), memory: quantity(step.memory) + (injected ? sidecar.memory : 0), gpus: 0 };
  const byOwner = (prefix: string) => pods.filter((p) => p.owner.startsWith(prefix));
  const stages: Record<string, { cpu: number; memory: number; gpus: number }[]> = {
    tune: byOwner('Experiment').map((p) => usage(p, KATIB_COLLECTOR_REQUESTS)),
    train: byOwner('TrainJob').map((p) => usage(p)),
    serve: byOwner('InferenceService').map((p) => usage(p)),
  };
  for (const [stage, list] of Object.entries(stages)) {
    const total = list.reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, gpus: a.gpus + b.gpus }), stepPod);
    const check = (key: string, used: number, show: (n: number) => string) => {
      if (hard[key] !== undefined && used > quantity(hard[key])) problems.push(`stage ${stage}: ${key} ${show(used)} exceeds the quota ${hard[key]} of profile ${plan.profile?.name}`);
    };
    check('requests.cpu', total.cpu, (n) => n.toFixed(2));
    check('requests.memory', total.memory, (n) => `${(n / 1024 ** 3).toFixed(2)}Gi`);
    check('requests.nvidia.com/gpu', total.gpus, String);
  }
  const storage = objects.filter((o) => o.kind === 'PersistentVolumeClaim').reduce((a, o) => a + quantity(String(((o.spec as Json).resources as { requests: { storage: string } }).requests.storage)), 0);
  if (hard['requests.storage'] !== undefined && storage > quantity(hard['requests.storage'])) problems.push(`volumes: ${storage} bytes exceed the storage quota ${hard['requests.storage']} of profile ${plan.profile.name}`);
  if (hard['requests.cpu'] !== undefined || hard['requests.memory'] !== undefined) {
    for (const pod of pods) {
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        const req = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
        if (req.cpu === undefined || req.memory === undefined) problems.push(`${pod.owner}: container ${c.name} requests no ${req.cpu === undefined ? 'cpu' : 'memory'}: the quota of profile ${plan.profile.name} makes the API server refuse the pod`);
      }
    }
    problems.push(...pipelineExecutorQuotaProblems(rendered, plan.profile.name));
  }
  return problems;
}

/**
 * Argo's executor containers (init, wait) of every pipeline step pod take
 * their resources from the workflow controller's `executor` configuration.
 * In a namespace with a CPU or memory quota they must request both.
 */
export function pipelineExecutorQuotaProblems(rendered: RenderedEnvironment, profile: string): string[] {
  const cm = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name === 'workflow-controller-configmap')?.obj;
  if (!cm) return [];
  const executor = (cm.data as Record<string, string> | undefined)?.executor ?? '';
  const parsed = (parse(executor) ?? {}) as { resources?: { requests?: Record<string, unknown> } };
  const requests = parsed.resources?.requests ?? {};
  const missing = ['cpu', 'memory'].filter((k) => requests[k] === undefined);
  return missing.length > 0 ? [`pipeline steps: Argo's executor containers request no ${missing.join(' or ')} (workflow-controller-configmap executor.resources): the quota of profile ${profile} makes the API server refuse every step pod`] : [];
}

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };

/** Rules of a ClusterRole with everything it aggregates, transitively, from the rendered objects. */
export function effectiveRules(rendered: RenderedEnvironment, role: string, seen = new Set<string>()): Rule[] {
  if (seen.has(role)) return [];
  seen.add(role);
  const roles = objectsOf(rendered).filter((l) => l.obj.kind === 'ClusterRole').map((l) => l.obj);
  const obj = roles.find((r) => r.metadata.name === role);
  if (!obj) return [];
  const selectors = ((obj.aggregationRule as { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] } | undefined)?.clusterRoleSelectors) ?? [];
  const sources = roles.filter((r) => r !== obj && selectors.some((s) => Object.keys(s.matchLabels ?? {}).length > 0 && Object.entries(s.matchLabels ?? {}).every(([k, v]) => r.metadata.labels?.[k] === v)));
  return [...((obj.rules as Rule[] | undefined) ?? []), ...sources.flatMap((s) => effectiveRules(rendered, s.metadata.name, seen))];
}

/** What the role does not allow of `needs`. */
export function rbacProblems(rendered: RenderedEnvironment, role: string, needs = WORKFLOW_PERMISSIONS): string[] {
  const rules = effectiveRules(rendered, role);
  const allows = (group: string, resource: string, verb: string) => rules.some((r) => (r.apiGroups ?? []).some((g) => g === group || g === '*')
    && (r.resources ?? []).some((x) => x === resource || x === '*') && (r.verbs ?? []).some((v) => v === verb || v === '*'));
  return needs.flatMap((n) => {
    const denied = n.verbs.filter((v) => !allows(n.group, n.resource, v));
    return denied.length > 0 ? [`ClusterRole ${role} does not allow ${denied.join(', ')} on ${n.resource}${n.group ? `.${n.group}` : ''}`] : [];
  });
}

/** Every custom resource of the workflow validates against the environment's rendered CRDs. */
export function crdProblems(rendered: RenderedEnvironment, objects: readonly Json[]): string[] {
  const index = indexCrds(objectsOf(rendered).filter((l) => l.obj.kind === 'CustomResourceDefinition').map((l) => l.obj as Json));
  // Custom resources: an API group with a dot (the workflow uses no built-in group that has one).
  return objects.filter((o) => String(o.apiVersion).split('/')[0].includes('.')).flatMap((o) => {
    try {
      return validateCustomResource(index, o).map((v) => `${describeObj(o)}: ${v.path}: ${v.message}`);
    } catch (error) {
      return [`${describeObj(o)}: ${(error as Error).message}`];
    }
  });
}

/**
 * Every pod passes Pod Security "restricted", the strictest level, and so
 * whatever level the namespace enforces (profile namespaces: "baseline").
 */
export function podSecurityProblems(pods: readonly WorkloadPod[]): string[] {
  return pods.flatMap((p) => podSecurityViolations(p.spec, 'restricted', p.metadata).map((v) => `${p.owner}: violates Pod Security "restricted": ${v.message}`));
}

/** A network flow the workflow needs inside the mesh. */
export interface WorkflowFlow {
  readonly from: { readonly namespace: string; readonly serviceAccount: string };
  readonly to: { readonly namespace: string; readonly service: string; readonly port: number; readonly path: string; readonly method: string };
  readonly why: string;
}

/** The flows the workflow's pods open (pipeline steps run as the profile's `default-editor`). */
export function workflowFlows(plan: WorkflowPlan, predictorService: string): WorkflowFlow[] {
  const from = { namespace: plan.namespace, serviceAccount: 'default-editor' };
  return [
    { from, to: { namespace: 'kubeflow', service: 'model-registry-service', port: 8080, path: '/api/model_registry/v1alpha3/registered_models', method: 'POST' }, why: 'register the model' },
    { from, to: { namespace: plan.namespace, service: predictorService, port: 80, path: '/v1/models/*', method: 'POST' }, why: 'call the served model' },
    { from, to: { namespace: 'kubeflow', service: 'ml-pipeline', port: 8887, path: '/', method: 'POST' }, why: 'KFP launcher reports the step to the API server' },
    { from, to: { namespace: 'kubeflow', service: 'metadata-grpc-service', port: 8080, path: '/', method: 'POST' }, why: 'KFP launcher records artifacts in ML Metadata' },
  ];
}

/**
 * Hook for the mesh and network policy evaluator of issue 20
 * (`test/render/isolation.ts`): given the rendered environment and a flow,
 * returns why it is refused (empty when allowed). Until it is wired in, no
 * evaluator is set and the mesh rule reports nothing (test/examples/mesh-flows.ts wires it).
 */
export type FlowEvaluator = (rendered: RenderedEnvironment, flow: WorkflowFlow) => string[];
export let meshEvaluator: FlowEvaluator | undefined;
export function setMeshEvaluator(evaluator: FlowEvaluator | undefined): void {
  meshEvaluator = evaluator;
}

export function meshProblems(rendered: RenderedEnvironment, flows: readonly WorkflowFlow[], evaluator: FlowEvaluator | undefined = meshEvaluator): string[] {
  if (!evaluator) return [];
  return flows.flatMap((f) => evaluator(rendered, f).map((why) => `${f.from.namespace}/${f.from.serviceAccount} → ${f.to.service}.${f.to.namespace}:${f.to.port} (${f.why}): ${why}`));
}
