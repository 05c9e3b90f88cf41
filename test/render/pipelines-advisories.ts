import { PIPELINES_API_APP, PIPELINES_UI_APP } from '../../constructs/pipelines/pipelines-advisories';
import { INGRESS_GATEWAY_SERVICE_ACCOUNT } from '../../constructs/istio/istio';
import { K8sObject, RenderedEnvironment, RenderedRelease, objectsOf } from '../../scripts/render/render';

/**
 * The render rules behind the exceptions of catalog/advisories.json:
 * each mitigation an exception claims is checked on the rendered objects by
 * evaluating requests an attacker would send, as Istio would decide them
 * (VirtualService routes at the gateway, AuthorizationPolicies at the
 * workload's sidecar). Paths are as Envoy sees them after Istio's default
 * path normalization (dot segments resolved, unreserved characters decoded);
 * what normalization leaves alone (letter case, repeated slashes) is tried.
 */

type Located = { release: RenderedRelease; obj: K8sObject };

/** A request as a sidecar sees it: the caller's mesh identity (empty: plain text), method, path, headers. */
export interface MeshRequest {
  readonly principal: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

const GATEWAY_PRINCIPAL = `cluster.local/ns/istio-system/sa/${INGRESS_GATEWAY_SERVICE_ACCOUNT}`;
const KUBEFLOW_GATEWAY = 'kubeflow/kubeflow-gateway';

function describe({ release, obj }: Located): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name} (release ${release.name})`;
}

function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/**
 * Whether one AuthorizationPolicy rule matches the request. A field this
 * evaluator does not know never matches: a DENY it cannot read proves nothing,
 * an ALLOW it cannot read admits nothing (both conservative).
 */
function ruleMatches(rule: { from?: { source?: Record<string, string[]> }[]; to?: { operation?: Record<string, string[]> }[]; when?: { key: string; values?: string[]; notValues?: string[] }[] }, req: MeshRequest): boolean {
  const field = (name: string, values: string[]): boolean => {
    const negative = /^not[A-Z]/.test(name);
    const base = negative ? name[3].toLowerCase() + name.slice(4) : name;
    const actual: Record<string, string | undefined> = { principals: req.principal, methods: req.method, paths: req.path };
    if (!(base in actual)) return false;
    const hit = values.some((v) => valueMatches(v, actual[base]));
    return negative ? !hit : hit;
  };
  const all = (o: Record<string, string[]> | undefined) => Object.entries(o ?? {}).every(([name, values]) => field(name, values));
  const from = rule.from === undefined || rule.from.some((f) => all(f.source));
  const to = rule.to === undefined || rule.to.some((t) => all(t.operation));
  const when = (rule.when ?? []).every((c) => {
    const header = /^request\.headers\[(.+)\]$/.exec(c.key)?.[1];
    if (header === undefined) return false;
    const value = req.headers[header.toLowerCase()];
    if (c.values && !c.values.some((p) => valueMatches(p, value))) return false;
    if (c.notValues && c.notValues.some((p) => valueMatches(p, value))) return false;
    return true;
  });
  return from && to && when;
}

function selects(l: Located, namespace: string, labels: Record<string, string>): boolean {
  if ((l.obj.metadata.namespace ?? l.release.namespace) !== namespace) return false;
  const selector = (l.obj.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector;
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** How the sidecar of pods with these labels decides the request: the DENY policies that refuse it, and whether an ALLOW admits it. */
export function decide(rendered: RenderedEnvironment, namespace: string, labels: Record<string, string>, req: MeshRequest): { deniedBy: string[]; allowed: boolean } {
  const policies = objectsOf(rendered).filter((l) => l.obj.kind === 'AuthorizationPolicy' && selects(l, namespace, labels));
  const spec = (l: Located) => l.obj.spec as { action?: string; rules?: Parameters<typeof ruleMatches>[0][] };
  const deniedBy = policies.filter((l) => spec(l).action === 'DENY' && (spec(l).rules ?? []).some((r) => ruleMatches(r, req))).map(describe);
  const allows = policies.filter((l) => (spec(l).action ?? 'ALLOW') === 'ALLOW');
  const allowed = deniedBy.length === 0 && (allows.length === 0 || allows.some((l) => (spec(l).rules ?? []).some((r) => ruleMatches(r, req))));
  return { deniedBy, allowed };
}

type HttpRoute = { name?: string; match?: { uri?: { prefix?: string; exact?: string; regex?: string }; ignoreUriCase?: boolean }[]; directResponse?: { status: number }; route?: { destination: { host: string } }[] };

function uriMatches(m: NonNullable<HttpRoute['match']>[number], path: string): boolean {
  const uri = m.uri;
  if (!uri) return true;
  const fold = (s: string) => (m.ignoreUriCase ? s.toLowerCase() : s);
  if (uri.prefix !== undefined) return fold(path).startsWith(fold(uri.prefix));
  if (uri.exact !== undefined) return fold(path) === fold(uri.exact);
  if (uri.regex !== undefined) {
    // Envoy matches RE2 against the whole path; `(?i)` is RE2's case-insensitive flag.
    const insensitive = uri.regex.startsWith('(?i)');
    return new RegExp(`^(?:${insensitive ? uri.regex.slice(4) : uri.regex})$`, insensitive ? 'i' : '').test(path);
  }
  return false;
}

/** Istio moves catch-all routes (a bare `/` prefix) after every other route of the gateway's merged virtual services. */
function catchAll(route: HttpRoute): boolean {
  return (route.match ?? [{}]).some((m) => m.uri === undefined || m.uri.prefix === '/');
}

/**
 * What each VirtualService on the Kubeflow gateway does with a path: the first
 * of its non-catch-all routes that matches. Istio merges the services of one
 * gateway in creation order, so every one of them must agree.
 */
export function gatewayRoutes(rendered: RenderedEnvironment, path: string): { service: string; route: HttpRoute }[] {
  const services = objectsOf(rendered).filter((l) => l.obj.kind === 'VirtualService' && ((l.obj.spec as { gateways?: string[] }).gateways ?? []).some((g) => g === KUBEFLOW_GATEWAY || (g === 'kubeflow-gateway' && (l.obj.metadata.namespace ?? l.release.namespace) === 'kubeflow')));
  return services.flatMap((l) => {
    const route = ((l.obj.spec as { http?: HttpRoute[] }).http ?? []).filter((r) => !catchAll(r)).find((r) => (r.match ?? [{}]).some((m) => uriMatches(m, path)));
    return route ? [{ service: describe(l), route }] : [];
  });
}

/** Requests through the gateway that reach the UI's artifact and pod-log handlers (as its case-insensitive router matches them). */
export const UI_ATTACK_PATHS = ['/pipeline/artifacts/get', '/pipeline/Artifacts/get', '/pipeline//artifacts/minio/mlpipeline/key', '/PIPELINE/ARTIFACTS/get', '/pipeline/k8s/pod/logs', '/pipeline/K8s/Pod/Logs', '/pipeline/k8s//pod/logs'];
/** Requests through the gateway the UI needs. */
const UI_GATEWAY_PATHS = ['/pipeline/', '/pipeline/apis/v2beta1/runs', '/pipeline/k8s/pod', '/pipeline/static/js/main.js'];
/** Requests other callers could send to the UI server directly (no gateway, any case). */
const UI_IN_MESH_ATTACK_PATHS = ['/artifacts/get', '/ARTIFACTS/get', '/artifacts/minio/mlpipeline/key', '/pipeline/artifacts/get', '/k8s/pod/logs', '/K8S/pod/logs', '/pipeline/k8s/pod/logs'];
/** In-cluster callers: a notebook's ServiceAccount with a token, and a pod without a sidecar. */
const IN_MESH_CALLERS: readonly MeshRequest[] = [
  { principal: 'cluster.local/ns/team-a/sa/default-editor', method: 'GET', path: '', headers: { authorization: 'Bearer token' } },
  { principal: '', method: 'GET', path: '', headers: { authorization: 'Bearer token' } },
];

/**
 * CVE-2026-88980 and CVE-2026-88981 (server-side request forgery through the
 * Pipelines UI server's artifact and pod-log handlers): refused at the gateway
 * and for every in-cluster caller, while the UI and the SDK's API paths still work.
 */
export function pipelinesUiAdvisoryProblems(rendered: RenderedEnvironment): string[] {
  const ui = objectsOf(rendered).find((l) => l.obj.kind === 'Deployment' && l.obj.metadata.name === PIPELINES_UI_APP);
  if (!ui) return [];
  const namespace = ui.obj.metadata.namespace ?? ui.release.namespace;
  const labels = ((ui.obj.spec as { template: { metadata: { labels?: Record<string, string> } } }).template.metadata.labels) ?? {};
  const problems: string[] = [];
  for (const path of UI_ATTACK_PATHS) {
    const routes = gatewayRoutes(rendered, path);
    if (routes.length === 0) problems.push(`GET ${path} through the Kubeflow gateway matches no route: expected a 403 route on the UI's VirtualService`);
    for (const { service, route } of routes) {
      if (route.directResponse?.status !== 403) problems.push(`GET ${path} through the Kubeflow gateway: ${service} sends it to ${route.route?.map((d) => d.destination.host).join(', ') ?? 'no destination'} (route ${route.name ?? 'unnamed'}), not a 403`);
    }
  }
  for (const path of UI_GATEWAY_PATHS) {
    const routes = gatewayRoutes(rendered, path);
    if (!routes.some(({ route }) => route.route?.some((d) => d.destination.host.startsWith(`${PIPELINES_UI_APP}.`)))) problems.push(`GET ${path} through the Kubeflow gateway no longer reaches the UI server`);
    const decision = decide(rendered, namespace, labels, { principal: GATEWAY_PRINCIPAL, method: 'GET', path, headers: {} });
    if (!decision.allowed) problems.push(`GET ${path} from the gateway is refused by the UI's sidecar (${decision.deniedBy.join(', ') || 'no ALLOW rule'})`);
  }
  for (const caller of IN_MESH_CALLERS) {
    for (const path of UI_IN_MESH_ATTACK_PATHS) {
      const decision = decide(rendered, namespace, labels, { ...caller, path });
      if (decision.allowed) problems.push(`GET ${path} from ${caller.principal || 'a pod without a sidecar'} reaches the UI server directly`);
    }
    const sdk = decide(rendered, namespace, labels, { ...caller, path: '/apis/v2beta1/runs' });
    if (!sdk.allowed) problems.push(`the Pipelines SDK's GET /apis/v2beta1/runs from ${caller.principal || 'a pod without a sidecar'} is refused (${sdk.deniedBy.join(', ') || 'no ALLOW rule'})`);
  }
  return problems;
}

/** The API server's HTTP upload endpoints, as every client spells them. */
const UPLOAD_PATHS = ['/apis/v1beta1/pipelines/upload', '/apis/v1beta1/pipelines/upload_version', '/apis/v2beta1/pipelines/upload', '/apis/v2beta1/pipelines/upload_version'];

/**
 * CVE-2026-77596 (shared pipeline uploads without authorization): every HTTP
 * upload is refused at the API server, from the UI (a signed-in user), from an
 * in-cluster SDK client and from a pod without a sidecar; other API calls pass.
 */
export function pipelinesUploadAdvisoryProblems(rendered: RenderedEnvironment): string[] {
  const api = objectsOf(rendered).find((l) => l.obj.kind === 'Deployment' && l.obj.metadata.name === PIPELINES_API_APP);
  if (!api) return [];
  const namespace = api.obj.metadata.namespace ?? api.release.namespace;
  const labels = ((api.obj.spec as { template: { metadata: { labels?: Record<string, string> } } }).template.metadata.labels) ?? {};
  const callers: MeshRequest[] = [
    { principal: `cluster.local/ns/${namespace}/sa/${PIPELINES_UI_APP}`, method: 'POST', path: '', headers: { 'kubeflow-userid': 'user@example.com' } },
    ...IN_MESH_CALLERS.map((c) => ({ ...c, method: 'POST' })),
  ];
  const problems: string[] = [];
  for (const caller of callers) {
    for (const path of UPLOAD_PATHS) {
      if (decide(rendered, namespace, labels, { ...caller, path }).allowed) problems.push(`POST ${path} from ${caller.principal || 'a pod without a sidecar'} reaches the API server`);
    }
  }
  const list = decide(rendered, namespace, labels, { ...callers[0], method: 'GET', path: '/apis/v2beta1/pipelines' });
  if (!list.allowed) problems.push(`GET /apis/v2beta1/pipelines from the UI server is refused (${list.deniedBy.join(', ') || 'no ALLOW rule'})`);
  return problems;
}
