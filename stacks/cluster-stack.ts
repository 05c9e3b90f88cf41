import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { AzurermBackend, Fn, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AksCluster, channelChangesVersion } from '../constructs/cluster/aks-cluster';
import { ClusterInsights } from '../constructs/cluster/cluster-insights';
import { ClusterNetwork } from '../constructs/cluster/cluster-network';
import { DiskEncryption } from '../constructs/cluster/disk-encryption';
import { DnsChallengeIdentity } from '../constructs/cluster/dns-challenge-identity';
import { EntraApplication } from '../constructs/cluster/entra-application';
import { globalName, resourceName } from '../constructs/cluster/naming';
import { CpuNodePool, GpuNodePool } from '../constructs/cluster/node-pools';
import { MonitoringWorkspace } from '../constructs/cluster/monitoring-workspace';
import { ManagedGrafana } from '../constructs/cluster/managed-grafana';
import { PrometheusAlerts } from '../constructs/cluster/prometheus-alerts';
import { migInstancesPerGpu } from '../constructs/cluster/gpu-scheduling';
import { gpuRuleGroups } from '../constructs/observability/gpu-rules';
import { poolPrice } from '../constructs/observability/pool-prices';
import { CERT_MANAGER_SERVICE_ACCOUNT } from '../constructs/platform/cert-manager';
import { OAUTH2_PROXY_SERVICE_ACCOUNT } from '../constructs/platform/oauth2-proxy';
import type { ResolvedEnvironment } from '../environments';
import { vmSizeFacts } from '../environments/vm-sizes';
import { stateKey } from './state';
import { PlaceholderGuard } from '../constructs/common/placeholder-guard';
import { placeholdersOf } from '../environments/placeholders';

export interface ClusterStackProps {
  readonly env: ResolvedEnvironment;
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
    });
    const encryption = env.security.diskEncryption === 'customer-managed'
      ? new DiskEncryption(this, 'disk-encryption', {
        ...common,
        keyVaultName: globalName('kv', env.name, env.remoteState.storageAccountName),
        allowedIpRanges: env.security.keyVaultAllowedIpRanges,
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
          oidcIssuerUrl: this.aks.cluster.oidcIssuerUrl,
          serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT,
        });
      }
    }

    this.outputs(env);
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
