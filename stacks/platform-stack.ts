import { AzurermBackend, Fn, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { AccessLayer } from '../constructs/access/feature';
import type { EntraAuthentication } from '../constructs/access/entra-authentication';
import type { GatewayTls } from '../constructs/access/gateway-tls';
import type { Oauth2Proxy } from '../constructs/access/oauth2-proxy';
import type { CertManager } from '../constructs/cert-manager/cert-manager';
import type { Dashboard } from '../constructs/dashboard/dashboard';
import type { KubeflowClusterRoles } from '../constructs/dashboard/kubeflow-roles';
import type { GpuOperator } from '../constructs/gpu-operator/gpu-operator';
import type { Istio } from '../constructs/istio/istio';
import type { TenantIsolation } from '../constructs/istio/tenant-isolation';
import type { Katib } from '../constructs/katib/katib';
import type { KServe } from '../constructs/kserve/kserve';
import { ClusterConnection } from '../constructs/lib/cluster-connection';
import { FeatureName, FeatureOutputs, PlatformFeature, buildFeatures } from '../constructs/lib/feature';
import type { KubeflowNamespaces } from '../constructs/lib/kubeflow-namespaces';
import { PlaceholderGuard } from '../constructs/lib/placeholder-guard';
import type { ModelRegistry } from '../constructs/model-registry/model-registry';
import type { ModelsWebApp } from '../constructs/models-web-app/models-web-app';
import type { AzureMysqlAccess } from '../constructs/mysql/azure-mysql';
import type { Notebooks } from '../constructs/notebooks/notebooks';
import type { ScrapeObjects } from '../constructs/observability/scrape-objects';
import type { Pipelines } from '../constructs/pipelines/pipelines';
import type { PipelinesAdvisoryMitigations } from '../constructs/pipelines/pipelines-advisories';
import type { Profiles } from '../constructs/profiles/profiles';
import type { SparkOperator } from '../constructs/spark/spark-operator';
import type { Trainer } from '../constructs/trainer/trainer';
import type { ResolvedEnvironment } from '../environments';
import { placeholdersOf } from '../environments/placeholders';
import { ClusterStack } from './cluster-stack';
import { PLATFORM_FEATURES } from './platform-features';
import { stateKey } from './state';

export interface PlatformStackProps {
  readonly env: ResolvedEnvironment;
  /** The environment's cluster stack: its outputs configure the providers. */
  readonly cluster: ClusterStack;
  /**
   * The features to build, in any order (the release graph orders them).
   * @default PLATFORM_FEATURES (stacks/platform-features.ts)
   */
  readonly features?: readonly PlatformFeature[];
}

/** The access layer of an environment: sign-in, TLS, dashboard and profiles. */
export interface AccessComponents {
  readonly oauth2Proxy: Oauth2Proxy;
  readonly authentication: EntraAuthentication;
  readonly tls?: GatewayTls;
  readonly dashboard: Dashboard;
  readonly profiles: Profiles;
}

/** The components an environment's platform stack installed, for tests and forks. */
export interface PlatformComponents {
  readonly namespaces: KubeflowNamespaces;
  readonly certManager?: CertManager;
  readonly istio?: Istio;
  readonly gpuOperator?: GpuOperator;
  readonly trainer?: Trainer;
  readonly katib?: Katib;
  readonly pipelines?: Pipelines;
  readonly kserve?: KServe;
  readonly access?: AccessComponents;
  readonly notebooks?: Notebooks;
  readonly modelsWebApp?: ModelsWebApp;
  readonly modelRegistry?: ModelRegistry;
  readonly sparkOperator?: SparkOperator;
  /** Users and CA bundle for the environment's Azure MySQL server. */
  readonly azureMysql?: AzureMysqlAccess;
  /** The Kubeflow cluster roles, on their own when there is no dashboard to bring them. */
  readonly clusterRoles?: KubeflowClusterRoles;
  /** Scrape objects for managed Prometheus, when it is on and something is scraped. */
  readonly scrape?: ScrapeObjects;
  /** Mitigations of open Pipelines advisories (catalog/advisories.json), with Pipelines. */
  readonly pipelinesAdvisories?: PipelinesAdvisoryMitigations;
  /** STRICT mutual TLS, the mesh's default deny and the NetworkPolicies, with Istio installed here. */
  readonly tenantIsolation?: TenantIsolation;
}

function accessComponents(access: AccessLayer | undefined, dashboard: Dashboard | undefined, profiles: Profiles | undefined): AccessComponents | undefined {
  return access && dashboard && profiles ? { ...access, dashboard, profiles } : undefined;
}

/**
 * `<env>-platform`: everything inside Kubernetes. Providers are configured
 * from the cluster stack's outputs (a remote-state read), so the cluster is
 * never created and used in the same apply. Builds the features the
 * environment installs by looping over the release graph
 * (`stacks/platform-features.ts`); holds no resource details of its own.
 */
export class PlatformStack extends TerraformStack {
  /** What each installed feature built, by feature name. */
  public readonly features: Partial<FeatureOutputs>;
  /** The feature each top-level construct belongs to, by construct id. */
  public readonly featureConstructIds: ReadonlyMap<string, FeatureName>;
  public readonly components: PlatformComponents;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const env = props.env;
    new AzurermBackend(this, {
      resourceGroupName: env.remoteState.resourceGroupName,
      storageAccountName: env.remoteState.storageAccountName,
      containerName: env.remoteState.containerName,
      key: stateKey(env.name, 'platform'),
      useAzureadAuth: true,
    });
    new PlaceholderGuard(this, 'placeholder-guard', { environment: env.name, placeholders: placeholdersOf(env) });

    const kubeConfig = props.cluster.aks.cluster.kubeConfig.get(0);
    const connection = new ClusterConnection(this, 'connection', {
      host: kubeConfig.host,
      clusterCaCertificate: Fn.base64decode(kubeConfig.clusterCaCertificate),
      loginMode: env.platform.kubeLogin,
    });
    const built = buildFeatures(props.features ?? PLATFORM_FEATURES, { scope: this, env, cluster: props.cluster, connection });
    const f = built.outputs;
    this.features = f;
    this.featureConstructIds = built.constructIds;
    this.components = {
      namespaces: f.namespaces!,
      clusterRoles: f['kubeflow-roles'],
      certManager: f['cert-manager'],
      istio: f.istio,
      gpuOperator: f['gpu-operator'],
      trainer: f.trainer,
      katib: f.katib,
      pipelines: f.pipelines,
      kserve: f.kserve,
      access: accessComponents(f.access, f.dashboard, f.profiles),
      azureMysql: f.mysql,
      notebooks: f.notebooks,
      modelsWebApp: f['models-web-app'],
      modelRegistry: f['model-registry'],
      sparkOperator: f.spark,
      scrape: f.scrape,
      pipelinesAdvisories: f['pipelines-advisories'],
      tenantIsolation: f['tenant-isolation'],
    };
  }
}
