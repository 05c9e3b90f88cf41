import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { AzurermBackend, Fn, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AksCluster, channelChangesVersion } from '../constructs/aks/aks-cluster';
import { ClusterInsights } from '../constructs/observability/cluster-insights';
import { ClusterNetwork } from '../constructs/network/cluster-network';
import { DiskEncryption } from '../constructs/aks/disk-encryption';
import { DnsChallengeIdentity } from '../constructs/access/dns-challenge-identity';
import { EntraApplication } from '../constructs/access/entra-application';
import { globalName, resourceName, storageAccountName } from '../constructs/lib/naming';
import { CpuNodePool, GpuNodePool } from '../constructs/node-pools/node-pools';
import { MonitoringWorkspace } from '../constructs/observability/monitoring-workspace';
import { ArtifactStorage } from '../constructs/artifacts/artifact-storage';
import { ClusterBackup } from '../constructs/backup/cluster-backup';
import { MysqlServer, adminVaultAllowedIpRanges } from '../constructs/mysql/mysql-server';
import { PrivateEndpointNetwork } from '../constructs/artifacts/private-storage';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { ManagedGrafana } from '../constructs/observability/managed-grafana';
import { PrometheusAlerts } from '../constructs/observability/prometheus-alerts';
import { migInstancesPerGpu } from '../constructs/node-pools/gpu-scheduling';
import { gpuRuleGroups } from '../constructs/observability/gpu-rules';
import { poolPrice } from '../constructs/observability/pool-prices';
import { CERT_MANAGER_SERVICE_ACCOUNT } from '../constructs/cert-manager/cert-manager';
import { OAUTH2_PROXY_SERVICE_ACCOUNT } from '../constructs/access/oauth2-proxy';
import type { ResolvedEnvironment } from '../environments';
import { vmSizeFacts } from '../catalog/vm-sizes';
import { stateKey } from './state';
import { PlaceholderGuard } from '../constructs/lib/placeholder-guard';
import { placeholdersOf } from '../environments/placeholders';
import { regionHasZones } from '../environments/data-stores';

export interface ClusterStackProps {
  readonly env: ResolvedEnvironment;
}

/** Whether the `kubeflow` namespace holds data on cluster disks (in-cluster MySQL, SeaweedFS-only artifacts, Model Registry's database). */
export function inClusterData(env: ResolvedEnvironment): boolean {
  const c = env.platform.components;
  return ((c.pipelines || c.katib) && env.dataStores.mysql.kind === 'in-cluster') || (c.pipelines && env.dataStores.artifacts.kind === 'in-cluster') || c.modelRegistry;
}

/**
 * `<env>-cluster`: every Azure resource of an environment. Composes the
 * cluster-layer constructs; holds no resource details of its own.
 */
export class ClusterStack extends TerraformStack {
  public readonly aks: AksCluster;
  public readonly cpuPool: CpuNodePool;
  public readonly gpuPools: readonly GpuNodePool[];
  /** The Entra ID application of the access layer, when the environment has one. */
  public readonly entraApplication?: EntraApplication;
  /** cert-manager's identity for ACME DNS-01 challenges, when TLS comes from ACME. */
  public readonly dnsChallengeIdentity?: DnsChallengeIdentity;
  /** The Azure MySQL server, with `dataStores.mysql: 'azure'`. */
  public readonly mysql?: MysqlServer;
  /** Azure Backup for AKS, with `dataStores.clusterBackup`. */
  public readonly backup?: ClusterBackup;
  /** The artifact Storage Account and SeaweedFS's identity, with `dataStores.artifacts: 'azure-blob'`. */
  public readonly artifacts?: ArtifactStorage;
  /** Prometheus rule groups and the action group, when managed Prometheus and alerts are on. */
  public readonly alerts?: PrometheusAlerts;
  /** Azure Managed Grafana with the GPU dashboard, when managed Prometheus and Grafana are on. */
  public readonly grafana?: ManagedGrafana;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id);
    const env = props.env;
    const tags = { ...env.tags, environment: env.name, 'managed-by': 'cdktf' };

    new AzurermBackend(this, {
      resourceGroupName: env.remoteState.resourceGroupName,
      storageAccountName: env.remoteState.storageAccountName,
      containerName: env.remoteState.containerName,
      key: stateKey(env.name, 'cluster'),
      useAzureadAuth: true,
    });
    new PlaceholderGuard(this, 'placeholder-guard', { environment: env.name, placeholders: placeholdersOf(env) });
    new AzurermProvider(this, 'azurerm', {
      features: [{
        keyVault: [{ purgeSoftDeleteOnDestroy: false, recoverSoftDeletedKeys: true }],
        resourceGroup: [{ preventDeletionIfContainsResources: true }],
      }],
      storageUseAzuread: true,
    });

    const group = new ResourceGroup(this, 'resource-group', { name: resourceName('rg', env.name), location: env.location, tags });
    const common = { environment: env.name, location: env.location, resourceGroupName: group.name, tags };

    const network = new ClusterNetwork(this, 'network', { ...common, vnetCidr: env.network.vnetCidr, nodeSubnetCidr: env.network.nodeSubnetCidr });
    const monitoring = new MonitoringWorkspace(this, 'monitoring', {
      ...common,
      logRetentionDays: env.monitoring.logRetentionDays,
      managedPrometheus: env.monitoring.managedPrometheus,
      preventDestroy: env.dataStores.keepData,
    });
    const encryption = env.security.diskEncryption === 'customer-managed'
      ? new DiskEncryption(this, 'disk-encryption', {
        ...common,
        keyVaultName: globalName('kv', env.name, env.remoteState.storageAccountName),
        allowedIpRanges: env.security.keyVaultAllowedIpRanges,
        preventDestroy: env.stage === 'prod',
      })
      : undefined;

    this.aks = new AksCluster(this, 'cluster', {
      ...common,
      kubernetesVersion: env.kubernetesVersion,
      skuTier: env.skuTier,
      apiAccess: env.apiAccess,
      adminGroupObjectIds: env.adminGroupObjectIds,
      tenantId: env.tenantId,
      nodeSubnetId: network.nodeSubnet.id,
      podCidr: env.network.podCidr,
      serviceCidr: env.network.serviceCidr,
      dnsServiceIp: env.network.dnsServiceIp,
      systemPool: env.systemPool,
      zones: env.zones,
      logAnalyticsWorkspaceId: monitoring.logAnalytics.id,
      managedPrometheus: env.monitoring.managedPrometheus,
      diskEncryptionSetId: encryption?.encryptionSet.id,
      dependsOn: encryption ? [encryption.keyAccess] : [],
      maintenance: env.maintenance,
      upgradeChannel: env.upgrades.channel,
      nodeOsUpgradeChannel: env.upgrades.nodeOsChannel,
      preventDestroy: env.stage === 'prod',
    });
    new ClusterInsights(this, 'insights', { ...common, cluster: this.aks.cluster, workspace: monitoring });
    ({ mysql: this.mysql, backup: this.backup, artifacts: this.artifacts } = this.dataStores(env, common, network, monitoring.logAnalytics.id, encryption));

    const poolBase = {
      kubernetesClusterId: this.aks.cluster.id,
      nodeSubnetId: network.nodeSubnet.id,
      kubernetesVersion: env.kubernetesVersion,
      versionFollowsChannel: channelChangesVersion(env.upgrades.channel),
      tags,
    };
    const cpu = env.cpuPool;
    this.cpuPool = new CpuNodePool(this, 'cpu-pool', {
      ...poolBase,
      ...cpu,
      zones: env.zones,
      ephemeralOsDisk: (vmSizeFacts(cpu.vmSize)?.ephemeralOsDiskMaxGb ?? 0) >= cpu.osDiskSizeGb,
    });
    this.gpuPools = env.gpuPools.map((pool) => new GpuNodePool(this, `gpu-pool-${pool.name}`, { ...poolBase, ...pool }));

    const observability = this.observability(env, common, monitoring);
    this.alerts = observability.alerts;
    this.grafana = observability.grafana;

    const access = env.access;
    if (access) {
      new AzureadProvider(this, 'azuread', { tenantId: access.tenantId });
      this.entraApplication = new EntraApplication(this, 'entra-application', {
        environment: env.name,
        host: access.host,
        application: access.application,
        allowedGroupObjectIds: access.allowedGroupObjectIds,
        oidcIssuerUrl: this.aks.cluster.oidcIssuerUrl,
        serviceAccount: OAUTH2_PROXY_SERVICE_ACCOUNT,
      });
      if (access.tls.mode === 'acme') {
        this.dnsChallengeIdentity = new DnsChallengeIdentity(this, 'dns-challenge-identity', {
          ...common,
          dnsZone: access.tls.dnsZone,
          host: access.host,
          oidcIssuerUrl: this.aks.cluster.oidcIssuerUrl,
          serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT,
        });
      }
    }

    this.outputs(env);
  }

  /** Managed MySQL, durable artifacts and the cluster's backup, as the environment asks. */
  private dataStores(env: ResolvedEnvironment, common: { environment: string; location: string; resourceGroupName: string; tags: Record<string, string> }, network: ClusterNetwork, logs: string, encryption: DiskEncryption | undefined): { mysql?: MysqlServer; backup?: ClusterBackup; artifacts?: ArtifactStorage } {
    const stores = env.dataStores;
    // Every Azure data store and its backups refuse deletion when the environment keeps its data.
    const stateful = stores.keepData;
    const mysql = stores.mysql.kind === 'azure' ? new MysqlServer(this, 'mysql', {
      ...common,
      vnet: network.vnet,
      settings: stores.mysql,
      random: new RandomProvider(this, 'random'),
      keyVaultName: globalName('kvdb', env.name, env.remoteState.storageAccountName),
      allowedIpRanges: adminVaultAllowedIpRanges(env),
      preventDestroy: stateful,
    }) : undefined;
    const endpoints = stores.privateEndpointSubnetCidr
      ? new PrivateEndpointNetwork(this, 'private-endpoints', { ...common, vnet: network.vnet, subnetCidr: stores.privateEndpointSubnetCidr })
      : undefined;
    // With customer-managed disk keys, the data Storage Accounts use a customer-managed key of the same vault.
    const storageKey = encryption && (stores.artifacts.kind === 'azure-blob' || stores.clusterBackup) ? encryption.storageKey() : undefined;
    const artifacts = stores.artifacts.kind === 'azure-blob' && endpoints ? new ArtifactStorage(this, 'artifacts', {
      ...common,
      network: endpoints,
      storageAccountName: storageAccountName('art', env.name, env.remoteState.storageAccountName),
      replication: stores.artifacts.replication,
      softDeleteDays: stores.artifacts.softDeleteDays,
      oidcIssuerUrl: this.aks.cluster.oidcIssuerUrl,
      preventDestroy: stateful,
      logAnalyticsWorkspaceId: logs,
      customerManagedKey: storageKey,
    }) : undefined;
    const backup = stores.clusterBackup && endpoints && new ClusterBackup(this, 'backup', {
      ...common,
      cluster: this.aks.cluster,
      clusterIdentity: this.aks.identity,
      network: endpoints,
      storageAccountName: storageAccountName('bk', env.name, env.remoteState.storageAccountName),
      customerManagedKey: storageKey,
      // Profile namespaces hold the users' notebooks, volumes and runs; `kubeflow` holds the in-cluster stores
      // when they are used (Model Registry's PostgreSQL always is).
      namespaces: [...env.profiles.map((p) => p.name), ...(inClusterData(env) ? ['kubeflow'] : [])],
      ...stores.clusterBackup,
      redundancy: env.stage === 'prod' && regionHasZones(env.location) ? 'ZoneRedundant' : 'LocallyRedundant',
      preventDestroy: stateful,
      logAnalyticsWorkspaceId: logs,
    });
    return { mysql: mysql || undefined, backup: backup || undefined, artifacts: artifacts || undefined };
  }

  /** Alert rules, the action group and Grafana: all read managed Prometheus, so none exists without it. */
  private observability(env: ResolvedEnvironment, common: { environment: string; location: string; resourceGroupName: string; tags: Record<string, string> }, monitoring: MonitoringWorkspace): { alerts?: PrometheusAlerts; grafana?: ManagedGrafana } {
    const workspace = monitoring.prometheus;
    if (!workspace) return {};
    const alerts = env.monitoring.alerts;
    let alertRules: PrometheusAlerts | undefined;
    if (alerts) {
      const groups = gpuRuleGroups({
        environment: env.name,
        pools: env.gpuPools.map((pool) => {
          const price = poolPrice(env.location, pool.vmSize, pool.spot);
          return {
            name: pool.name,
            vmSize: pool.vmSize,
            maxCount: pool.maxCount,
            gpusPerNode: pool.gpu.count * migInstancesPerGpu(pool),
            spot: pool.spot,
            migProfile: pool.migProfile,
            nodeUsdPerHour: price.nodeUsdPerHour,
            priceSource: price.source,
          };
        }),
        idleGpuMinutes: alerts.idleGpuMinutes,
        poolAtMaxMinutes: alerts.poolAtMaxMinutes,
        notebookCulling: env.notebooks.enabled && env.notebooks.culling
          ? { idleMinutes: env.notebooks.idleMinutes, profileNamespaces: env.profiles.map((p) => p.name) }
          : undefined,
      });
      alertRules = new PrometheusAlerts(this, 'alerts', {
        ...common,
        cluster: this.aks.cluster,
        workspace,
        groups,
        emails: alerts.emails,
        webhooks: alerts.webhooks,
      });
    }
    const grafana = env.monitoring.grafana
      ? new ManagedGrafana(this, 'grafana', {
        ...common,
        workspace,
        adminGroupObjectIds: env.adminGroupObjectIds,
        zoneRedundant: env.stage === 'prod',
      })
      : undefined;
    return { alerts: alertRules, grafana };
  }

  private outputs(env: ResolvedEnvironment): void {
    const cluster = this.aks.cluster;
    new TerraformOutput(this, 'cluster_id', { value: cluster.id, description: 'Resource id of the AKS cluster.' });
    new TerraformOutput(this, 'cluster_name', { value: cluster.name });
    new TerraformOutput(this, 'resource_group_name', { value: cluster.resourceGroupName });
    new TerraformOutput(this, 'oidc_issuer_url', { value: cluster.oidcIssuerUrl, description: 'Issuer for workload identity federation.' });
    // kube_config is a sensitive attribute as a whole, so everything read from it is too.
    new TerraformOutput(this, 'api_server_host', { value: cluster.kubeConfig.get(0).host, sensitive: true });
    new TerraformOutput(this, 'cluster_ca_certificate', { value: Fn.base64decode(cluster.kubeConfig.get(0).clusterCaCertificate), sensitive: true });
    new TerraformOutput(this, 'gpu_pools', {
      description: 'Taints, labels, tolerations and node selector of each GPU pool, for the platform layer.',
      value: Object.fromEntries(this.gpuPools.map((pool, i) => [env.gpuPools[i].name, {
        vm_size: env.gpuPools[i].vmSize,
        gpu_count: env.gpuPools[i].gpu.count,
        spot: env.gpuPools[i].spot,
        driver: env.gpuPools[i].driver,
        taints: pool.scheduling.taints,
        labels: pool.scheduling.labels,
        node_selector: pool.scheduling.nodeSelector,
      }])),
    });
  }
}
