import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ClusterConnection } from '../lib/cluster-connection';
import { INGRESS_GATEWAY_SERVICE_ACCOUNT } from './istio';
import { ObjectRelease } from '../lib/manifest-bundle';

/**
 * Tenant isolation in two walls: Istio (identity: who may call what) and
 * Kubernetes NetworkPolicy (addresses: which pods may open a connection at
 * all). Kubeflow's own pieces stay as upstream ships them (each component's
 * AuthorizationPolicies, the profile controller's `ns-owner-access-istio` in
 * every profile namespace); this adds what makes them hold:
 *
 * - mutual TLS STRICT mesh-wide, so a source principal is a proven identity;
 * - an allow-nothing policy in the mesh root namespace (upstream's
 *   `global-deny-all`, which Istio from Helm does not bring), so a workload no
 *   ALLOW policy names is closed instead of open;
 * - explicit, narrow exceptions for callers that cannot present a mesh
 *   identity: the API server calling webhooks that run with a sidecar, and
 *   Azure Managed Prometheus (ama-metrics, outside the mesh) scraping
 *   `/metrics` of sidecar pods: each a PERMISSIVE port on one selected
 *   workload and an ALLOW for that port (and path) only;
 * - NetworkPolicies: a profile namespace admits only itself, the ingress
 *   gateway and the platform controllers that serve it; `kubeflow` admits
 *   itself, the gateway, profile namespaces on the shared services they use,
 *   and anyone on the webhook and metrics ports above.
 *
 * The request matrix of test/render/isolation.ts proves, on the rendered
 * objects of every environment, that cross-profile calls are refused and every
 * flow the platform needs is still allowed.
 * @see docs/security.md#tenant-isolation
 */

/** The Istio root namespace: selector-less policies there apply to the whole mesh. */
export const MESH_ROOT_NAMESPACE = 'istio-system';

/** The ingress gateway's SPIFFE principal: the only source trusted to set `kubeflow-userid`. */
export const GATEWAY_PRINCIPAL = `cluster.local/ns/${MESH_ROOT_NAMESPACE}/sa/${INGRESS_GATEWAY_SERVICE_ACCOUNT}`;

/**
 * The Pipelines UI server's principal. The profile controller trusts it with
 * `kubeflow-userid` beside the gateway (it forwards the signed-in user's header
 * to the artifact server in each profile namespace); the UI itself admits
 * header-bearing requests only from the gateway.
 */
export const PIPELINES_UI_PRINCIPAL = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';

/** Labels of the ingress gateway pods (the gateway chart's values in istio.ts). */
const GATEWAY_POD_LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway' } as const;

/** A port on selected `kubeflow` pods that a caller without mesh identity must reach. */
export interface MeshException {
  /** Object name stem. */
  readonly name: string;
  /** Pod labels (exact match), as the rendered workload carries them. */
  readonly labels: Readonly<Record<string, string>>;
  /** The container port. */
  readonly port: number;
  /** Who calls and why it cannot present a mesh identity. */
  readonly reason: string;
  /** HTTP requests only (a scrape); unset: the port carries TLS end to end (a webhook). */
  readonly http?: { readonly methods: readonly string[]; readonly paths: readonly string[] };
}

const SCRAPE = { methods: ['GET'], paths: ['/metrics'] } as const;
const SCRAPER = 'Azure Managed Prometheus (ama-metrics in kube-system, no sidecar) scrapes it in plain HTTP';
const API_SERVER = 'the Kubernetes API server calls this admission webhook over its own TLS, with no mesh identity';

/**
 * Webhooks served by pods with a sidecar (read from the rendered objects: the
 * other webhook pods of the platform opt out of injection or run in namespaces
 * without it). Ports are the container ports behind the webhook Services.
 */
export const WEBHOOK_EXCEPTIONS = {
  pipelines: [{ name: 'cache-server-webhook', labels: { app: 'cache-server' }, port: 8443, reason: `Pipelines cache webhook: ${API_SERVER}` }],
  notebooks: [{ name: 'pvcviewer-webhook', labels: { app: 'pvcviewer', 'control-plane': 'controller-manager' }, port: 9443, reason: `PVC viewer webhook: ${API_SERVER}` }],
} as const satisfies Record<string, readonly MeshException[]>;

/** Metrics ports of sidecar pods that scrape objects (constructs/observability/scrape-objects.ts) select. */
export const SCRAPE_EXCEPTIONS = {
  notebooks: [{ name: 'notebook-controller-metrics', labels: { app: 'notebook-controller' }, port: 8080, reason: SCRAPER, http: SCRAPE }],
  pipelines: [
    { name: 'ml-pipeline-metrics', labels: { app: 'ml-pipeline' }, port: 8888, reason: SCRAPER, http: SCRAPE },
    { name: 'ml-pipeline-scheduledworkflow-metrics', labels: { app: 'ml-pipeline-scheduledworkflow' }, port: 9090, reason: SCRAPER, http: SCRAPE },
  ],
} as const satisfies Record<string, readonly MeshException[]>;

/**
 * Ports of `kubeflow` pods that callers outside the mesh reach but that need no
 * mesh exception (the pods run without a sidecar): open at the network layer only.
 */
export const OPEN_PORTS_WITHOUT_SIDECAR = {
  katibWebhook: [{ name: 'katib-controller-webhook', labels: { 'katib.kubeflow.org/component': 'controller' }, port: 8443, reason: `Katib webhook: ${API_SERVER}` }],
  katibMetrics: [{ name: 'katib-controller-metrics', labels: { 'katib.kubeflow.org/component': 'controller' }, port: 8080, reason: SCRAPER }],
} as const satisfies Record<string, readonly MeshException[]>;

/** A `kubeflow` service profile workloads are meant to use, and its ports. */
export interface SharedService {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
  readonly reason: string;
}

/**
 * The shared services in `kubeflow` that profile workloads call (each keeps
 * authenticating or authorizing the caller itself). SeaweedFS is admitted to
 * profile namespaces by the distribution's own NetworkPolicy (`seaweedfs`).
 */
export const SHARED_SERVICES = {
  pipelines: [
    { name: 'ml-pipeline', labels: { app: 'ml-pipeline' }, ports: [8888, 8887], reason: 'Pipelines API: the SDK and run pods (driver, launcher), authenticated by their ServiceAccount token' },
    { name: 'ml-pipeline-ui', labels: { app: 'ml-pipeline-ui' }, ports: [3000], reason: 'the SDK\'s API paths on the UI server (the advisory mitigation refuses every other path)' },
    { name: 'metadata-grpc', labels: { component: 'metadata-grpc-server' }, ports: [8080], reason: 'ML Metadata: run pods record executions and artifacts' },
  ],
  katib: [{ name: 'katib-db-manager', labels: { 'katib.kubeflow.org/component': 'db-manager' }, ports: [6789], reason: 'Katib trials\' metrics collectors and suggestions report observations' }],
  modelRegistry: [{ name: 'model-registry', labels: { component: 'model-registry-server' }, ports: [8080], reason: 'Model Registry API with a ServiceAccount token (its policy admits token callers without a user header)' }],
} as const satisfies Record<string, readonly SharedService[]>;

/** A platform controller in `kubeflow` that calls workloads in profile namespaces. */
export interface ServingController {
  readonly labels: Readonly<Record<string, string>>;
  readonly reason: string;
}

/** Platform controllers that open connections into profile namespaces. */
export const PROFILE_CALLERS = {
  notebooks: [{ labels: { app: 'notebook-controller' }, reason: 'culling: GET <notebook>/api/kernels (admitted by the profile controller\'s policy)' }],
  pipelines: [{ labels: { app: 'ml-pipeline-ui' }, reason: 'artifacts: the UI server forwards the signed-in user to the artifact server of the profile' }],
  katib: [{ labels: { 'katib.kubeflow.org/component': 'controller' }, reason: 'suggestions: the controller calls the suggestion service (gRPC 6789) Katib starts without a sidecar' }],
} as const satisfies Record<string, readonly ServingController[]>;

export interface TenantIsolationComponents {
  readonly pipelines?: boolean;
  readonly notebooks?: boolean;
  readonly katib?: boolean;
  readonly modelRegistry?: boolean;
  /** KServe in Knative mode: Knative's activator (knative-serving) calls predictors in profile namespaces. */
  readonly knative?: boolean;
}

/**
 * The namespaces of platform controllers that serve only the API server
 * (webhooks), the scraper (metrics) and, for Trainer, the training pods
 * (progress reports): each gets a wall that admits its own pods and exactly those.
 */
export interface PlatformNamespaces {
  /** KServe's controller namespace, with KServe. */
  readonly kserve?: string;
  /** Trainer's and JobSet's controller namespace, with Trainer. */
  readonly trainer?: string;
  /** The Spark Operator's namespace, with Spark. */
  readonly spark?: string;
}

/**
 * Ports of the controllers in those namespaces, by container port name (read
 * from the rendered Services and webhook configurations: kserve-webhook-server-service →
 * `webhook-server`; kubeflow-trainer-controller-manager → `webhook`, `metrics`,
 * `status-server`; jobset-webhook-service → `webhook`; spark-operator-webhook-svc → `webhook`).
 */
export const PLATFORM_NAMESPACE_PORTS = {
  kserve: [
    { name: 'kserve-webhook', labels: { 'control-plane': 'kserve-controller-manager' }, port: 'webhook-server', from: 'any', reason: `KServe webhooks: ${API_SERVER}` },
  ],
  trainer: [
    { name: 'trainer-webhook', labels: { 'app.kubernetes.io/name': 'kubeflow-trainer', 'app.kubernetes.io/component': 'manager' }, port: 'webhook', from: 'any', reason: `Trainer webhooks: ${API_SERVER}` },
    { name: 'trainer-metrics', labels: { 'app.kubernetes.io/name': 'kubeflow-trainer', 'app.kubernetes.io/component': 'manager' }, port: 'metrics', from: 'any', reason: SCRAPER },
    { name: 'trainer-status', labels: { 'app.kubernetes.io/name': 'kubeflow-trainer', 'app.kubernetes.io/component': 'manager' }, port: 'status-server', from: 'profiles', reason: 'training pods in profile namespaces report their progress to the Trainer status server' },
    { name: 'jobset-webhook', labels: { 'app.kubernetes.io/name': 'jobset', 'app.kubernetes.io/instance': 'kubeflow-trainer' }, port: 'webhook', from: 'any', reason: `JobSet webhooks: ${API_SERVER}` },
  ],
  spark: [
    { name: 'spark-webhook', labels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/component': 'webhook' }, port: 'webhook', from: 'any', reason: `Spark Operator webhook: ${API_SERVER}` },
  ],
} as const satisfies Record<keyof PlatformNamespaces, readonly { name: string; labels: Record<string, string>; port: string; from: 'any' | 'profiles'; reason: string }[]>;

export interface TenantIsolationProps {
  readonly connection: ClusterConnection;
  /** Profile namespaces, each closed to every other profile. */
  readonly profiles: readonly string[];
  /** The Kubeflow components installed: each brings its flows and exceptions. @default {} */
  readonly components?: TenantIsolationComponents;
  /** Managed Prometheus scrapes the Kubeflow controllers: their metrics ports get mesh exceptions. @default false */
  readonly scraped?: boolean;
  /** Istio's CRDs (the base release) and the namespaces the objects go to. */
  readonly dependsOn: readonly ITerraformDependable[];
  /** Profile namespaces, which their NetworkPolicies wait for. @default [] */
  readonly profileNamespaces?: readonly ITerraformDependable[];
  /** Platform controller namespaces to wall in (they must exist first: see `platformReady`). @default {} */
  readonly platformNamespaces?: PlatformNamespaces;
  /** The releases that create those namespaces. @default [] */
  readonly platformReady?: readonly ITerraformDependable[];
}

const policy = (name: string, namespace: string, spec: object) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec });

/** The mesh objects: STRICT mutual TLS, the root deny, the gateway's own ALLOW and the exceptions. */
export function meshIsolationObjects(props: Pick<TenantIsolationProps, 'components' | 'scraped'>): object[] {
  const c = props.components ?? {};
  const exceptions: MeshException[] = [
    ...(c.pipelines ? WEBHOOK_EXCEPTIONS.pipelines : []),
    ...(c.notebooks ? WEBHOOK_EXCEPTIONS.notebooks : []),
    ...(props.scraped && c.notebooks ? SCRAPE_EXCEPTIONS.notebooks : []),
    ...(props.scraped && c.pipelines ? SCRAPE_EXCEPTIONS.pipelines : []),
  ];
  return [
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: MESH_ROOT_NAMESPACE },
      spec: { mtls: { mode: 'STRICT' } },
    },
    // No selector, no rules: every workload of the mesh has an ALLOW policy that matches nothing.
    policy('global-deny-all', MESH_ROOT_NAMESPACE, {}),
    // The gateway faces the load balancer: its sign-in policies (entra-authentication) decide there.
    policy('istio-ingressgateway', MESH_ROOT_NAMESPACE, { selector: { matchLabels: { ...GATEWAY_POD_LABELS } }, action: 'ALLOW', rules: [{}] }),
    ...exceptions.flatMap((e) => [
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: e.name, namespace: 'kubeflow', annotations: { reason: e.reason } },
        spec: { selector: { matchLabels: { ...e.labels } }, mtls: { mode: 'STRICT' }, portLevelMtls: { [String(e.port)]: { mode: 'PERMISSIVE' } } },
      },
      {
        ...policy(e.name, 'kubeflow', {
          selector: { matchLabels: { ...e.labels } },
          action: 'ALLOW',
          rules: [{ to: [{ operation: { ports: [String(e.port)], ...(e.http ? { methods: [...e.http.methods], paths: [...e.http.paths] } : {}) } }] }],
        }),
        metadata: { name: e.name, namespace: 'kubeflow', annotations: { reason: e.reason } },
      },
    ]),
  ];
}

const byName = (names: readonly string[]) => ({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names] }] });
const gatewayPeer = { namespaceSelector: byName([MESH_ROOT_NAMESPACE]), podSelector: { matchLabels: { ...GATEWAY_POD_LABELS } } };
/** The label the profile controller puts on every profile namespace (its namespace-labels.yaml). */
export const PROFILE_NAMESPACE_LABEL = { 'app.kubernetes.io/part-of': 'kubeflow-profile' } as const;

function networkPolicy(name: string, namespace: string, podSelector: object, ingress: object[], reason: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, annotations: { reason } },
    spec: { podSelector, policyTypes: ['Ingress'], ingress },
  };
}

/** The NetworkPolicies: one wall around each profile namespace, one around `kubeflow`. */
export function tenantNetworkPolicies(props: Pick<TenantIsolationProps, 'components' | 'scraped' | 'profiles' | 'platformNamespaces'>): object[] {
  const c = props.components ?? {};
  const callers: ServingController[] = [
    ...(c.notebooks ? PROFILE_CALLERS.notebooks : []),
    ...(c.pipelines ? PROFILE_CALLERS.pipelines : []),
    ...(c.katib ? PROFILE_CALLERS.katib : []),
  ];
  const profilePolicies = props.profiles.map((ns) => networkPolicy('tenant-isolation', ns, {}, [
    { from: [{ podSelector: {} }] },
    { from: [gatewayPeer] },
    ...callers.map((caller) => ({ from: [{ namespaceSelector: byName(['kubeflow']), podSelector: { matchLabels: { ...caller.labels } } }] })),
    ...(c.knative ? [{ from: [{ namespaceSelector: byName(['knative-serving']) }] }] : []),
  ], 'a profile namespace admits only itself, the ingress gateway and the platform controllers that serve it'));
  const shared: SharedService[] = [
    ...(c.pipelines ? SHARED_SERVICES.pipelines : []),
    ...(c.katib ? SHARED_SERVICES.katib : []),
    ...(c.modelRegistry ? SHARED_SERVICES.modelRegistry : []),
  ];
  const open: MeshException[] = [
    ...(c.pipelines ? WEBHOOK_EXCEPTIONS.pipelines : []),
    ...(c.notebooks ? WEBHOOK_EXCEPTIONS.notebooks : []),
    ...(props.scraped && c.notebooks ? SCRAPE_EXCEPTIONS.notebooks : []),
    ...(props.scraped && c.pipelines ? SCRAPE_EXCEPTIONS.pipelines : []),
    ...(c.katib ? OPEN_PORTS_WITHOUT_SIDECAR.katibWebhook : []),
    ...(props.scraped && c.katib ? OPEN_PORTS_WITHOUT_SIDECAR.katibMetrics : []),
  ];
  return [
    ...profilePolicies,
    networkPolicy('kubeflow-default', 'kubeflow', {}, [{ from: [{ podSelector: {} }] }, { from: [gatewayPeer] }],
      'the platform namespace admits itself and the ingress gateway; the policies below add what it serves to others'),
    ...shared.map((s) => networkPolicy(`from-profiles-${s.name}`, 'kubeflow', { matchLabels: { ...s.labels } }, [{
      from: [{ namespaceSelector: { matchLabels: { ...PROFILE_NAMESPACE_LABEL } } }],
      ports: s.ports.map((port) => ({ protocol: 'TCP', port })),
    }], s.reason)),
    // Callers without a pod identity the policy could name (the API server, a scraper whose network origin AKS does not fix).
    ...open.map((e) => networkPolicy(`open-${e.name}`, 'kubeflow', { matchLabels: { ...e.labels } }, [{ ports: [{ protocol: 'TCP', port: e.port }] }], e.reason)),
    ...platformNamespacePolicies(props.platformNamespaces ?? {}),
  ];
}

/** The walls of the platform controller namespaces: their own pods, plus each named port for its callers. */
export function platformNamespacePolicies(namespaces: PlatformNamespaces): object[] {
  return (Object.keys(PLATFORM_NAMESPACE_PORTS) as (keyof PlatformNamespaces)[]).flatMap((key) => {
    const namespace = namespaces[key];
    if (namespace === undefined) return [];
    return [
      networkPolicy('platform-default', namespace, {}, [{ from: [{ podSelector: {} }] }],
        'a platform controller namespace admits its own pods; the policies below add what its controllers serve'),
      ...PLATFORM_NAMESPACE_PORTS[key].map((p) => networkPolicy(`open-${p.name}`, namespace, { matchLabels: { ...p.labels } }, [{
        ...(p.from === 'profiles' ? { from: [{ namespaceSelector: { matchLabels: { ...PROFILE_NAMESPACE_LABEL } } }] } : {}),
        ports: [{ protocol: 'TCP', port: p.port }],
      }], p.reason)),
    ];
  });
}

/**
 * Mesh identity everywhere, default deny, and NetworkPolicies per namespace.
 * Two releases of the bundle chart: `mesh-isolation` (Istio objects; waits for
 * Istio's CRDs) and `tenant-network-policies` (waits for the profile namespaces).
 * @see docs/security.md#tenant-isolation
 */
export class TenantIsolation extends Construct {
  public readonly mesh: ObjectRelease;
  public readonly network: ObjectRelease;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: TenantIsolationProps) {
    super(scope, id);
    this.mesh = new ObjectRelease(this, 'mesh', {
      releaseName: 'mesh-isolation',
      namespace: MESH_ROOT_NAMESPACE,
      manifests: meshIsolationObjects(props),
      dependsOn: props.dependsOn,
      provider: props.connection.helm,
    });
    this.network = new ObjectRelease(this, 'network', {
      releaseName: 'tenant-network-policies',
      namespace: 'kubeflow',
      manifests: tenantNetworkPolicies(props),
      dependsOn: [...props.dependsOn, ...(props.profileNamespaces ?? []), ...(props.platformReady ?? [])],
      provider: props.connection.helm,
    });
    this.ready = [this.mesh.release, this.network.release];
  }
}
