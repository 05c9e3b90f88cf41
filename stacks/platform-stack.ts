import { AzurermBackend, Fn, ITerraformDependable, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { CertManager } from '../constructs/platform/cert-manager';
import { ClusterConnection } from '../constructs/platform/cluster-connection';
import { Dashboard } from '../constructs/platform/dashboard';
import { EntraAuthentication } from '../constructs/platform/entra-authentication';
import { GATEWAY_TLS_SECRET, GatewayTls } from '../constructs/platform/gateway-tls';
import { GpuOperator } from '../constructs/platform/gpu-operator';
import { Istio } from '../constructs/platform/istio';
import { AzureMysqlAccess, MysqlConsumerName } from '../constructs/platform/azure-mysql';
import { KubeflowClusterRoles } from '../constructs/platform/kubeflow-roles';
import { Katib } from '../constructs/platform/katib';
import { KServe } from '../constructs/platform/kserve';
import { KubeflowAppProps } from '../constructs/platform/kubeflow-app';
import { KubeflowNamespaces } from '../constructs/platform/kubeflow-namespaces';
import { ModelRegistry } from '../constructs/platform/model-registry';
import { ModelsWebApp } from '../constructs/platform/models-web-app';
import { Notebooks } from '../constructs/platform/notebooks';
import { Oauth2Proxy } from '../constructs/platform/oauth2-proxy';
import { Pipelines } from '../constructs/platform/pipelines';
import { PipelinesAdvisoryMitigations, uiRefusalRoutePatch } from '../constructs/platform/pipelines-advisories';
import { MYSQL_ADMIN_LOGIN } from '../constructs/cluster/mysql-server';
import { PROVIDED_OUTSIDE, Prerequisite, readinessOf } from '../constructs/platform/prerequisites';
import { Profiles } from '../constructs/platform/profiles';
import { SparkOperator } from '../constructs/platform/spark-operator';
import { ScrapeObjects } from '../constructs/platform/scrape-objects';
import { StoreDiskSku, StoreVolumes } from '../constructs/platform/store-volumes';
import { Trainer } from '../constructs/platform/trainer';
import type { ResolvedEnvironment } from '../environments';
import { regionHasZones } from '../environments/data-stores';
import type { PrerequisiteSource } from '../environments/types';
import { ClusterStack } from './cluster-stack';
import { stateKey } from './state';
import { PlaceholderGuard } from '../constructs/common/placeholder-guard';
import { placeholdersOf } from '../environments/placeholders';

export interface PlatformStackProps {
  readonly env: ResolvedEnvironment;
  /** The environment's cluster stack: its outputs configure the providers. */
  readonly cluster: ClusterStack;
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
  /** Mitigations of open Pipelines advisories (scripts/versions/advisories.json), with Pipelines. */
  readonly pipelinesAdvisories?: PipelinesAdvisoryMitigations;
}

/**
 * The store volumes' disk SKU: zone-redundant in a prod environment spread over zones (a
 * store's pod can move to another zone with its disk), else the SKU of AKS's default class.
 */
function storeDiskSku(env: ResolvedEnvironment): StoreDiskSku {
  return env.stage === 'prod' && env.zones.length > 1 && regionHasZones(env.location) ? 'StandardSSD_ZRS' : 'StandardSSD_LRS';
}

function prerequisite<T extends { readonly ready: readonly unknown[] }>(source: PrerequisiteSource, installed: T | undefined): T | typeof PROVIDED_OUTSIDE | undefined {
  if (source === 'external') return PROVIDED_OUTSIDE;
  return installed;
}

/**
 * `<env>-platform`: everything inside Kubernetes. Providers are configured
 * from the cluster stack's outputs (a remote-state read), so the cluster is
 * never created and used in the same apply. Composes the platform constructs
 * the environment file enables; holds no resource details of its own.
 */
export class PlatformStack extends TerraformStack {
  public readonly components: PlatformComponents;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const env = props.env;
    const platform = env.platform;
    const access = env.access;
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
      loginMode: platform.kubeLogin,
    });
    // Validation guarantees these exist wherever a component below needs them.
    const required = <T,>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`${id}: ${what} is required here; environment validation should have refused this`);
      return value;
    };

    const c = platform.components;
    const namespaces = new KubeflowNamespaces(this, 'namespaces', { provider: connection.kubernetes });
    const acme = access?.tls.mode === 'acme' ? access.tls : undefined;
    const certManager = c.certManager === 'install'
      ? new CertManager(this, 'cert-manager', {
        connection,
        azureWorkloadIdentity: acme ? { clientId: required(props.cluster.dnsChallengeIdentity, 'the DNS challenge identity').identity.clientId } : undefined,
        valuesOverride: platform.values.certManager,
      })
      : undefined;
    const istio = c.istio === 'install'
      ? new Istio(this, 'istio', {
        connection,
        namespaces,
        publicIngress: platform.publicIngress,
        ...(access ? { tls: { host: access.host, credentialName: access.tls.mode === 'acme' ? GATEWAY_TLS_SECRET : access.tls.secretName } } : {}),
        valuesOverride: { istiod: platform.values.istiod, gateway: platform.values.istioGateway },
      })
      : undefined;
    const certManagerPrerequisite = prerequisite(c.certManager, certManager);
    const istioPrerequisite = prerequisite(c.istio, istio);
    let gatewaySecured: readonly ITerraformDependable[] = [];
    const kubeflowApp = (): KubeflowAppProps => ({
      connection,
      namespaces,
      certManager: required(certManagerPrerequisite, 'cert-manager') as Prerequisite<CertManager>,
      istio: required(istioPrerequisite, 'Istio') as Prerequisite<Istio>,
      gatewaySecured,
    });

    // In-cluster stores keep their volumes (claims kept on uninstall, disks retained) unless the environment says otherwise.
    // SeaweedFS keeps its cluster disk even when it mirrors to Azure Blob; Katib's MySQL is not rendered with the Azure server.
    const storesInCluster = c.pipelines || (c.katib && env.dataStores.mysql.kind === 'in-cluster') || c.modelRegistry;
    const storeVolumes = storesInCluster
      ? new StoreVolumes(this, 'store-volumes', {
        connection,
        diskSku: storeDiskSku(env),
        deleteDataOnRemoval: env.dataStores.deleteDataOnRemoval,
        dependsOn: namespaces.ready,
      })
      : undefined;
    const stores = (): { storeVolumes: StoreVolumes } => ({ storeVolumes: required(storeVolumes, 'the store volumes\' StorageClass') });

    const mysqlServer = props.cluster.mysql;
    const consumers: MysqlConsumerName[] = [...(c.pipelines ? ['pipelines', 'metadata'] as const : []), ...(c.katib ? ['katib'] as const : [])];
    const azureMysql = mysqlServer && consumers.length > 0
      ? new AzureMysqlAccess(this, 'azure-mysql', {
        host: mysqlServer.server.fqdn,
        adminLogin: MYSQL_ADMIN_LOGIN,
        adminPassword: mysqlServer.adminPassword.value,
        consumers,
        dependsOn: namespaces.ready,
        kubernetes: connection.kubernetes,
        helm: connection.helm,
        random: connection.random,
      })
      : undefined;

    const gpuPools = env.gpuPools;
    let accessComponents: AccessComponents | undefined;
    if (access) {
      const clientId = required(props.cluster.entraApplication, 'the Entra application of the cluster stack').clientId;
      const machineToMachine = access.machineToMachine
        ? { issuerUrl: props.cluster.aks.cluster.oidcIssuerUrl, audience: access.machineToMachineAudience }
        : undefined;
      const istioForAccess = required(istioPrerequisite, 'Istio') as Prerequisite<Istio>;
      const oauth2Proxy = new Oauth2Proxy(this, 'oauth2-proxy', {
        connection,
        istio: istioForAccess,
        tenantId: access.tenantId,
        clientId,
        host: access.host,
        allowedGroupObjectIds: access.allowedGroupObjectIds,
        machineToMachine,
      });
      const authentication = new EntraAuthentication(this, 'entra-authentication', {
        connection,
        istio: istioForAccess,
        oauth2Proxy,
        tenantId: access.tenantId,
        clientId,
        machineToMachine,
      });
      gatewaySecured = authentication.ready;
      const tls = acme
        ? new GatewayTls(this, 'gateway-tls', {
          connection,
          host: access.host,
          certManager: required(certManager, 'cert-manager'),
          acme: {
            email: acme.email,
            server: acme.server ?? 'production',
            dnsZone: acme.dnsZone,
            identityClientId: required(props.cluster.dnsChallengeIdentity, 'the DNS challenge identity').identity.clientId,
          },
        })
        : undefined;
      const dashboard = new Dashboard(this, 'dashboard', {
        ...kubeflowApp(),
        apps: { notebooks: env.notebooks.enabled, katib: c.katib, pipelines: c.pipelines, modelsWebApp: c.modelsWebApp, modelRegistry: c.modelRegistry },
      });
      const profiles = new Profiles(this, 'profiles', { connection, dashboard, istio: istioForAccess, profiles: env.profiles });
      accessComponents = { oauth2Proxy, authentication, tls, dashboard, profiles };
    }

    const kserve = c.kserve
      ? new KServe(this, 'kserve', {
        connection,
        certManager: required(certManagerPrerequisite, 'cert-manager') as Prerequisite<CertManager>,
        istio: istioPrerequisite as Prerequisite<Istio> | undefined,
        mode: platform.kserveMode,
        ...(platform.knative === 'external' ? { knative: PROVIDED_OUTSIDE } : {}),
        valuesOverride: platform.values.kserve,
      })
      : undefined;

    // Without the dashboard, the Kubeflow cluster roles its bundle brings come on their own.
    const clusterRoles = !accessComponents && (c.istio === 'install' || c.katib || c.pipelines)
      ? new KubeflowClusterRoles(this, 'kubeflow-roles', {
        dependsOn: namespaces.ready,
        kustomizationProvider: connection.kustomization,
        helmProvider: connection.helm,
      })
      : undefined;

    const components: PlatformComponents = {
      namespaces,
      clusterRoles,
      certManager,
      istio,
      gpuOperator: c.gpuOperator
        ? new GpuOperator(this, 'gpu-operator', { connection, pools: gpuPools, valuesOverride: platform.values.gpuOperator })
        : undefined,
      trainer: c.trainer
        ? new Trainer(this, 'trainer', { connection, gpuPools, valuesOverride: platform.values.trainer })
        : undefined,
      katib: c.katib ? new Katib(this, 'katib', { ...kubeflowApp(), ...stores(), azureMysql }) : undefined,
      pipelines: c.pipelines ? new Pipelines(this, 'pipelines', { ...kubeflowApp(), ...stores(), patches: [uiRefusalRoutePatch()], largeTokenWorkaround: access !== undefined,
        azureMysql,
        ...(props.cluster.artifacts && env.dataStores.artifacts.kind === 'azure-blob' ? {
          blobMirror: {
            storageAccount: props.cluster.artifacts.storage.account.name,
            clientId: props.cluster.artifacts.identity.clientId,
            volumeSizeGb: env.dataStores.artifacts.volumeSizeGb,
          },
        } : {}),
      }) : undefined,
      kserve,
      access: accessComponents,
      azureMysql,
      notebooks: env.notebooks.enabled
        ? new Notebooks(this, 'notebooks', {
          ...kubeflowApp(),
          gpuPools,
          culling: env.notebooks.culling,
          idleMinutes: env.notebooks.idleMinutes,
          access: required(accessComponents, 'the access layer').authentication,
        })
        : undefined,
      modelsWebApp: c.modelsWebApp
        ? new ModelsWebApp(this, 'models-web-app', {
          ...kubeflowApp(),
          kserve: required(kserve, 'KServe'),
          access: required(accessComponents, 'the access layer').authentication,
        })
        : undefined,
      modelRegistry: c.modelRegistry
        ? new ModelRegistry(this, 'model-registry', { ...kubeflowApp(), ...stores(), access: required(accessComponents, 'the access layer').authentication })
        : undefined,
      sparkOperator: c.sparkOperator
        ? new SparkOperator(this, 'spark-operator', {
          connection,
          jobNamespaces: env.profiles.map((p) => p.name),
          dependsOn: accessComponents?.profiles.namespaces ?? [],
          kubeflowRoles: accessComponents !== undefined,
          valuesOverride: platform.values.sparkOperator,
        })
        : undefined,
    };
    const gpuOperator = components.gpuOperator;
    const scraped = { gpu: gpuOperator !== undefined, katib: c.katib, notebooks: env.notebooks.enabled, pipelines: c.pipelines, trainer: components.trainer };
    const scrape = env.monitoring.managedPrometheus && (scraped.gpu || scraped.katib || scraped.notebooks || scraped.pipelines || scraped.trainer)
      ? new ScrapeObjects(this, 'scrape', {
        connection,
        gpuOperator: gpuOperator ? { namespace: gpuOperator.namespace, ready: gpuOperator.ready } : undefined,
        katib: scraped.katib,
        notebooks: scraped.notebooks,
        pipelines: scraped.pipelines,
        trainer: scraped.trainer ? { namespace: scraped.trainer.namespace } : undefined,
        kubeflowNamespace: namespaces,
      })
      : undefined;
    const pipelinesAdvisories = components.pipelines
      // Beside Pipelines, not after it: the policies only need Istio's CRDs, and are in place as soon as the workloads are.
      ? new PipelinesAdvisoryMitigations(this, 'pipelines-advisories', { dependsOn: [...namespaces.ready, ...readinessOf(kubeflowApp().istio)], provider: connection.helm })
      : undefined;
    this.components = { ...components, scrape, pipelinesAdvisories };
  }
}
