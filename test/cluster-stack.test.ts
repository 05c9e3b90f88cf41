import { AKS_SUPPORT, supportedMinors } from '../catalog/aks-support';
import { Testing } from 'cdktf';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { DiskEncryptionSet } from '@cdktf/provider-azurerm/lib/disk-encryption-set';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorDataCollectionRule } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule';
import { MonitorWorkspace } from '@cdktf/provider-azurerm/lib/monitor-workspace';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { readFileSync } from 'fs';
import { AksCluster } from '../constructs/aks/aks-cluster';
import { GRAFANA_CREATE_MAJOR_VERSION, GRAFANA_MAJOR_VERSION } from '../catalog/versions';
import { gpuDashboardFile } from '../constructs/observability/managed-grafana';
import { gpuRuleGroups } from '../constructs/observability/gpu-rules';
import { costEnvelope } from '../scripts/preview/cost';
import type { StackJson } from '../scripts/preview/synthesized';
import { dev } from './fixtures/environments';
import { prod } from './fixtures/environments';
import { staging } from './fixtures/environments';
import { devWith, onlyResource, resourcesOfType, synthCluster } from './helpers';

const devStack = synthCluster(dev);
const prodStack = synthCluster(prod);
const devCluster = onlyResource(devStack.parsed, 'azurerm_kubernetes_cluster');
const prodCluster = onlyResource(prodStack.parsed, 'azurerm_kubernetes_cluster');

describe('AKS baseline (every environment)', () => {
  test.each([['dev', devStack.json], ['prod', prodStack.json]])('%s: Entra ID with Azure RBAC, no local accounts, workload identity', (_env, json) => {
    expect(json).toHaveResourceWithProperties(KubernetesCluster, {
      local_account_disabled: true,
      role_based_access_control_enabled: true,
      azure_active_directory_role_based_access_control: { azure_rbac_enabled: true, admin_group_object_ids: dev.adminGroupObjectIds, tenant_id: dev.tenantId },
      oidc_issuer_enabled: true,
      workload_identity_enabled: true,
    });
  });

  test('Azure CNI overlay with Cilium network policy and the environment ranges', () => {
    expect(devCluster).toMatchObject({
      network_profile: {
        network_plugin: 'azure',
        network_plugin_mode: 'overlay',
        network_policy: 'cilium',
        network_data_plane: 'cilium',
        pod_cidr: '192.168.0.0/16',
        service_cidr: '172.16.0.0/16',
        dns_service_ip: '172.16.0.10',
      },
    });
  });

  test('add-ons: Azure Policy, Key Vault secrets provider with rotation, no HTTP application routing', () => {
    expect(devCluster).toMatchObject({
      azure_policy_enabled: true,
      http_application_routing_enabled: false,
      key_vault_secrets_provider: { secret_rotation_enabled: true, secret_rotation_interval: '2m' },
    });
  });

  test('Container Insights with managed identity and managed Prometheus', () => {
    expect(devCluster.oms_agent).toEqual({ log_analytics_workspace_id: expect.stringContaining('azurerm_log_analytics_workspace.'), msi_auth_for_monitoring_enabled: true });
    expect(devCluster.monitor_metrics).toEqual({});
    expect(devStack.json).toHaveResourceWithProperties(MonitorWorkspace, { name: 'amw-kubeflow-dev' });
    const rules = Object.values(resourcesOfType(devStack.parsed, 'azurerm_monitor_data_collection_rule'));
    expect(rules.map((r) => (r.data_flow as { streams: string[] }[])[0].streams[0]).sort()).toEqual(['Microsoft-ContainerInsights-Group-Default', 'Microsoft-PrometheusMetrics']);
    expect(Object.keys(resourcesOfType(devStack.parsed, 'azurerm_monitor_data_collection_rule_association'))).toHaveLength(3);
  });

  test('without managed Prometheus: no metrics add-on, no Prometheus workspace or rules', () => {
    const { parsed, json } = synthCluster(devWith({ monitoring: { managedPrometheus: false } }));
    expect(onlyResource(parsed, 'azurerm_kubernetes_cluster').monitor_metrics).toBeUndefined();
    expect(json).not.toHaveResource(MonitorWorkspace);
    expect(Object.keys(resourcesOfType(parsed, 'azurerm_monitor_data_collection_rule'))).toHaveLength(1);
  });

  test('Log Analytics: retention from the environment, local authentication off', () => {
    expect(devStack.json).toHaveResourceWithProperties(LogAnalyticsWorkspace, { retention_in_days: 30, local_authentication_enabled: false });
    expect(prodStack.json).toHaveResourceWithProperties(LogAnalyticsWorkspace, { retention_in_days: 90 });
  });

  test('automatic upgrades and node OS upgrades in a weekly maintenance window', () => {
    expect(devCluster).toMatchObject({
      automatic_upgrade_channel: 'patch',
      node_os_upgrade_channel: 'NodeImage',
      maintenance_window_auto_upgrade: { frequency: 'Weekly', interval: 1, day_of_week: 'Sunday', start_time: '02:00', duration: 4, utc_offset: '+00:00' },
      maintenance_window_node_os: { frequency: 'Weekly', day_of_week: 'Sunday', start_time: '02:00', duration: 4 },
    });
    expect(prodCluster).toMatchObject({
      automatic_upgrade_channel: 'patch',
      maintenance_window_auto_upgrade: { day_of_week: 'Saturday', start_time: '01:00', duration: 6 },
    });
  });

  test('system pool: critical add-ons only, ephemeral OS disk, host encryption, explicit max pods, no public IPs', () => {
    expect(devCluster.default_node_pool).toMatchObject({
      name: 'system',
      vm_size: 'Standard_D2ds_v5',
      only_critical_addons_enabled: true,
      os_disk_type: 'Ephemeral',
      os_disk_size_gb: 64,
      host_encryption_enabled: true,
      max_pods: 110,
      node_public_ip_enabled: false,
      auto_scaling_enabled: true,
      min_count: 1,
      max_count: 2,
      type: 'VirtualMachineScaleSets',
      temporary_name_for_rotation: 'systemtmp',
    });
  });

  test('security flags are literals, not tokens, so scanners read them', () => {
    const flags = ['local_account_disabled', 'azure_policy_enabled', 'oidc_issuer_enabled', 'workload_identity_enabled', 'private_cluster_enabled', 'role_based_access_control_enabled'];
    for (const flag of flags) expect(typeof prodCluster[flag]).toBe('boolean');
    const pool = prodCluster.default_node_pool as Record<string, unknown>;
    expect(typeof pool.host_encryption_enabled).toBe('boolean');
    expect(typeof pool.max_pods).toBe('number');
  });

  test('the control plane has its own identity with Network Contributor on the node subnet, before the cluster', () => {
    expect(devCluster.identity).toEqual({ type: 'UserAssigned', identity_ids: [expect.stringContaining('azurerm_user_assigned_identity.')] });
    expect(devStack.json).toHaveResourceWithProperties(RoleAssignment, { role_definition_name: 'Network Contributor', scope: expect.stringContaining('azurerm_subnet.') });
    expect(devCluster.depends_on).toEqual([expect.stringContaining('azurerm_role_assignment.cluster_subnet-network-contributor')]);
  });
});

describe('API access', () => {
  test('public (dev): authorized ranges only, not private', () => {
    expect(devCluster.private_cluster_enabled).toBe(false);
    expect(devCluster.api_server_access_profile).toEqual({ authorized_ip_ranges: ['203.0.113.0/24'] });
  });

  test('private (prod): no public FQDN, no authorized ranges', () => {
    expect(prodCluster.private_cluster_enabled).toBe(true);
    expect(prodCluster.private_cluster_public_fqdn_enabled).toBe(false);
    expect(prodCluster.api_server_access_profile).toBeUndefined();
  });
});

describe('SKU tier, zones and Kubernetes version', () => {
  test('tier comes from the environment', () => {
    expect(devCluster.sku_tier).toBe('Free');
    expect(prodCluster.sku_tier).toBe('Standard');
  });

  test('zones apply to the system and CPU pools', () => {
    expect((prodCluster.default_node_pool as Record<string, unknown>).zones).toEqual(['1', '2', '3']);
    expect(prodStack.json).toHaveResourceWithProperties(KubernetesClusterNodePool, { name: 'platform', zones: ['1', '2', '3'] });
    expect((devCluster.default_node_pool as Record<string, unknown>).zones).toEqual([]);
  });

  const patchOf = (minor: string) => AKS_SUPPORT.minors[minor].patches[0];
  const newest = supportedMinors(new Date()).at(-1)!;

  test('nodes follow the control-plane version', () => {
    const version = patchOf(newest);
    const { parsed } = synthCluster(devWith({ kubernetesVersion: version, upgrades: { channel: 'node-image' } }));
    const cluster = onlyResource(parsed, 'azurerm_kubernetes_cluster');
    expect(cluster.kubernetes_version).toBe(version);
    expect((cluster.default_node_pool as Record<string, unknown>).orchestrator_version).toBe(version);
    for (const pool of Object.values(resourcesOfType(parsed, 'azurerm_kubernetes_cluster_node_pool'))) expect(pool.orchestrator_version).toBe(version);
  });

  test('a version-changing channel: AKS\'s own upgrades are not drift, a new minor in the file is applied by az aks upgrade', () => {
    const { parsed } = synthCluster(devWith({ kubernetesVersion: newest, upgrades: { channel: 'patch' } }));
    const cluster = onlyResource(parsed, 'azurerm_kubernetes_cluster');
    expect(cluster.lifecycle).toMatchObject({ ignore_changes: ['kubernetes_version', 'default_node_pool[0].orchestrator_version'] });
    for (const pool of Object.values(resourcesOfType(parsed, 'azurerm_kubernetes_cluster_node_pool'))) expect(pool.lifecycle).toEqual({ ignore_changes: ['orchestrator_version'] });
    const keeper = Object.entries(resourcesOfType(parsed, 'terraform_data')).find(([id]) => id.startsWith('cluster_minor-upgrade'))![1];
    expect(keeper.triggers_replace).toEqual({ minor: newest });
    const action = (keeper.provisioner as { 'local-exec': { command: string; environment: Record<string, string> } }[])[0]['local-exec'];
    expect(action.command).toContain('az aks upgrade --resource-group "$RESOURCE_GROUP" --name "$CLUSTER" --kubernetes-version "$MINOR" --yes');
    expect(action.environment).toEqual({ RESOURCE_GROUP: expect.stringMatching(/^\$\{azurerm_resource_group\./), CLUSTER: expect.stringMatching(/^\$\{azurerm_kubernetes_cluster\./), MINOR: newest });
  });

  test('channel node-image: the version in the file is the version, nothing ignored, no upgrade action', () => {
    const { parsed } = synthCluster(devWith({ kubernetesVersion: newest, upgrades: { channel: 'node-image' } }));
    expect(onlyResource(parsed, 'azurerm_kubernetes_cluster').lifecycle).toEqual({ prevent_destroy: false });
    expect(Object.keys(resourcesOfType(parsed, 'terraform_data')).filter((id) => id.includes('minor-upgrade'))).toEqual([]);
  });
});

describe('network', () => {
  test('virtual network and node subnet from the environment, with a security group on the subnet', () => {
    expect(devStack.json).toHaveResourceWithProperties(VirtualNetwork, { name: 'vnet-kubeflow-dev', address_space: ['10.10.0.0/16'] });
    expect(devStack.json).toHaveResourceWithProperties(Subnet, { address_prefixes: ['10.10.0.0/22'] });
    expect(Object.keys(resourcesOfType(devStack.parsed, 'azurerm_subnet_network_security_group_association'))).toHaveLength(1);
  });
});

describe('disk encryption', () => {
  test('platform keys (dev): no disk encryption set, no Key Vault', () => {
    expect(devCluster.disk_encryption_set_id).toBeUndefined();
    expect(devStack.json).not.toHaveResource(KeyVault);
  });

  test('customer-managed (prod): HSM key in a purge-protected, RBAC, firewalled Key Vault; the cluster uses the set', () => {
    expect(prodStack.json).toHaveResourceWithProperties(KeyVault, {
      sku_name: 'premium',
      purge_protection_enabled: true,
      rbac_authorization_enabled: true,
      network_acls: { default_action: 'Deny', bypass: 'AzureServices', ip_rules: ['198.51.100.10'] },
    });
    // The disk key; the prod fixture's data Storage Accounts have a key of their own (test/data-stores.test.ts).
    const diskKey = Object.values(resourcesOfType(prodStack.parsed, 'azurerm_key_vault_key')).find((k) => k.name === 'disk-prod');
    expect(diskKey).toMatchObject({ key_type: 'RSA-HSM', key_size: 3072, rotation_policy: { expire_after: 'P1Y' } });
    expect(prodStack.json).toHaveResourceWithProperties(DiskEncryptionSet, { auto_key_rotation_enabled: true, identity: { type: 'SystemAssigned' } });
    expect(prodCluster.disk_encryption_set_id).toMatch(/azurerm_disk_encryption_set\./);
    const grants = Object.values(resourcesOfType(prodStack.parsed, 'azurerm_role_assignment')).map((r) => r.role_definition_name);
    expect(grants).toEqual(expect.arrayContaining(['Key Vault Crypto Service Encryption User', 'Key Vault Crypto Officer', 'Reader']));
    // The cluster waits for the encryption set's key grant and its own read access.
    expect(prodCluster.depends_on).toEqual(expect.arrayContaining([
      expect.stringContaining('encryption-set-key-access'),
      expect.stringContaining('disk-encryption-set-reader'),
    ]));
  });

  test('customer-managed keys can be asked for in any environment', () => {
    // A firewalled vault must admit the runner that deploys (environments/delivery.ts).
    const { json } = synthCluster(devWith({ security: { diskEncryption: 'customer-managed', keyVaultAllowedIpRanges: ['198.51.100.10'] } }));
    expect(json).toHaveResource(DiskEncryptionSet);
  });
});

describe('CPU platform pool', () => {
  test('autoscaling user pool with host encryption, labels and explicit max pods', () => {
    expect(devStack.json).toHaveResourceWithProperties(KubernetesClusterNodePool, {
      name: 'platform',
      mode: 'User',
      vm_size: 'Standard_D4ds_v5',
      auto_scaling_enabled: true,
      min_count: 1,
      max_count: 3,
      max_pods: 110,
      host_encryption_enabled: true,
      node_public_ip_enabled: false,
      node_labels: { 'platform.kubeflow-aks.io/pool': 'platform', 'platform.kubeflow-aks.io/workload': 'platform' },
    });
  });

  test('uses an ephemeral OS disk when the size has room, a managed one otherwise', () => {
    expect(devStack.json).toHaveResourceWithProperties(KubernetesClusterNodePool, { name: 'platform', os_disk_type: 'Ephemeral' });
    const { json } = synthCluster(devWith({ cpuPool: { vmSize: 'Standard_D4s_v5', minCount: 1, maxCount: 2 } }));
    expect(json).toHaveResourceWithProperties(KubernetesClusterNodePool, { name: 'platform', os_disk_type: 'Managed' });
  });
});

describe('remote state, protection and outputs', () => {
  test('azurerm backend per environment with Entra ID auth and one key per stack', () => {
    expect(devStack.parsed.terraform.backend).toEqual({
      azurerm: { resource_group_name: 'rg-kubeflow-tfstate', storage_account_name: 'stkubeflowtfstatedev', container_name: 'tfstate', key: 'dev/cluster.tfstate', use_azuread_auth: true },
    });
  });

  test('no terraform.required_version in the output (checkov cannot read it)', () => {
    expect(prodStack.parsed.terraform.required_version).toBeUndefined();
  });

  test('prevent_destroy on the prod cluster only', () => {
    expect(prodCluster.lifecycle).toMatchObject({ prevent_destroy: true });
    expect(devCluster.lifecycle).toMatchObject({ prevent_destroy: false });
    expect(synthCluster(staging).parsed.resource.azurerm_kubernetes_cluster).toBeDefined();
  });

  test('outputs for the platform layer; those read from kube_config are sensitive', () => {
    const outputs = prodStack.parsed.output!;
    expect(Object.keys(outputs).sort()).toEqual(['api_server_host', 'cluster_ca_certificate', 'cluster_id', 'cluster_name', 'gpu_pools', 'oidc_issuer_url', 'resource_group_name']);
    expect(outputs.api_server_host.sensitive).toBe(true);
    expect(outputs.cluster_ca_certificate.sensitive).toBe(true);
    expect(outputs.oidc_issuer_url.sensitive).toBeUndefined();
  });

  test('the gpu_pools output carries each pool\'s taints, labels and selector', () => {
    const pools = devStack.parsed.output!.gpu_pools.value as Record<string, { taints: unknown[]; node_selector: unknown; spot: boolean }>;
    expect(Object.keys(pools)).toEqual(['t4spot']);
    expect(pools.t4spot.spot).toBe(true);
    expect(pools.t4spot.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      { key: 'kubernetes.azure.com/scalesetpriority', value: 'spot', effect: 'NoSchedule' },
    ]);
    expect(pools.t4spot.node_selector).toEqual({ 'platform.kubeflow-aks.io/gpu-pool': 't4spot' });
  });

  test('every Azure resource is tagged with the environment', () => {
    const tagged = ['azurerm_resource_group', 'azurerm_virtual_network', 'azurerm_kubernetes_cluster', 'azurerm_kubernetes_cluster_node_pool', 'azurerm_log_analytics_workspace'];
    for (const type of tagged) {
      for (const resource of Object.values(resourcesOfType(devStack.parsed, type))) {
        expect(resource.tags).toMatchObject({ environment: 'dev', 'managed-by': 'cdktf', owner: 'ml-platform' });
      }
    }
  });
});

describe('Testing.synthScope on a single construct', () => {
  test('the AKS cluster construct can be used on its own', () => {
    const json = Testing.synthScope((scope) => {
      new AksCluster(scope, 'cluster', {
        environment: 'lab',
        location: 'westeurope',
        resourceGroupName: 'rg-lab',
        kubernetesVersion: '1.33',
        apiAccess: { mode: 'private' },
        adminGroupObjectIds: ['5f1c7a3e-0d2b-4c8e-9a61-3b7e2d9f0a11'],
        nodeSubnetId: '/subscriptions/x/subnets/nodes',
        podCidr: '192.168.0.0/16',
        serviceCidr: '172.16.0.0/16',
        dnsServiceIp: '172.16.0.10',
        systemPool: { vmSize: 'Standard_D4ds_v5', minCount: 1, maxCount: 3 },
        logAnalyticsWorkspaceId: '/subscriptions/x/workspaces/log',
      });
    });
    expect(json).toHaveResourceWithProperties(KubernetesCluster, { sku_tier: 'Standard', automatic_upgrade_channel: 'patch', private_cluster_enabled: true });
    expect(json).not.toHaveResource(MonitorDataCollectionRule);
  });
});

describe('GPU alerts, action group and Grafana (managed Prometheus on)', () => {
  const KEY_VAULT = '/subscriptions/55555555-6666-4777-8888-999999999999/resourceGroups/rg-alerts/providers/Microsoft.KeyVault/vaults/kv-alerts';
  const ruleGroups = (parsed: typeof devStack.parsed) => Object.values(resourcesOfType(parsed, 'azurerm_monitor_alert_prometheus_rule_group')) as {
    name: string; interval: string; scopes: string[]; cluster_name: string;
    rule: { alert?: string; record?: string; expression: string; for?: string; severity?: number; annotations?: Record<string, string>; labels?: Record<string, string>; action?: { action_group_id: string }[] }[];
  }[];
  const alertsOf = (parsed: typeof devStack.parsed) => ruleGroups(parsed).flatMap((g) => g.rule.filter((r) => r.alert));

  test('a recording and an alert rule group on the monitor workspace, for the cluster\'s data', () => {
    const groups = ruleGroups(devStack.parsed);
    expect(groups.map((g) => g.name).sort()).toEqual(['kubeflow-gpu-alerts-dev', 'kubeflow-gpu-recording-dev']);
    for (const g of groups) {
      expect(g.interval).toBe('PT1M');
      expect(g.scopes).toEqual([expect.stringMatching(/^\$\{azurerm_monitor_workspace\..*\.id\}$/)]);
      expect(g.cluster_name).toMatch(/azurerm_kubernetes_cluster\..*\.name/);
    }
    expect(groups.find((g) => g.name.includes('recording'))!.rule.map((r) => r.record)).toEqual(['kubeflow:gpu_utilisation:ratio', 'kubeflow:gpu_memory_used:ratio', 'kubeflow:gpu_power:watts', 'kubeflow:gpu_allocated:count', 'kubeflow:gpu_pool_nodes:count']);
  });

  test('XID, memory, idle and pool-at-max alerts per pool, and notebook culling with culling on', () => {
    expect(alertsOf(devStack.parsed).map((r) => `${r.alert}${r.labels?.gpu_pool ? `/${r.labels.gpu_pool}` : ''}`)).toEqual([
      'KubeflowGpuXidError', 'KubeflowGpuMemoryNearFull', 'KubeflowGpuAllocatedIdle/t4spot', 'KubeflowGpuPoolAtMax/t4spot', 'KubeflowNotebookCullingNotHappening',
    ]);
  });

  test('the idle alert waits the configured time and states the pool\'s hourly price for its region', () => {
    const idle = alertsOf(synthCluster(devWith({ monitoring: { alerts: { idleGpuMinutes: 45 } } })).parsed).find((r) => r.alert === 'KubeflowGpuAllocatedIdle')!;
    expect(idle.for).toBe('PT45M');
    expect(idle.expression).toBe('kubeflow:gpu_utilisation:ratio{gpu_pool="t4spot", exported_pod!=""} < 0.01');
    expect(idle.annotations?.description).toMatch(/The pool costs \d+\.\d+ USD per node-hour \(\d+\.\d+ per GPU\), spot, price table westeurope \d{4}-\d{2}-\d{2}\./);
  });

  test('a region without prices says "unknown"', () => {
    const elsewhere = alertsOf(synthCluster(devWith({ location: 'eastus' })).parsed).find((r) => r.alert === 'KubeflowGpuAllocatedIdle')!;
    expect(elsewhere.annotations?.description).toContain('The pool costs unknown (no spot price for Standard_NC4as_T4_v3 in the price table).');
  });

  test('pool at max compares with the pool\'s maxCount', () => {
    const atMax = alertsOf(devStack.parsed).find((r) => r.alert === 'KubeflowGpuPoolAtMax')!;
    expect(atMax.expression).toBe(`kubeflow:gpu_pool_nodes:count{gpu_pool="t4spot"} >= ${dev.gpuPools![0].maxCount}`);
    expect(atMax.for).toBe('PT1H');
  });

  test('without receivers there is no action group, and alerts notify nobody', () => {
    expect(resourcesOfType(devStack.parsed, 'azurerm_monitor_action_group')).toEqual({});
    expect(alertsOf(devStack.parsed).every((r) => r.action === undefined)).toBe(true);
  });

  test('email and webhook receivers: the webhook URL is read from Key Vault, never written into the stack', () => {
    const { parsed } = synthCluster(devWith({ monitoring: { alerts: { emails: ['gpu@example.com'], webhooks: [{ name: 'teams', keyVaultId: KEY_VAULT, secretName: 'teams-url' }] } } }));
    const group = onlyResource(parsed, 'azurerm_monitor_action_group') as { short_name: string; email_receiver: { email_address: string }[]; webhook_receiver: { name: string; service_uri: string }[] };
    expect(group.short_name.length).toBeLessThanOrEqual(12);
    expect(group.email_receiver.map((r) => r.email_address)).toEqual(['gpu@example.com']);
    expect(group.webhook_receiver).toEqual([expect.objectContaining({ name: 'teams', service_uri: expect.stringMatching(/^\$\{data\.azurerm_key_vault_secret\..*\.value\}$/) })]);
    const secret = Object.values((parsed.data as Record<string, Record<string, Record<string, unknown>>>).azurerm_key_vault_secret)[0];
    expect(secret).toMatchObject({ name: 'teams-url', key_vault_id: KEY_VAULT });
    expect(alertsOf(parsed).every((r) => r.action?.[0].action_group_id.startsWith('${azurerm_monitor_action_group.'))).toBe(true);
  });

  test('Grafana: Entra ID only, linked to the monitor workspace, admins from the environment, reads metrics with its identity', () => {
    const grafana = onlyResource(devStack.parsed, 'azurerm_dashboard_grafana') as Record<string, unknown>;
    expect(grafana).toMatchObject({
      api_key_enabled: false,
      grafana_major_version: '11',
      sku: 'Standard',
      identity: { type: 'SystemAssigned' },
      azure_monitor_workspace_integrations: [{ resource_id: expect.stringMatching(/^\$\{azurerm_monitor_workspace\./) }],
    });
    const roles = Object.values(resourcesOfType(devStack.parsed, 'azurerm_role_assignment')) as { role_definition_name: string; principal_id: string; scope: string }[];
    expect(roles).toContainEqual(expect.objectContaining({ role_definition_name: 'Monitoring Data Reader', principal_id: expect.stringContaining('azurerm_dashboard_grafana.'), scope: expect.stringContaining('azurerm_monitor_workspace.') }));
    for (const group of dev.adminGroupObjectIds) {
      expect(roles).toContainEqual(expect.objectContaining({ role_definition_name: 'Grafana Admin', principal_id: group, scope: expect.stringContaining('azurerm_dashboard_grafana.') }));
    }
  });

  test('Grafana is created at the major azurerm 4.55 accepts, then moved to the pinned supported major, which the provider leaves alone', () => {
    const grafana = onlyResource(devStack.parsed, 'azurerm_dashboard_grafana') as { lifecycle: { ignore_changes: string[] } };
    expect(grafana.lifecycle.ignore_changes).toEqual(['grafana_major_version']);
    const upgrades = Object.values(resourcesOfType(devStack.parsed, 'terraform_data')).filter((r) => JSON.stringify(r).includes('--major-version')) as { triggers_replace: { majorVersion: string }; provisioner: { 'local-exec': { command: string; environment: Record<string, string> } }[] }[];
    expect(upgrades).toHaveLength(1);
    expect(upgrades[0].triggers_replace.majorVersion).toBe(GRAFANA_MAJOR_VERSION);
    expect(Number(GRAFANA_MAJOR_VERSION)).toBeGreaterThan(Number(GRAFANA_CREATE_MAJOR_VERSION));
    expect(upgrades[0].provisioner[0]['local-exec'].command).toContain('--major-version "$MAJOR_VERSION"');
    expect(upgrades[0].provisioner[0]['local-exec'].environment.MAJOR_VERSION).toBe(GRAFANA_MAJOR_VERSION);
    // The dashboards are imported into the upgraded workspace.
    const imports = Object.entries(resourcesOfType(devStack.parsed, 'terraform_data')).filter(([, r]) => JSON.stringify(r).includes('az grafana dashboard import'));
    const upgradeId = Object.entries(resourcesOfType(devStack.parsed, 'terraform_data')).find(([, r]) => JSON.stringify(r).includes('--major-version'))![0];
    for (const [, r] of imports) expect(r.depends_on).toContain(`terraform_data.${upgradeId}`);
  });

  test('the GPU dashboard of the repository is imported with the Azure CLI, again whenever its JSON changes', () => {
    const imports = Object.values(resourcesOfType(devStack.parsed, 'terraform_data')).filter((r) => JSON.stringify(r).includes('az grafana dashboard import')) as { triggers_replace: { sha256: string }; provisioner: { 'local-exec': { command: string; environment: Record<string, string> } }[] }[];
    expect(imports).toHaveLength(1);
    expect(imports[0].triggers_replace.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(imports[0].provisioner[0]['local-exec'].command).toContain('--definition "$DASHBOARD_FILE"');
    expect(imports[0].provisioner[0]['local-exec'].environment.DASHBOARD_FILE).toMatch(/^assets\/.*gpu\.json$/);
  });

  test('without managed Prometheus: no rule groups, no action group, no Grafana', () => {
    const { parsed } = synthCluster(devWith({ monitoring: { managedPrometheus: false, grafana: false, alerts: { enabled: false } } }));
    for (const type of ['azurerm_monitor_alert_prometheus_rule_group', 'azurerm_monitor_action_group', 'azurerm_dashboard_grafana', 'azurerm_monitor_workspace']) {
      expect(resourcesOfType(parsed, type)).toEqual({});
    }
  });

  test('no notebook culling alert when culling is off', () => {
    const names = alertsOf(synthCluster(devWith({ notebooks: { culling: false } })).parsed).map((r) => r.alert);
    expect(names).not.toContain('KubeflowNotebookCullingNotHappening');
    expect(names).toContain('KubeflowGpuAllocatedIdle');
  });

  test('the preview\'s cost envelope is the same with and without observability (it counts compute only)', () => {
    const off = synthCluster(devWith({ monitoring: { managedPrometheus: false, grafana: false, alerts: { enabled: false } } })).parsed as unknown as StackJson;
    const on = costEnvelope(devStack.parsed as unknown as StackJson)?.envelope;
    expect(on?.fullUsdPerHour).toBeGreaterThan(0);
    expect(on).toEqual(costEnvelope(off)?.envelope);
  });

  test('alerts and Grafana can each be turned off, managed Prometheus staying on', () => {
    const { parsed } = synthCluster(devWith({ monitoring: { alerts: { enabled: false }, grafana: false } }));
    expect(resourcesOfType(parsed, 'azurerm_monitor_alert_prometheus_rule_group')).toEqual({});
    expect(resourcesOfType(parsed, 'azurerm_dashboard_grafana')).toEqual({});
    expect(resourcesOfType(parsed, 'azurerm_monitor_workspace')).not.toEqual({});
  });
});

describe('the GPU dashboard (constructs/observability/dashboards/gpu.json)', () => {
  const dashboard = JSON.parse(readFileSync(gpuDashboardFile(), 'utf8')) as { uid: string; templating: { list: { name: string; type: string }[] }; panels: { type: string; title: string; targets?: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const recorded = new Set(gpuRuleGroups({ environment: 'x', pools: [], idleGpuMinutes: 30, poolAtMaxMinutes: 60 }).flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));

  test('picks the managed Prometheus data source, the cluster, pools and profiles as variables', () => {
    expect(dashboard.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual(['datasource:datasource', 'cluster:query', 'gpu_pool:query', 'namespace:query']);
  });

  test('shows utilisation, memory, power and allocation per pool, per node and per profile, and GPU-hours per profile', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const t of ['GPU utilisation by pool', 'GPUs allocated vs present by pool', 'GPU memory used by pool', 'GPU power by pool', 'GPU utilisation by node', 'GPU memory used by node', 'GPU power by node', 'GPUs allocated by profile', 'GPU utilisation by profile', 'GPU-hours by profile and pool (time range)']) {
      expect(titles).toContain(t);
    }
  });

  test('reads only series the recording rules make, or the DCGM exporter\'s own', () => {
    const names = new Set(exprs.flatMap((e) => [...e.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1])));
    for (const name of names) expect(recorded.has(name) || name.startsWith('DCGM_FI_')).toBe(true);
    expect(recorded.size).toBeGreaterThan(0);
  });
});

describe('GPU rule groups stay within Azure\'s rules-per-group limit', () => {
  test('ten pools: the alerts spill into a second group, the first keeps its name', () => {
    const pools = Array.from({ length: 10 }, (_, i) => ({ name: `pool${i}`, vmSize: 'Standard_NC4as_T4_v3', maxCount: 2, gpusPerNode: 1, spot: false }));
    const groups = gpuRuleGroups({ environment: 'dev', pools, idleGpuMinutes: 30, poolAtMaxMinutes: 60 });
    expect(groups.map((g) => `${g.name}:${g.rules.length}`)).toEqual(['kubeflow-gpu-recording-dev:5', 'kubeflow-gpu-alerts-dev:20', 'kubeflow-gpu-alerts-2-dev:2']);
  });
});
