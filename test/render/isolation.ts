import { GATEWAY_PRINCIPAL, MESH_ROOT_NAMESPACE, PIPELINES_UI_PRINCIPAL } from '../../constructs/istio/tenant-isolation';
import { USERID_HEADER } from '../../constructs/access/entra-authentication';
import { namespaceLabels, podTemplates } from './checks';
import { K8sObject, RenderedEnvironment, objectsOf } from '../../scripts/render/render';

/**
 * Tenant isolation, evaluated on the rendered objects of an environment: an
 * evaluator of Istio AuthorizationPolicies and PeerAuthentications and of
 * Kubernetes NetworkPolicies, a request matrix (cross-profile calls refused by
 * each wall on its own; every flow the platform needs allowed by both), and
 * the rules of issue 20. Objects that exist only at runtime (the profile
 * controller's `ns-owner-access-istio`, notebooks, run pods, predictors) are
 * typed here from their upstream source, independently of the constructs.
 */

// ---------------------------------------------------------------- model

/** A pod as the cluster will run it. */
export interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Runs with an Istio sidecar. */
  readonly injected: boolean;
  readonly ports: readonly { readonly name?: string; readonly port: number }[];
}

/** Who sends a request: a pod, or a caller with no pod identity (the API server, the managed Prometheus scraper). */
export type Caller = { readonly pod: Workload } | { readonly external: string };

export interface Request {
  readonly from: Caller;
  readonly to: Workload;
  /** Container port. */
  readonly port: number;
  /** HTTP attributes; unset for TLS the sidecar cannot read (a webhook call). */
  readonly http?: { readonly method: string; readonly path: string; readonly headers?: Readonly<Record<string, string>> };
}

export interface Verdict {
  /** Istio's answer (true when the target has no sidecar). */
  readonly mesh: boolean;
  /** The NetworkPolicies' answer. */
  readonly network: boolean;
  readonly why: readonly string[];
}

type Located = { namespace: string; obj: K8sObject; release: string };
type Condition = { key: string; values?: string[]; notValues?: string[] };
type Rule = { from?: { source?: Record<string, string[] | undefined> }[]; to?: { operation?: Record<string, string[] | undefined> }[]; when?: Condition[] };
type AuthzSpec = { action?: string; selector?: { matchLabels?: Record<string, string> }; rules?: Rule[] };
type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type NetworkPeer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown };
type NetworkRule = { from?: NetworkPeer[]; ports?: { port?: number | string; endPort?: number; protocol?: string }[] };

/** What the evaluator reads: rendered objects plus the runtime ones. */
export interface IsolationModel {
  readonly policies: readonly Located[];
  readonly peers: readonly Located[];
  readonly networkPolicies: readonly Located[];
  readonly namespaceLabels: ReadonlyMap<string, Record<string, string>>;
  readonly workloads: readonly Workload[];
  readonly profiles: readonly { readonly name: string; readonly owner: string; readonly contributors: readonly string[] }[];
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  const okLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const okExpr = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    return false;
  });
  return okLabels && okExpr;
}

const principalOf = (w: Workload) => `cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}`;

/** The profile controller's policy in a profile namespace (kubeflow/dashboard `profile_controller.go`, getAuthorizationPolicy), from its rendered configuration. */
export function profileControllerPolicies(rendered: RenderedEnvironment): Located[] {
  const config = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && /^profiles-config/.test(l.obj.metadata.name));
  if (!config) return [];
  const env = (config.obj.data ?? {}) as Record<string, string>;
  const or = (key: string, fallback: string) => (env[key] ? env[key] : fallback);
  const header = or('USERID_HEADER', USERID_HEADER);
  return objectsOf(rendered).filter((l) => l.obj.kind === 'Profile').map((l) => {
    const owner = (l.obj.spec as { owner: { name: string } }).owner.name;
    const spec: AuthzSpec = {
      action: 'ALLOW',
      rules: [
        {
          when: [{ key: `request.headers[${header}]`, values: [`${env.USERID_PREFIX ?? ''}${owner}`] }],
          from: [{ source: { principals: [or('ISTIO_INGRESS_GATEWAY_PRINCIPAL', GATEWAY_PRINCIPAL), or('KFP_UI_PRINCIPAL', PIPELINES_UI_PRINCIPAL)] } }],
        },
        { when: [{ key: 'source.namespace', values: [l.obj.metadata.name] }] },
        { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] },
        {
          from: [{ source: { principals: [or('NOTEBOOK_CONTROLLER_PRINCIPAL', 'cluster.local/ns/kubeflow/sa/notebook-controller-service-account')] } }],
          to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }],
        },
      ],
    };
    return { namespace: l.obj.metadata.name, release: 'runtime: profile controller', obj: { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'ns-owner-access-istio', namespace: l.obj.metadata.name }, spec } as K8sObject };
  });
}

function injectedPod(nsLabels: Record<string, string> | undefined, metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }): boolean {
  const optOut = metadata.labels?.['sidecar.istio.io/inject'] ?? metadata.annotations?.['sidecar.istio.io/inject'];
  if (optOut === 'false') return false;
  return nsLabels?.['istio-injection'] === 'enabled' || metadata.labels?.['sidecar.istio.io/inject'] === 'true';
}

/** Workloads the profile namespaces get at runtime, as their controllers make them. */
export function profileWorkloads(rendered: RenderedEnvironment, profile: string): Workload[] {
  const c = rendered.env.platform.components;
  const w = (name: string, labels: Record<string, string>, ports: { name?: string; port: number }[], serviceAccount = 'default-editor', injected = true): Workload => ({ namespace: profile, name, serviceAccount, labels, injected, ports });
  return [
    // Notebooks v1 notebook-controller: a StatefulSet per Notebook, port 8888 (`notebook-port`), the profile's default-editor.
    ...(rendered.env.notebooks.enabled ? [w('notebook', { 'notebook-name': 'notebook', statefulset: 'notebook' }, [{ name: 'notebook-port', port: 8888 }])] : []),
    // A Pipelines run step (Argo), as the pipeline runner of the profile.
    ...(c.pipelines ? [
      w('pipeline-run', { 'workflows.argoproj.io/workflow': 'run', 'pipelines.kubeflow.org/v2_component': 'true' }, []),
      // kubeflow/pipelines multi-user pipelines-profile-controller sync.py: ml-pipeline-ui-artifact on 3000.
      w('ml-pipeline-ui-artifact', { app: 'ml-pipeline-ui-artifact' }, [{ name: 'http', port: 3000 }], 'default-editor'),
    ] : []),
    // A KServe predictor in Standard mode: container port 8080.
    ...(c.kserve ? [w('predictor', { 'serving.kserve.io/inferenceservice': 'model', component: 'predictor' }, [{ name: 'http', port: 8080 }], 'default')] : []),
    // Katib suggestions: started by katib-controller without a sidecar (kubeflow/katib composer: sidecar.istio.io/inject "false"), gRPC 6789.
    ...(c.katib ? [w('suggestion', { 'katib.kubeflow.org/suggestion': 'experiment' }, [{ name: 'katib-api', port: 6789 }], 'default', false)] : []),
  ];
}

/** Profile namespaces carry the controller's labels and, in sidecar mode, `istio-injection: enabled` (setNamespaceLabelsAndServiceMesh). */
function labelsWithProfiles(rendered: RenderedEnvironment, extra: readonly string[]): Map<string, Record<string, string>> {
  const labels = namespaceLabels(rendered);
  for (const ns of [...rendered.env.profiles.map((p) => p.name), ...extra]) labels.set(ns, { ...(labels.get(ns) ?? {}), 'app.kubernetes.io/part-of': 'kubeflow-profile', 'istio-injection': 'enabled' });
  for (const [ns, l] of labels) labels.set(ns, { ...l, 'kubernetes.io/metadata.name': ns });
  return labels;
}

/**
 * A profile namespace this environment does not declare (made from the
 * dashboard, or a tenant added later): a workload there stands for any other
 * tenant. It has the profile labels and sidecars, but none of our objects.
 */
export const OUTSIDER_NAMESPACE = 'undeclared-tenant';

export function isolationModel(rendered: RenderedEnvironment): IsolationModel {
  const all = objectsOf(rendered).map((l) => ({ namespace: l.obj.metadata.namespace ?? l.release.namespace, obj: l.obj, release: l.release.name }));
  const labels = labelsWithProfiles(rendered, [OUTSIDER_NAMESPACE]);
  const rendered_ = podTemplates(rendered).map((p) => ({
    namespace: p.ns,
    name: p.where.obj.metadata.name,
    serviceAccount: p.serviceAccount,
    labels: p.metadata.labels ?? {},
    injected: injectedPod(labels.get(p.ns), p.metadata),
    ports: ((p.spec.containers as { ports?: { name?: string; containerPort: number }[] }[] | undefined) ?? []).flatMap((c) => (c.ports ?? []).map((x) => ({ name: x.name, port: x.containerPort }))),
  }));
  const profileObjects = objectsOf(rendered).filter((l) => l.obj.kind === 'Profile');
  const contributorsOf = (ns: string) => objectsOf(rendered)
    .filter((l) => l.obj.kind === 'RoleBinding' && l.obj.metadata.namespace === ns && l.obj.metadata.annotations?.user)
    .map((l) => l.obj.metadata.annotations?.user as string);
  return {
    policies: [...all.filter((l) => l.obj.kind === 'AuthorizationPolicy'), ...profileControllerPolicies(rendered)],
    peers: all.filter((l) => l.obj.kind === 'PeerAuthentication'),
    networkPolicies: all.filter((l) => l.obj.kind === 'NetworkPolicy'),
    namespaceLabels: labels,
    workloads: [...rendered_, ...rendered.env.profiles.flatMap((p) => profileWorkloads(rendered, p.name)), ...profileWorkloads(rendered, OUTSIDER_NAMESPACE)],
    profiles: profileObjects.map((l) => ({ name: l.obj.metadata.name, owner: (l.obj.spec as { owner: { name: string } }).owner.name, contributors: contributorsOf(l.obj.metadata.name) })),
  };
}

// ---------------------------------------------------------------- Istio

function istioMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

interface Facts {
  readonly principal?: string;
  readonly namespace?: string;
  readonly port: number;
  readonly http?: Request['http'];
}

/** One attribute list of a rule: `undefined` when it cannot be known (then ALLOW does not match, DENY does). */
function attribute(name: string, f: Facts): string | null | undefined {
  switch (name) {
    case 'principals': return f.principal ?? null;
    case 'namespaces': return f.namespace ?? null;
    case 'requestPrincipals': return null;
    case 'ports': return String(f.port);
    case 'paths': return f.http ? f.http.path.split('?')[0] : undefined;
    case 'methods': return f.http ? f.http.method : undefined;
    default: return undefined; // hosts, ipBlocks, remoteIpBlocks
  }
}

function fieldMatches(field: string, values: string[], f: Facts, deny: boolean): boolean {
  const negative = /^not[A-Z]/.test(field);
  const name = negative ? field[3].toLowerCase() + field.slice(4) : field;
  const value = attribute(name, f);
  if (value === undefined) return deny;
  // null: the attribute is absent (no identity): a positive list never matches it, a negative one always does.
  const hit = value !== null && values.some((v) => istioMatch(v, value));
  return negative ? !hit : hit;
}

function conditionMatches(c: Condition, f: Facts, deny: boolean): boolean {
  let value: string | null | undefined;
  const header = /^request\.headers\[(.+)\]$/.exec(c.key);
  if (header) value = f.http ? (f.http.headers?.[header[1].toLowerCase()] ?? null) : undefined;
  else if (c.key === 'source.namespace') value = f.namespace ?? null;
  else if (c.key === 'source.principal') value = f.principal ?? null;
  else if (c.key === 'destination.port') value = String(f.port);
  else if (/^request\.auth\./.test(c.key)) value = null;
  else value = undefined;
  if (value === undefined) return deny;
  if (c.values && !(value !== null && c.values.some((p) => istioMatch(p, value as string)))) return false;
  if (c.notValues && value !== null && c.notValues.some((p) => istioMatch(p, value as string))) return false;
  return true;
}

function ruleMatches(rule: Rule, f: Facts, deny: boolean): boolean {
  const all = (o: Record<string, string[] | undefined> | undefined) => Object.entries(o ?? {}).every(([k, v]) => v === undefined || fieldMatches(k, v, f, deny));
  const from = rule.from === undefined || rule.from.some((x) => all(x.source));
  const to = rule.to === undefined || rule.to.some((x) => all(x.operation));
  return from && to && (rule.when ?? []).every((c) => conditionMatches(c, f, deny));
}

const describe = (l: Located) => `${l.obj.kind} ${l.namespace}/${l.obj.metadata.name}`;

/** Mutual TLS mode on a port of a workload: its selecting PeerAuthentication, its namespace's, the root's; UNSET defers. */
export function mtlsMode(model: IsolationModel, w: Workload, port: number): { mode: string; by?: Located } {
  const applies = (l: Located) => {
    const selector = (l.obj.spec as { selector?: LabelSelector } | undefined)?.selector;
    if (l.namespace === w.namespace) return selectorMatches(selector, w.labels);
    return l.namespace === MESH_ROOT_NAMESPACE && selector === undefined;
  };
  const rank = (l: Located) => (l.namespace !== w.namespace ? 2 : (l.obj.spec as { selector?: object }).selector ? 0 : 1);
  for (const peer of model.peers.filter(applies).sort((a, b) => rank(a) - rank(b))) {
    const spec = peer.obj.spec as { mtls?: { mode?: string }; portLevelMtls?: Record<string, { mode?: string }> };
    const mode = [spec.portLevelMtls?.[String(port)]?.mode, spec.mtls?.mode].find((m) => m !== undefined && m !== 'UNSET');
    if (mode !== undefined) return { mode, by: peer };
  }
  return { mode: 'PERMISSIVE' };
}

function meshVerdict(model: IsolationModel, req: Request): { allowed: boolean; why: string[] } {
  if (!req.to.injected) return { allowed: true, why: [] };
  const source = 'pod' in req.from && req.from.pod.injected ? req.from.pod : undefined;
  const { mode, by } = mtlsMode(model, req.to, req.port);
  if (mode === 'STRICT' && !source) return { allowed: false, why: [`${by ? describe(by) : 'mesh'} requires mutual TLS on port ${req.port}; the caller has no mesh identity`] };
  const facts: Facts = { principal: source ? principalOf(source) : undefined, namespace: source?.namespace, port: req.port, http: req.http };
  const applies = (l: Located) => {
    const selector = (l.obj.spec as AuthzSpec | undefined)?.selector;
    if (l.namespace === req.to.namespace) return selectorMatches(selector, req.to.labels);
    return l.namespace === MESH_ROOT_NAMESPACE && selectorMatches(selector, req.to.labels);
  };
  const policies = model.policies.filter(applies);
  const why: string[] = [];
  for (const l of policies) {
    const spec = (l.obj.spec ?? {}) as AuthzSpec;
    if (spec.action === 'DENY' && (spec.rules ?? []).some((r) => ruleMatches(r, facts, true))) why.push(`${describe(l)} denies it`);
  }
  if (why.length > 0) return { allowed: false, why };
  const allows = policies.filter((l) => ((l.obj.spec ?? {}) as AuthzSpec).action === undefined || ((l.obj.spec ?? {}) as AuthzSpec).action === 'ALLOW');
  if (allows.length === 0) return { allowed: true, why: ['no ALLOW policy applies (open)'] };
  const admitting = allows.filter((l) => (((l.obj.spec ?? {}) as AuthzSpec).rules ?? []).some((r) => ruleMatches(r, facts, false)));
  if (admitting.length === 0) return { allowed: false, why: [`no rule of ${allows.map(describe).join(', ')} admits it`] };
  return { allowed: true, why: admitting.map((l) => `admitted by ${describe(l)}`) };
}

// ---------------------------------------------------------------- NetworkPolicy

function portMatches(rule: NetworkRule, w: Workload, port: number): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') return w.ports.some((x) => x.name === p.port && x.port === port);
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : p.port === port;
  });
}

function peerMatches(model: IsolationModel, peer: NetworkPeer, policyNamespace: string, from: Caller): boolean {
  // The API server and the scraper have no pod the policy could select; ipBlock cannot name pod or node IPs on AKS with Cilium.
  if (!('pod' in from) || peer.ipBlock) return false;
  const pod = from.pod;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, model.namespaceLabels.get(pod.namespace) ?? { 'kubernetes.io/metadata.name': pod.namespace })) return false;
  } else if (pod.namespace !== policyNamespace) return false;
  return selectorMatches(peer.podSelector, pod.labels);
}

function networkVerdict(model: IsolationModel, req: Request): { allowed: boolean; why: string[] } {
  const selecting = model.networkPolicies.filter((l) => {
    const spec = l.obj.spec as { podSelector?: LabelSelector; policyTypes?: string[]; ingress?: unknown };
    const ingress = spec.policyTypes ? spec.policyTypes.includes('Ingress') : true;
    return l.namespace === req.to.namespace && ingress && selectorMatches(spec.podSelector, req.to.labels);
  });
  if (selecting.length === 0) return { allowed: true, why: ['no NetworkPolicy selects the target (open)'] };
  const admitting = selecting.filter((l) => ((l.obj.spec as { ingress?: NetworkRule[] }).ingress ?? []).some((rule) =>
    portMatches(rule, req.to, req.port) && (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(model, peer, l.namespace, req.from)))));
  if (admitting.length === 0) return { allowed: false, why: [`no rule of ${selecting.map(describe).join(', ')} admits it`] };
  return { allowed: true, why: admitting.map((l) => `admitted by ${describe(l)}`) };
}

/** Both walls' answers to a request. */
export function evaluate(model: IsolationModel, req: Request): Verdict {
  const mesh = meshVerdict(model, req);
  const network = networkVerdict(model, req);
  return { mesh: mesh.allowed, network: network.allowed, why: [...mesh.why.map((w) => `mesh: ${w}`), ...network.why.map((w) => `network: ${w}`)] };
}

// ---------------------------------------------------------------- the matrix

export interface Expectation {
  readonly what: string;
  readonly request: Request;
  /**
   * `deny`: each wall refuses it on its own (another tenant's pod);
   * `deny-identity`: the mesh refuses it (the caller may open the connection,
   * but not as that user); `allow`: both let it through.
   */
  readonly expect: 'allow' | 'deny' | 'deny-identity';
}

const callerName = (c: Caller) => ('pod' in c ? `${c.pod.namespace}/${c.pod.name}` : c.external);

function find(model: IsolationModel, namespace: string, labels: Record<string, string>): Workload | undefined {
  return model.workloads.find((w) => w.namespace === namespace && selectorMatches({ matchLabels: labels }, w.labels));
}

/**
 * Routes on the Kubeflow gateway whose pods do not admit the gateway by
 * design, each with the reason. Nothing else may be left out of the matrix.
 */
export const ROUTE_EXEMPTIONS: Readonly<Record<string, string>> = {
  'kubeflow/profiles-kfam': 'KFAM admits only the dashboard (the distribution\'s policy); the browser reaches it through the dashboard\'s /kfam proxy',
  'oauth2-proxy/oauth2-proxy': 'the sign-in itself, outside the mesh',
};

const SCRAPE_SOURCE = 'Azure Managed Prometheus (ama-metrics)';
const API_SERVER = 'the Kubernetes API server (webhook call)';

/** Every request the matrix checks, from the rendered objects of an environment. */
export function requestMatrix(rendered: RenderedEnvironment, model: IsolationModel = isolationModel(rendered)): Expectation[] {
  const out: Expectation[] = [];
  const gateway = find(model, MESH_ROOT_NAMESPACE, { app: 'istio-ingressgateway' });
  if (!gateway) return out;
  const header = (user: string) => ({ [USERID_HEADER]: user });
  const targetsOf = (ns: string) => model.workloads.filter((w) => w.namespace === ns && w.injected && w.ports.length > 0);
  const pathOf = (w: Workload) => (w.name === 'notebook' ? `/notebook/${w.namespace}/notebook/api/contents` : w.name === 'predictor' ? '/v1/models/model:predict' : '/artifacts/get');
  for (const target of model.profiles) {
    const victims = targetsOf(target.name);
    const attackers = model.workloads.filter((w) => w.namespace !== target.name && (model.profiles.some((p) => p.name === w.namespace) || w.namespace === OUTSIDER_NAMESPACE) && w.name === (w.namespace === OUTSIDER_NAMESPACE ? 'notebook' : 'pipeline-run'));
    const outsider = model.workloads.find((w) => w.namespace === OUTSIDER_NAMESPACE);
    for (const victim of victims) {
      const port = victim.ports[0].port;
      const http = (headers: Record<string, string>) => ({ method: victim.name === 'predictor' ? 'POST' : 'GET', path: pathOf(victim), headers });
      for (const attacker of [...attackers, ...(outsider && !attackers.includes(outsider) ? [outsider] : [])]) {
        for (const user of [target.owner, ...target.contributors]) {
          out.push({ what: `a pod of another tenant (${attacker.namespace}) claiming to be ${user} → ${target.name}'s ${victim.name}`, request: { from: { pod: attacker }, to: victim, port, http: http(header(user)) }, expect: 'deny' });
        }
      }
      out.push({ what: `the gateway with owner ${target.owner} → ${target.name}'s ${victim.name}`, request: { from: { pod: gateway }, to: victim, port, http: http(header(target.owner)) }, expect: 'allow' });
      for (const c of target.contributors) out.push({ what: `the gateway with contributor ${c} → ${target.name}'s ${victim.name}`, request: { from: { pod: gateway }, to: victim, port, http: http(header(c)) }, expect: 'allow' });
      out.push({ what: `the gateway with a user who is neither owner nor contributor → ${target.name}'s ${victim.name}`, request: { from: { pod: gateway }, to: victim, port, http: http(header('stranger@elsewhere.test')) }, expect: 'deny-identity' });
      const neighbour = model.workloads.find((w) => w.namespace === target.name && w !== victim && w.injected);
      if (neighbour) out.push({ what: `a pod of ${target.name} → its own ${victim.name}`, request: { from: { pod: neighbour }, to: victim, port, http: http({}) }, expect: 'allow' });
    }
    const notebook = victims.find((w) => w.name === 'notebook');
    const notebookController = find(model, 'kubeflow', { app: 'notebook-controller' });
    if (notebook && notebookController) out.push({ what: `the notebook controller → ${target.name}'s notebook kernels (culling)`, request: { from: { pod: notebookController }, to: notebook, port: 8888, http: { method: 'GET', path: `/notebook/${target.name}/notebook/api/kernels` } }, expect: 'allow' });
    const artifacts = victims.find((w) => w.name === 'ml-pipeline-ui-artifact');
    const ui = find(model, 'kubeflow', { app: 'ml-pipeline-ui' });
    if (artifacts && ui) out.push({ what: `the Pipelines UI with owner ${target.owner} → ${target.name}'s artifact server`, request: { from: { pod: ui }, to: artifacts, port: 3000, http: { method: 'GET', path: '/artifacts/get', headers: header(target.owner) } }, expect: 'allow' });
    const suggestion = model.workloads.find((w) => w.namespace === target.name && w.name === 'suggestion');
    const katib = find(model, 'kubeflow', { 'katib.kubeflow.org/component': 'controller' });
    if (suggestion && katib) out.push({ what: `the Katib controller → ${target.name}'s suggestion service`, request: { from: { pod: katib }, to: suggestion, port: 6789 }, expect: 'allow' });
    // The shared services a profile's pods use, and impersonation there.
    const runner = model.workloads.find((w) => w.namespace === target.name && w.name === 'pipeline-run') ?? model.workloads.find((w) => w.namespace === target.name && w.name === 'notebook');
    if (!runner) continue;
    const api = find(model, 'kubeflow', { app: 'ml-pipeline' });
    if (api) {
      out.push({ what: `${target.name}'s pods → the Pipelines API (gRPC), with their token`, request: { from: { pod: runner }, to: api, port: 8887, http: { method: 'POST', path: '/api.v2beta1.RunService/ListRuns', headers: { authorization: 'Bearer token' } } }, expect: 'allow' });
      out.push({ what: `${target.name}'s pods → the Pipelines API (HTTP), with their token`, request: { from: { pod: runner }, to: api, port: 8888, http: { method: 'GET', path: '/apis/v2beta1/runs', headers: { authorization: 'Bearer token' } } }, expect: 'allow' });
      for (const other of model.profiles.filter((p) => p.name !== target.name)) {
        out.push({ what: `${target.name}'s pods claiming to be ${other.owner} → the Pipelines API`, request: { from: { pod: runner }, to: api, port: 8888, http: { method: 'GET', path: `/apis/v2beta1/runs?namespace=${other.name}`, headers: header(other.owner) } }, expect: 'deny-identity' });
      }
    }
    if (ui) out.push({ what: `${target.name}'s pods claiming to be another user → the Pipelines UI server`, request: { from: { pod: runner }, to: ui, port: 3000, http: { method: 'GET', path: '/apis/v2beta1/runs', headers: header('someone-else@elsewhere.test') } }, expect: 'deny-identity' });
    for (const [labels, port, what] of [[{ component: 'metadata-grpc-server' }, 8080, 'ML Metadata'], [{ app: 'seaweedfs' }, 8333, 'SeaweedFS (S3)'], [{ 'katib.kubeflow.org/component': 'db-manager' }, 6789, 'the Katib DB manager'], [{ component: 'model-registry-server' }, 8080, 'Model Registry']] as const) {
      const service = find(model, 'kubeflow', labels);
      if (service) out.push({ what: `${target.name}'s pods → ${what}`, request: { from: { pod: runner }, to: service, port, http: { method: 'POST', path: '/', headers: { authorization: 'Bearer token' } } }, expect: 'allow' });
    }
  }
  // The gateway → every application routed through the Kubeflow gateway.
  for (const l of objectsOf(rendered).filter((x) => x.obj.kind === 'VirtualService')) {
    const ns = l.obj.metadata.namespace ?? l.release.namespace;
    const key = `${ns}/${l.obj.metadata.name}`;
    if (ROUTE_EXEMPTIONS[key]) continue;
    const gateways = ((l.obj.spec as { gateways?: string[] }).gateways ?? []).map((g) => (g.includes('/') ? g : `${ns}/${g}`));
    if (!gateways.includes('kubeflow/kubeflow-gateway')) continue;
    for (const route of ((l.obj.spec as { http?: { route?: { destination: { host: string; port?: { number: number } } }[] }[] }).http ?? []).flatMap((h) => h.route ?? [])) {
      const [service, svcNs] = route.destination.host.split('.');
      const svc = objectsOf(rendered).find((s) => s.obj.kind === 'Service' && s.obj.metadata.name === service && (s.obj.metadata.namespace ?? s.release.namespace) === svcNs);
      const spec = svc?.obj.spec as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] } | undefined;
      const target = spec?.selector ? model.workloads.find((w) => w.namespace === svcNs && selectorMatches({ matchLabels: spec.selector }, w.labels)) : undefined;
      if (!target) continue;
      const svcPort = spec?.ports?.find((p) => p.port === (route.destination.port?.number ?? spec.ports?.[0]?.port));
      const port = typeof svcPort?.targetPort === 'number' ? svcPort.targetPort : typeof svcPort?.targetPort === 'string' ? target.ports.find((p) => p.name === svcPort.targetPort)?.port ?? 0 : svcPort?.port ?? 0;
      const user = model.profiles[0]?.owner ?? 'someone@example.test';
      out.push({ what: `the gateway → ${key} (route to ${route.destination.host})`, request: { from: { pod: gateway }, to: target, port, http: { method: 'GET', path: '/', headers: header(user) } }, expect: 'allow' });
    }
  }
  // The API server → every webhook served from the platform's namespaces.
  for (const l of objectsOf(rendered).filter((x) => /WebhookConfiguration$/.test(x.obj.kind))) {
    for (const hook of (l.obj.webhooks as { name: string; clientConfig: { service?: { name: string; namespace: string; port?: number } } }[] | undefined) ?? []) {
      const ref = hook.clientConfig.service;
      if (!ref) continue;
      const svc = objectsOf(rendered).find((s) => s.obj.kind === 'Service' && s.obj.metadata.name === ref.name && (s.obj.metadata.namespace ?? s.release.namespace) === ref.namespace);
      const spec = svc?.obj.spec as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] } | undefined;
      const target = spec?.selector ? model.workloads.find((w) => w.namespace === ref.namespace && selectorMatches({ matchLabels: spec.selector }, w.labels)) : undefined;
      if (!target) continue;
      const svcPort = spec?.ports?.find((p) => p.port === (ref.port ?? 443)) ?? spec?.ports?.[0];
      const port = typeof svcPort?.targetPort === 'number' ? svcPort.targetPort : typeof svcPort?.targetPort === 'string' ? target.ports.find((p) => p.name === svcPort.targetPort)?.port ?? 0 : svcPort?.port ?? 0;
      out.push({ what: `${API_SERVER} → ${hook.name} (${ref.namespace}/${ref.name}:${port})`, request: { from: { external: API_SERVER }, to: target, port }, expect: 'allow' });
    }
  }
  // The scraper → every pod a PodMonitor selects.
  for (const l of objectsOf(rendered).filter((x) => x.obj.kind === 'PodMonitor')) {
    const spec = l.obj.spec as { selector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchNames?: string[] }; podMetricsEndpoints?: { port?: string; targetPort?: number; path?: string }[] };
    const namespaces = spec.namespaceSelector?.matchNames ?? [l.obj.metadata.namespace ?? l.release.namespace];
    for (const target of model.workloads.filter((w) => namespaces.includes(w.namespace) && selectorMatches(spec.selector, w.labels))) {
      for (const e of spec.podMetricsEndpoints ?? []) {
        const port = e.targetPort ?? target.ports.find((p) => p.name === e.port)?.port;
        if (port === undefined) continue;
        out.push({ what: `${SCRAPE_SOURCE} → ${target.namespace}/${target.name}:${port}${e.path ?? '/metrics'}`, request: { from: { external: SCRAPE_SOURCE }, to: target, port, http: { method: 'GET', path: e.path ?? '/metrics' } }, expect: 'allow' });
      }
    }
  }
  // The platform's own calls inside kubeflow.
  const internal: [Record<string, string>, Record<string, string>, number, string, Record<string, string>?][] = [
    [{ app: 'kubeflow-dashboard' }, { app: 'profile-controller' }, 8081, '/kfam/v1/bindings'],
    [{ app: 'ml-pipeline-ui' }, { app: 'ml-pipeline' }, 8888, '/apis/v2beta1/runs', header(model.profiles[0]?.owner ?? 'someone@example.test')],
    [{ app: 'ml-pipeline-persistenceagent' }, { app: 'ml-pipeline' }, 8887, '/api.v2beta1.RunService/ReportRunMetrics'],
    [{ app: 'ml-pipeline-scheduledworkflow' }, { app: 'ml-pipeline' }, 8887, '/api.v2beta1.RunService/CreateRun'],
    [{ app: 'ml-pipeline' }, { app: 'mysql' }, 3306, ''],
    [{ component: 'metadata-grpc-server' }, { app: 'mysql' }, 3306, ''],
    [{ app: 'ml-pipeline' }, { app: 'seaweedfs' }, 8333, '/'],
    [{ app: 'ml-pipeline' }, { app: 'ml-pipeline-visualizationserver' }, 8888, '/'],
    [{ 'katib.kubeflow.org/component': 'ui' }, { 'katib.kubeflow.org/component': 'db-manager' }, 6789, ''],
    [{ app: 'metacontroller' }, { app: 'kubeflow-pipelines-profile-controller' }, 8080, '/sync'],
  ];
  for (const [fromLabels, toLabels, port, path, headers] of internal) {
    const from = find(model, 'kubeflow', fromLabels);
    const to = find(model, 'kubeflow', toLabels);
    if (from && to) out.push({ what: `${from.name} → ${to.name}:${port}`, request: { from: { pod: from }, to, port, ...(path ? { http: { method: 'POST', path, headers } } : {}) }, expect: 'allow' });
  }
  return out;
}

/** Rule (c): every expectation of the matrix holds, denials by each wall on its own. */
export function requestMatrixProblems(rendered: RenderedEnvironment): string[] {
  const model = isolationModel(rendered);
  return requestMatrix(rendered, model).flatMap((e) => {
    const v = evaluate(model, e.request);
    const who = `${callerName(e.request.from)} → ${e.request.to.namespace}/${e.request.to.name}:${e.request.port}`;
    if (e.expect === 'allow' && !(v.mesh && v.network)) return [`needed flow refused: ${e.what} (${who}): ${v.why.join('; ')}`];
    if (e.expect === 'deny-identity' && v.mesh) return [`identity not enforced: ${e.what} (${who}): the mesh lets it through (${v.why.join('; ')})`];
    if (e.expect === 'deny') {
      const leaks = [...(v.mesh && e.request.to.injected ? ['the mesh lets it through'] : []), ...(v.network ? ['the network lets it through'] : [])];
      if (leaks.length > 0) return [`isolation broken: ${e.what} (${who}): ${leaks.join(' and ')} (${v.why.join('; ')})`];
    }
    return [];
  });
}

// ---------------------------------------------------------------- rules (a), (b)

/**
 * Sources trusted to pass `kubeflow-userid` on besides the gateway, and why:
 * each admits header-bearing requests only from the gateway (checked below).
 */
export const USER_HEADER_FORWARDERS: Readonly<Record<string, string>> = {
  [PIPELINES_UI_PRINCIPAL]: 'the Pipelines UI server forwards the signed-in user to the artifact server of the user\'s profile (the profile controller trusts it too)',
};

/** Rule (a): no ALLOW rule trusts `kubeflow-userid` unless every source it admits is the gateway or a forwarder that only the gateway can make send it. */
export function userHeaderTrustProblems(rendered: RenderedEnvironment): string[] {
  const model = isolationModel(rendered);
  const problems: string[] = [];
  const key = `request.headers[${USERID_HEADER}]`;
  for (const l of model.policies) {
    const spec = (l.obj.spec ?? {}) as AuthzSpec;
    if (spec.action !== undefined && spec.action !== 'ALLOW') continue;
    (spec.rules ?? []).forEach((rule, i) => {
      if (!(rule.when ?? []).some((c) => c.key === key && c.values !== undefined)) return;
      const froms = rule.from ?? [];
      const principals = froms.flatMap((f) => f.source?.principals ?? []);
      const unbounded = froms.length === 0 || froms.some((f) => !f.source?.principals || Object.keys(f.source).some((k) => k !== 'principals'));
      if (unbounded) problems.push(`${describe(l)} (${l.release}): rule ${i} trusts ${USERID_HEADER} from any source; it must name the ingress gateway's principal (${GATEWAY_PRINCIPAL})`);
      else if (!principals.includes(GATEWAY_PRINCIPAL)) problems.push(`${describe(l)} (${l.release}): rule ${i} trusts ${USERID_HEADER} without the gateway's principal`);
      for (const p of principals.filter((x) => x !== GATEWAY_PRINCIPAL && !USER_HEADER_FORWARDERS[x])) problems.push(`${describe(l)} (${l.release}): rule ${i} trusts ${USERID_HEADER} from ${p}, which is neither the gateway nor a known forwarder`);
    });
  }
  // Each forwarder refuses the header from anyone but the gateway.
  const outsider = model.workloads.find((w) => w.namespace === OUTSIDER_NAMESPACE && w.injected);
  for (const principal of Object.keys(USER_HEADER_FORWARDERS)) {
    for (const w of model.workloads.filter((x) => principalOf(x) === principal && x.injected)) {
      for (const port of w.ports) {
        if (!outsider) continue;
        const v = evaluate(model, { from: { pod: outsider }, to: w, port: port.port, http: { method: 'GET', path: '/apis/v2beta1/runs', headers: { [USERID_HEADER]: 'victim@example.test' } } });
        if (v.mesh) problems.push(`${w.namespace}/${w.name}: forwards ${USERID_HEADER} and is trusted with it, but admits it from a pod of another tenant on port ${port.port} (${v.why.join('; ')})`);
      }
    }
  }
  return problems;
}

/** Rule (b): STRICT mTLS and the root deny exist, every weakening is narrow, the gateway strips the header and refuses tokens without the claim, every tenant namespace has its wall. */
export function isolationBaselineProblems(rendered: RenderedEnvironment): string[] {
  if (!rendered.releases.some((r) => r.name === 'istiod')) return [];
  const model = isolationModel(rendered);
  const problems: string[] = [];
  const rootPeer = model.peers.find((l) => l.namespace === MESH_ROOT_NAMESPACE && !(l.obj.spec as { selector?: object }).selector);
  if ((rootPeer?.obj.spec as { mtls?: { mode?: string } } | undefined)?.mtls?.mode !== 'STRICT') problems.push(`no mesh-wide PeerAuthentication in ${MESH_ROOT_NAMESPACE} with mtls.mode STRICT: a source principal proves nothing while plain text is accepted`);
  const deny = model.policies.find((l) => {
    const spec = (l.obj.spec ?? {}) as AuthzSpec & { provider?: unknown };
    return l.namespace === MESH_ROOT_NAMESPACE && !spec.selector && (spec.action ?? 'ALLOW') === 'ALLOW' && (spec.rules ?? []).length === 0;
  });
  if (!deny) problems.push(`no allow-nothing AuthorizationPolicy (no selector, no rules) in ${MESH_ROOT_NAMESPACE}: a workload without policies of its own is open to every caller`);
  for (const l of model.peers) {
    const spec = l.obj.spec as { selector?: object; mtls?: { mode?: string }; portLevelMtls?: Record<string, { mode?: string }> };
    const weak = (m?: string) => m === 'PERMISSIVE' || m === 'DISABLE';
    if (weak(spec.mtls?.mode)) problems.push(`${describe(l)} (${l.release}): mtls.mode ${spec.mtls?.mode} for ${spec.selector ? 'every port of its workloads' : 'a whole namespace'}; exceptions must be single ports of selected workloads`);
    for (const [port, m] of Object.entries(spec.portLevelMtls ?? {})) {
      if (weak(m.mode) && !l.obj.metadata.annotations?.reason) problems.push(`${describe(l)} (${l.release}): port ${port} is ${m.mode} without an annotation saying who needs it and why`);
    }
  }
  const auth = objectsOf(rendered).find((l) => l.obj.kind === 'RequestAuthentication' && JSON.stringify(l.obj.spec).includes(USERID_HEADER));
  if (auth) {
    const filters = objectsOf(rendered).filter((l) => l.obj.kind === 'EnvoyFilter' && (l.obj.metadata.namespace ?? l.release.namespace) === MESH_ROOT_NAMESPACE);
    const strips = filters.some((l) => ((l.obj.spec as { configPatches?: { patch?: { operation?: string; value?: unknown } }[] }).configPatches ?? [])
      .some((p) => p.patch?.operation === 'INSERT_FIRST' && JSON.stringify(p.patch.value).includes(`remove(\\"${USERID_HEADER}\\")`)));
    if (!strips) problems.push(`the ingress gateway does not remove a client-sent ${USERID_HEADER} before authentication (an EnvoyFilter inserted first): a token without the claim would leave the client's value in place`);
    const rules = ((auth.obj.spec as { jwtRules?: { issuer: string; outputClaimToHeaders?: { header: string; claim: string }[] }[] }).jwtRules ?? []);
    for (const r of rules) {
      const claim = r.outputClaimToHeaders?.find((h) => h.header === USERID_HEADER)?.claim;
      if (!claim || claim === 'sub') continue; // sub is always present
      const refused = objectsOf(rendered).some((l) => l.obj.kind === 'AuthorizationPolicy' && (l.obj.spec as AuthzSpec).action === 'DENY'
        && ((l.obj.spec as AuthzSpec).rules ?? []).some((rule) => (rule.when ?? []).some((c) => c.key === `request.auth.claims[${claim}]` && (c.notValues ?? []).includes('*'))
          && (rule.from ?? []).some((f) => (f.source?.requestPrincipals ?? []).some((p) => p === `${r.issuer}/*`))));
      if (!refused) problems.push(`tokens of ${r.issuer} without the ${claim} claim are not refused at the gateway (no DENY on request.auth.claims[${claim}] notValues "*")`);
    }
  }
  for (const ns of [...rendered.env.profiles.map((p) => p.name), 'kubeflow']) {
    const wall = model.networkPolicies.some((l) => l.namespace === ns && Object.keys((l.obj.spec as { podSelector?: LabelSelector }).podSelector ?? {}).length === 0 && ((l.obj.spec as { policyTypes?: string[] }).policyTypes ?? ['Ingress']).includes('Ingress'));
    if (!wall) problems.push(`namespace ${ns}: no NetworkPolicy selects all its pods, so pods no other policy selects admit any source`);
  }
  return problems;
}
