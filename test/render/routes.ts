import { K8sObject, RenderedEnvironment, objectsOf } from '../../scripts/render/render';

/**
 * Routes on the Kubeflow gateway, checked for the applications whose UIs must
 * sit behind its sign-in (Model Registry, the models web app). Not a rule over
 * every release yet: on the render fixture it also reports the routes of
 * oauth2-proxy (the sign-in itself, no policy needed), KFAM (its policy admits
 * only the dashboard) and the Pipelines metadata gRPC route (no policy), which
 * predate it and need their own decisions.
 */

/** The principal of the Kubeflow gateway's pods (the distribution's ServiceAccount name, which Istio keeps for us). */
const GATEWAY_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

/** The gateways a VirtualService binds to, namespace-qualified. */
function gatewaysOf(vs: K8sObject, namespace: string): string[] {
  return ((vs.spec as { gateways?: string[] }).gateways ?? []).map((g) => (g.includes('/') ? g : `${namespace}/${g}`));
}

/** The labels of the pods behind a `<service>.<ns>.svc.cluster.local` host. */
function podLabelsBehind(rendered: RenderedEnvironment, host: string): Record<string, string>[] {
  const [service, ns] = host.split('.');
  const svc = objectsOf(rendered).find((l) => l.obj.kind === 'Service' && l.obj.metadata.name === service && (l.obj.metadata.namespace ?? l.release.namespace) === ns);
  const selector = (svc?.obj.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
  return objectsOf(rendered)
    .filter((l) => l.obj.kind === 'Deployment' && (l.obj.metadata.namespace ?? l.release.namespace) === ns)
    .map((l) => (l.obj.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels)
    .filter((labels) => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v));
}

/** Problems of the routes a release publishes: each must use the Kubeflow gateway and reach pods that admit only the gateway (or in-cluster tokens). */
export function gatewayRouteProblems(rendered: RenderedEnvironment, releaseName?: string): string[] {
  const problems: string[] = [];
  const policies = objectsOf(rendered).filter((l) => l.obj.kind === 'AuthorizationPolicy');
  for (const l of objectsOf(rendered).filter((x) => (releaseName === undefined || x.release.name === releaseName) && x.obj.kind === 'VirtualService')) {
    const ns = l.obj.metadata.namespace ?? l.release.namespace;
    const gateways = gatewaysOf(l.obj, ns);
    if (gateways.length === 0 || gateways.some((g) => g !== 'kubeflow/kubeflow-gateway')) problems.push(`VirtualService ${l.obj.metadata.name}: gateways ${JSON.stringify(gateways)}, not only kubeflow/kubeflow-gateway (no sign-in elsewhere)`);
    const hosts = ((l.obj.spec as { http?: { route?: { destination: { host: string } }[] }[] }).http ?? []).flatMap((h) => (h.route ?? []).map((r) => r.destination.host));
    for (const host of hosts) {
      const pods = podLabelsBehind(rendered, host);
      if (pods.length === 0) problems.push(`VirtualService ${l.obj.metadata.name}: routes to ${host}, which selects no pod of any release`);
      for (const labels of pods) {
        const admitting = policies.filter((p) => {
          const sel = (p.obj.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {};
          return (p.obj.metadata.namespace ?? p.release.namespace) === host.split('.')[1] && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
        });
        const principals = admitting.flatMap((p) => ((p.obj.spec as { rules?: { from?: { source?: { principals?: string[] } }[] }[] }).rules ?? []).flatMap((r) => (r.from ?? []).flatMap((f) => f.source?.principals ?? [])));
        if (!principals.includes(GATEWAY_PRINCIPAL)) problems.push(`VirtualService ${l.obj.metadata.name}: the pods behind ${host} have no AuthorizationPolicy admitting the gateway (${GATEWAY_PRINCIPAL})`);
      }
    }
  }
  return problems;
}
