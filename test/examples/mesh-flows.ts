/**
 * The ML workflow's flows through issue 20's isolation evaluator
 * (`test/render/isolation.ts`): each flow starts at the profile's pipeline
 * step pod (as `default-editor`) and reaches the workload behind the named
 * Service (the KServe predictor, which is not rendered, is the profile's
 * predictor workload of the isolation model). Both walls must admit it.
 */
import { IsolationModel, Workload, evaluate, isolationModel, selectorMatches } from '../render/isolation';
import { RenderedEnvironment, objectsOf } from '../../scripts/render/render';
import type { FlowEvaluator, WorkflowFlow } from './workflow-checks';

type ServiceSpec = { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] };

/** The workload and container port behind `service.namespace:port`, as rendered. */
function backend(rendered: RenderedEnvironment, model: IsolationModel, to: WorkflowFlow['to']): { workload: Workload; port: number } | string {
  if (to.service.endsWith('-predictor')) {
    const predictor = model.workloads.find((w) => w.namespace === to.namespace && w.name === 'predictor');
    return predictor ? { workload: predictor, port: predictor.ports[0].port } : `no KServe predictor runs in ${to.namespace} (is KServe installed?)`;
  }
  const svc = objectsOf(rendered).find((s) => s.obj.kind === 'Service' && s.obj.metadata.name === to.service && (s.obj.metadata.namespace ?? s.release.namespace) === to.namespace);
  if (!svc) return `no Service ${to.service} in ${to.namespace} is rendered`;
  const spec = svc.obj.spec as ServiceSpec;
  const workload = spec.selector ? model.workloads.find((w) => w.namespace === to.namespace && selectorMatches({ matchLabels: spec.selector }, w.labels)) : undefined;
  if (!workload) return `no workload matches Service ${to.service}'s selector`;
  const servicePort = spec.ports?.find((p) => p.port === to.port);
  if (!servicePort) return `Service ${to.service} has no port ${to.port}`;
  const target = servicePort.targetPort;
  const port = typeof target === 'number' ? target : typeof target === 'string' ? workload.ports.find((p) => p.name === target)?.port : servicePort.port;
  return port === undefined ? `Service ${to.service}'s target port ${String(target)} names no container port` : { workload, port };
}

/** A `FlowEvaluator` answering with the isolation model of the rendered environment. */
export function isolationFlowEvaluator(): FlowEvaluator {
  const models = new WeakMap<RenderedEnvironment, IsolationModel>();
  return (rendered, flow) => {
    const model = models.get(rendered) ?? isolationModel(rendered);
    models.set(rendered, model);
    const step = model.workloads.find((w) => w.namespace === flow.from.namespace && w.name === 'pipeline-run' && w.serviceAccount === flow.from.serviceAccount);
    if (!step) return [`no pipeline step workload of ${flow.from.namespace} runs as ${flow.from.serviceAccount}`];
    const to = backend(rendered, model, flow.to);
    if (typeof to === 'string') return [to];
    const verdict = evaluate(model, { from: { pod: step }, to: to.workload, port: to.port, http: { method: flow.to.method, path: flow.to.path, headers: { authorization: 'Bearer token' } } });
    if (verdict.mesh && verdict.network) return [];
    // Only the reasons of the wall that refuses (the other's reasons say what admitted it).
    const why = verdict.why.filter((w) => (!verdict.mesh && w.startsWith('mesh:')) || (!verdict.network && w.startsWith('network:')));
    return why.length > 0 ? why : [`refused by ${!verdict.mesh ? 'the mesh' : 'the NetworkPolicies'}`];
  };
}
