import { ConfigError, ENVIRONMENTS, EnvironmentConfig, loadEnvironments, resolveEnvironment } from '../environments';
import { dev } from './fixtures/environments';
import { prod } from './fixtures/environments';
import { staging } from './fixtures/environments';

/** Replaces the value at a dotted path (`gpuPools.0.vmSize`) in a deep copy of `base`. */
function withSetting(base: EnvironmentConfig, path: string, value: unknown): EnvironmentConfig {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy as unknown as EnvironmentConfig;
}

function problemsOf(config: EnvironmentConfig): ConfigError {
  try {
    resolveEnvironment(config);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the environment validated');
}

const KEY_VAULT = '/subscriptions/55555555-6666-4777-8888-999999999999/resourceGroups/rg-alerts/providers/Microsoft.KeyVault/vaults/kv-alerts';

const a100 = { name: 'a100', vmSize: 'Standard_NC24ads_A100_v4', minCount: 0, maxCount: 2 };

describe('the environment files', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('%s validates', (_name, config) => {
    expect(() => resolveEnvironment(config)).not.toThrow();
  });

  test('are listed in promotion order (by stage) with unique names', () => {
    const order = { dev: 0, staging: 1, prod: 2 } as const;
    const loaded = loadEnvironments();
    expect(new Set(loaded.map((e) => e.name)).size).toBe(loaded.length);
    expect(loaded.map((e) => order[e.stage])).toEqual([...loaded.map((e) => order[e.stage])].sort());
  });

  test('dev is cheap: spot GPU pool that scales to zero, Free tier', () => {
    const env = resolveEnvironment(dev);
    expect(env.skuTier).toBe('Free');
    expect(env.gpuPools.every((p) => p.minCount === 0 && p.spot)).toBe(true);
  });

  test('prod is private, zonal, Standard tier, no spot, customer-managed keys', () => {
    const env = resolveEnvironment(prod);
    expect(env.apiAccess.mode).toBe('private');
    expect(env.zones.length).toBeGreaterThanOrEqual(2);
    expect(env.skuTier).toBe('Standard');
    expect(env.gpuPools.some((p) => p.spot)).toBe(false);
    expect(env.security.diskEncryption).toBe('customer-managed');
  });

  test('staging is private like prod, and smaller', () => {
    const s = resolveEnvironment(staging);
    const p = resolveEnvironment(prod);
    expect(s.apiAccess.mode).toBe('private');
    expect(s.cpuPool.maxCount).toBeLessThan(p.cpuPool.maxCount);
  });
});

describe('defaults', () => {
  const env = resolveEnvironment(dev);

  test('network ranges default to overlay-safe ranges and the 10th service address for DNS', () => {
    expect(env.network.podCidr).toBe('192.168.0.0/16');
    expect(env.network.serviceCidr).toBe('172.16.0.0/16');
    expect(env.network.dnsServiceIp).toBe('172.16.0.10');
  });

  test('pools get names, max pods and disk sizes', () => {
    expect(env.systemPool).toMatchObject({ name: 'system', maxPods: 110 });
    expect(env.cpuPool).toMatchObject({ name: 'platform', maxPods: 110, osDiskSizeGb: 128 });
    expect(env.gpuPools[0]).toMatchObject({ driver: 'gpu-operator', maxPods: 50, osDiskSizeGb: 256, spotMaxPriceUsd: -1, spotEvictionPolicy: 'Delete' });
  });

  test('maintenance, upgrades, monitoring and state container have defaults', () => {
    expect(env.maintenance).toEqual({ dayOfWeek: 'Sunday', startTimeUtc: '02:00', durationHours: 4 });
    expect(env.upgrades).toEqual({ channel: 'patch', nodeOsChannel: 'NodeImage' });
    expect(env.monitoring).toEqual({
      logRetentionDays: 30,
      managedPrometheus: true,
      alerts: { emails: [], webhooks: [], idleGpuMinutes: 30, poolAtMaxMinutes: 60 },
      grafana: true,
    });
    expect(env.remoteState.containerName).toBe('tfstate');
  });

  test('without managed Prometheus: no alert rules and no Grafana', () => {
    const env = resolveEnvironment(withSetting(dev, 'monitoring', { managedPrometheus: false }));
    expect(env.monitoring).toEqual({ logRetentionDays: 30, managedPrometheus: false, grafana: false });
  });

  test('alert receivers: emails, and webhooks by Key Vault secret', () => {
    const env = resolveEnvironment(withSetting(dev, 'monitoring.alerts', { emails: ['gpu@example.com'], webhooks: [{ name: 'teams', keyVaultId: KEY_VAULT, secretName: 'teams-url' }], idleGpuMinutes: 45 }));
    expect(env.monitoring.alerts).toEqual({ emails: ['gpu@example.com'], webhooks: [{ name: 'teams', keyVaultId: KEY_VAULT, secretName: 'teams-url' }], idleGpuMinutes: 45, poolAtMaxMinutes: 60 });
  });

  test('disk encryption defaults to customer-managed in prod', () => {
    const resolved = resolveEnvironment(withSetting(prod, 'security.diskEncryption', undefined));
    expect(resolved.security.diskEncryption).toBe('customer-managed');
  });
});

/**
 * Each row breaks one rule. The error must name the setting, show the bad
 * value and say what is accepted.
 */
const INVALID: readonly [string, EnvironmentConfig, string, RegExp][] = [
  ['unknown VM size in a GPU pool', withSetting(dev, 'gpuPools', [{ ...a100, vmSize: 'Standard_NC999_v9' }]), 'gpuPools[0].vmSize', /"Standard_NC999_v9".*GPU size/],
  ['CPU size in a GPU pool', withSetting(dev, 'gpuPools', [{ ...a100, vmSize: 'Standard_D4ds_v5' }]), 'gpuPools[0].vmSize', /is a CPU size/],
  ['GPU size in the CPU pool', withSetting(dev, 'cpuPool.vmSize', 'Standard_NC4as_T4_v3'), 'cpuPool.vmSize', /CPU size/],
  ['min > max', withSetting(dev, 'gpuPools', [{ ...a100, minCount: 3, maxCount: 2 }]), 'gpuPools[0].minCount', /must not exceed gpuPools\[0\]\.maxCount \(2\)/],
  ['negative count', withSetting(dev, 'cpuPool.minCount', -1), 'cpuPool.minCount', /cannot be negative/],
  ['fractional count', withSetting(dev, 'cpuPool.maxCount', 2.5), 'cpuPool.maxCount', /whole number/],
  ['max of zero', withSetting(dev, 'gpuPools', [{ ...a100, maxCount: 0 }]), 'gpuPools[0].maxCount', /from 1 to 1000/],
  ['system pool without nodes', withSetting(dev, 'systemPool.minCount', 0), 'systemPool.minCount', /from 1 to 1000/],
  ['max pods below 50', withSetting(dev, 'cpuPool.maxPods', 30), 'cpuPool.maxPods', /from 50 to 250/],
  ['max pods above 250', withSetting(dev, 'gpuPools', [{ ...a100, maxPods: 300 }]), 'gpuPools[0].maxPods', /from 50 to 250/],
  ['pool name with capitals', withSetting(dev, 'gpuPools', [{ ...a100, name: 'GpuPool' }]), 'gpuPools[0].name', /lowercase letters and digits/],
  ['pool name over 12 characters', withSetting(dev, 'gpuPools', [{ ...a100, name: 'a100poolnumber1' }]), 'gpuPools[0].name', /1 to 12/],
  ['pool name starting with a digit', withSetting(dev, 'cpuPool.name', '1cpu'), 'cpuPool.name', /starting with a letter/],
  ['duplicate pool names', withSetting(dev, 'gpuPools', [a100, { ...a100 }]), 'gpuPools[1].name', /already used by gpuPools\[0\]\.name/],
  ['GPU pool named like the system pool', withSetting(dev, 'gpuPools', [{ ...a100, name: 'system' }]), 'gpuPools[0].name', /already used by systemPool\.name/],
  ['malformed CIDR', withSetting(dev, 'network.vnetCidr', '10.10.0.0/33'), 'network.vnetCidr', /IPv4 CIDR/],
  ['CIDR with host bits', withSetting(dev, 'network.nodeSubnetCidr', '10.10.0.5/22'), 'network.nodeSubnetCidr', /no host bits/],
  ['subnet outside the virtual network', withSetting(dev, 'network.nodeSubnetCidr', '10.99.0.0/22'), 'network.nodeSubnetCidr', /inside network\.vnetCidr/],
  ['pod range overlapping the virtual network', withSetting(dev, 'network.podCidr', '10.10.128.0/17'), 'network.podCidr', /overlaps network\.vnetCidr/],
  ['service range overlapping the pod range', withSetting(dev, 'network.serviceCidr', '192.168.0.0/20'), 'network.serviceCidr', /overlaps network\.podCidr/],
  ['service range in an AKS-reserved range', withSetting(dev, 'network.serviceCidr', '172.31.0.0/16'), 'network.serviceCidr', /AKS reserves/],
  ['DNS service address outside the service range', withSetting(dev, 'network.dnsServiceIp', '10.0.0.10'), 'network.dnsServiceIp', /inside network\.serviceCidr/],
  ['subnet too small for the pools', withSetting(withSetting(dev, 'network.nodeSubnetCidr', '10.10.0.0/27'), 'cpuPool.maxCount', 30), 'network.nodeSubnetCidr', /usable addresses/],
  ['spot in prod without the allowance', withSetting(prod, 'gpuPools', [{ ...a100, spot: true }]), 'gpuPools[0].spot', /allowSpotInProduction/],
  ['MIG on a size without MIG', withSetting(dev, 'gpuPools', [{ ...a100, vmSize: 'Standard_NC4as_T4_v3', migProfile: 'MIG1g' }]), 'gpuPools[0].migProfile', /T4 GPUs, which have no MIG/],
  ['unknown MIG profile', withSetting(dev, 'gpuPools', [{ ...a100, migProfile: 'MIG5g' }]), 'gpuPools[0].migProfile', /"MIG1g"/],
  ['malformed Kubernetes version', withSetting(dev, 'kubernetesVersion', 'v1.33'), 'kubernetesVersion', /1\.MINOR/],
  ['unsupported Kubernetes minor', withSetting(dev, 'kubernetesVersion', '1.27'), 'kubernetesVersion', /AKS has no Kubernetes 1.27/],
  ['Free tier in prod', withSetting(prod, 'skuTier', 'Free'), 'skuTier', /"Standard" or "Premium"/],
  ['public API server in prod', withSetting(prod, 'apiAccess', { mode: 'public', authorizedIpRanges: ['203.0.113.0/24'] }), 'apiAccess.mode', /private API server/],
  ['public API server without ranges', withSetting(dev, 'apiAccess', { mode: 'public', authorizedIpRanges: [] }), 'apiAccess.authorizedIpRanges', /1 to 200/],
  ['authorized range open to the internet', withSetting(dev, 'apiAccess', { mode: 'public', authorizedIpRanges: ['0.0.0.0/0'] }), 'apiAccess.authorizedIpRanges[0]', /too? wide|this wide/],
  ['private address as an authorized range', withSetting(dev, 'apiAccess', { mode: 'public', authorizedIpRanges: ['10.1.0.0/16'] }), 'apiAccess.authorizedIpRanges[0]', /non-public range 10\.0\.0\.0\/8/],
  ['authorized ranges on a private cluster', withSetting(prod, 'apiAccess', { mode: 'private', authorizedIpRanges: ['203.0.113.0/24'] }), 'apiAccess.authorizedIpRanges', /remove authorizedIpRanges/],
  ['no admin group', withSetting(dev, 'adminGroupObjectIds', []), 'adminGroupObjectIds', /at least one/],
  ['admin group that is not a GUID', withSetting(dev, 'adminGroupObjectIds', ['platform-admins']), 'adminGroupObjectIds[0]', /GUID/],
  ['duplicate admin group', withSetting(dev, 'adminGroupObjectIds', [dev.adminGroupObjectIds[0], dev.adminGroupObjectIds[0]]), 'adminGroupObjectIds[1]', /listed twice/],
  ['bad environment name', withSetting(dev, 'name', 'Dev-1'), 'name', /lowercase letters and digits/],
  ['unknown stage', withSetting(dev, 'stage', 'production'), 'stage', /"dev", "staging", "prod"/],
  ['location with spaces', withSetting(dev, 'location', 'West Europe'), 'location', /lowercase without spaces/],
  ['unknown zone', withSetting(staging, 'zones', ['1', '4']), 'zones[1]', /"1", "2", "3"/],
  ['prod in a single zone', withSetting(prod, 'zones', ['1']), 'zones', /at least 2 availability zones/],
  ['prod with one system node', withSetting(prod, 'systemPool.minCount', 1), 'systemPool.minCount', /at least 2 system nodes/],
  ['ephemeral OS disk larger than the local disk', withSetting(dev, 'systemPool.osDiskSizeGb', 128), 'systemPool.osDiskSizeGb', /at most 75 GiB/],
  ['system pool size without a local disk', withSetting(dev, 'systemPool.vmSize', 'Standard_D4s_v5'), 'systemPool.osDiskSizeGb', /no local disk/],
  ['spot price on a regular pool', withSetting(dev, 'gpuPools', [{ ...a100, spotMaxPriceUsd: 1.5 }]), 'gpuPools[0].spotMaxPriceUsd', /only applies to spot pools/],
  ['spot price of zero', withSetting(dev, 'gpuPools', [{ ...a100, spot: true, spotMaxPriceUsd: 0 }]), 'gpuPools[0].spotMaxPriceUsd', /-1 \(cap at the on-demand price\)/],
  ['eviction policy on a regular pool', withSetting(dev, 'gpuPools', [{ ...a100, spotEvictionPolicy: 'Deallocate' }]), 'gpuPools[0].spotEvictionPolicy', /only applies to spot pools/],
  ['unknown driver mode', withSetting(dev, 'gpuPools', [{ ...a100, driver: 'Install' }]), 'gpuPools[0].driver', /"gpu-operator", "aks"/],
  ['storage account name with capitals', withSetting(dev, 'remoteState.storageAccountName', 'StTfState'), 'remoteState.storageAccountName', /3 to 24 lowercase/],
  ['state container with double hyphen', withSetting(dev, 'remoteState.containerName', 'tf--state'), 'remoteState.containerName', /single hyphens/],
  ['maintenance window under 4 hours', withSetting(dev, 'maintenance.durationHours', 2), 'maintenance.durationHours', /from 4 to 24/],
  ['maintenance start not HH:MM', withSetting(dev, 'maintenance.startTimeUtc', '2am'), 'maintenance.startTimeUtc', /HH:MM/],
  ['log retention out of range', withSetting(dev, 'monitoring.logRetentionDays', 7), 'monitoring.logRetentionDays', /from 30 to 730/],
  ['node-image channel with security-patch OS channel', withSetting(dev, 'upgrades', { channel: 'node-image', nodeOsChannel: 'SecurityPatch' }), 'upgrades.nodeOsChannel', /requires nodeOsChannel "NodeImage"/],
  ['platform disk keys in prod', withSetting(prod, 'security.diskEncryption', 'platform'), 'security.diskEncryption', /"customer-managed"/],
  ['Key Vault ranges without a customer-managed key', withSetting(dev, 'security.keyVaultAllowedIpRanges', ['198.51.100.10']), 'security.keyVaultAllowedIpRanges', /only applies with diskEncryption/],
  ['tag the project sets itself', withSetting(dev, 'tags', { environment: 'x' }), 'tags["environment"]', /this project sets the tag "environment"/],
  ['tag the project sets itself, other case', withSetting(dev, 'tags', { 'Managed-By': 'x' }), 'tags["Managed-By"]', /this project sets the tag "managed-by"/],
  ['two tags that differ only in case', withSetting(dev, 'tags', { owner: 'a', Owner: 'b' }), 'tags["Owner"]', /the same tag as "owner"/],
  ['unknown setting with a suggestion (spot)', withSetting(dev, 'gpuPools.0.spots', true), 'gpuPools[0].spots', /did you mean "spot"\?/],
  ['unknown setting with a suggestion (gpuPools)', withSetting(withSetting(dev, 'gpuPool', [a100]), 'gpuPools', undefined), 'gpuPool', /did you mean "gpuPools"\?/],
  ['unknown component with a suggestion', withSetting(dev, 'platform.components.kserv', false), 'platform.components.kserv', /did you mean "kserve"\?/],
  ['unknown notebooks setting with a suggestion', withSetting(dev, 'notebooks.idleMinute', 5), 'notebooks.idleMinute', /did you mean "idleMinutes"\?/],
  ['unknown key in a mode-dependent object', withSetting(dev, 'apiAccess.authorizedIPRanges', ['203.0.113.0/24']), 'apiAccess.authorizedIPRanges', /did you mean "authorizedIpRanges"\?/],
  ['tag name with a forbidden character', withSetting(dev, 'tags', { 'a/b': 'x' }), 'tags["a/b"]', /none of/],
  ['tenant id that is not a GUID', withSetting(dev, 'tenantId', 'contoso.onmicrosoft.com'), 'tenantId', /GUID/],
  ['GPU pools that are not a list', withSetting(dev, 'gpuPools', { name: 'a100' }), 'gpuPools', /expected a list/],
  ['Katib without cert-manager', withSetting(dev, 'platform', { components: { certManager: 'none' } }), 'platform.components.katib', /katib needs certManager/],
  ['Pipelines without Istio', withSetting(dev, 'platform', { components: { istio: 'none', katib: false } }), 'platform.components.pipelines', /pipelines needs istio/],
  ['KServe without cert-manager', withSetting(dev, 'platform', { components: { certManager: 'none', katib: false, pipelines: false } }), 'platform.components.kserve', /kserve needs certManager/],
  ['KServe Knative mode without Knative', withSetting(dev, 'platform', { kserveMode: 'knative' }), 'platform.kserveMode', /platform\.knative: "external"/],
  ['KServe Knative mode without Istio', withSetting(dev, 'platform', { kserveMode: 'knative', knative: 'external', components: { istio: 'none', katib: false, pipelines: false } }), 'platform.kserveMode', /needs Istio/],
  ['KServe mode with KServe off', withSetting(dev, 'platform', { kserveMode: 'knative', knative: 'external', components: { kserve: false } }), 'platform.kserveMode', /only with platform\.components\.kserve/],
  ['GPU Operator without GPU pools', withSetting(withSetting(dev, 'gpuPools', []), 'platform', { components: { gpuOperator: true } }), 'platform.components.gpuOperator', /no GPU pools/],
  ['operator-managed driver with the operator off', withSetting(dev, 'platform', { components: { gpuOperator: false } }), 'gpuPools[0].driver', /nothing would install the NVIDIA driver/],
  ['GPU pools that disagree on the driver', withSetting(dev, 'gpuPools', [{ ...a100, name: 'gpua' }, { ...a100, name: 'gpub', driver: 'aks' }]), 'gpuPools[1].driver', /disagrees with gpuPools\[0\]\.driver/],
  ['values for an unknown component', withSetting(dev, 'platform', { values: { jupyter: {} } }), 'platform.values.jupyter', /accepted: certManager/],
  ['unknown kubelogin mode', withSetting(dev, 'platform', { kubeLogin: 'token' }), 'platform.kubeLogin', /"azurecli", "workloadidentity", "msi"/],
  ['profile owner that is not an email', withSetting(dev, 'profiles', [{ name: 'team', owner: 'alice' }]), 'profiles[0].owner', /email address exactly as Entra ID issues it/],
  ['quota for a GPU type no pool has', withSetting(dev, 'profiles', [{ name: 'team', owner: 'a@example.com', quota: { gpus: { h100: 1 } } }]), 'profiles[0].quota.gpus.h100', /no GPU pool of this environment has H100 GPUs \(pools have: t4\)/],
  ['quota for an unknown GPU model', withSetting(dev, 'profiles', [{ name: 'team', owner: 'a@example.com', quota: { gpus: { v100: 1 } } }]), 'profiles[0].quota.gpus.v100', /accepted GPU models: t4, a100, h100, h200/],
  ['quota that is not a quantity', withSetting(dev, 'profiles', [{ name: 'team', owner: 'a@example.com', quota: { memory: '64 gigs' } }]), 'profiles[0].quota.memory', /Kubernetes quantity/],
  ['profile on a platform namespace', withSetting(dev, 'profiles', [{ name: 'kubeflow', owner: 'a@example.com' }]), 'profiles[0].name', /namespace of the platform itself/],
  ['two profiles with one name', withSetting(dev, 'profiles', [{ name: 'team', owner: 'a@example.com' }, { name: 'team', owner: 'b@example.com' }]), 'profiles[1].name', /must be unique/],
  ['owner listed as contributor', withSetting(dev, 'profiles', [{ name: 'team', owner: 'a@example.com', contributors: [{ email: 'a@example.com', role: 'edit' }] }]), 'profiles[0].contributors[0].email', /is the owner/],
  ['unknown contributor role', withSetting(dev, 'profiles', [{ name: 'team', owner: 'a@example.com', contributors: [{ email: 'b@example.com', role: 'admin' }] }]), 'profiles[0].contributors[0].role', /"edit", "view"/],
  ['profiles without the access layer', withSetting(withSetting(withSetting(dev, 'access', undefined), 'notebooks', { enabled: false }), 'profiles', [{ name: 'team', owner: 'a@example.com' }]), 'profiles', /need the access layer/],
  ['notebooks without the access layer', withSetting(withSetting(withSetting(dev, 'access', undefined), 'profiles', []), 'notebooks', { enabled: true }), 'notebooks.enabled', /add an access section/],
  ['notebooks without Istio', withSetting(dev, 'platform', { components: { istio: 'none', katib: false, pipelines: false } }), 'notebooks.enabled', /served through Istio/],
  ['notebook idle time too short', withSetting(dev, 'notebooks', { idleMinutes: 1 }), 'notebooks.idleMinutes', /from 10 to 10080/],
  ['host that is not a DNS name', withSetting(dev, 'access', { ...dev.access, host: 'https://kubeflow.example.com/' }), 'access.host', /DNS name/],
  ['host outside the DNS zone', withSetting(dev, 'access', { ...dev.access, host: 'kubeflow.other.org' }), 'access.host', /not inside access\.tls\.dnsZone\.name/],
  ['access without a tenant', withSetting(dev, 'tenantId', undefined), 'tenantId', /needs the Entra tenant id/],
  ['access without allowed groups', withSetting(dev, 'access', { ...dev.access, allowedGroupObjectIds: [] }), 'access.allowedGroupObjectIds', /at least one Entra ID group/],
  ['existing application without a client id', withSetting(dev, 'access', { ...dev.access, application: { mode: 'existing', clientId: 'kubeflow' } }), 'access.application.clientId', /client\) id/],
  ['ACME with cert-manager provided outside', withSetting(dev, 'platform', { components: { certManager: 'external' } }), 'access.tls.mode', /cert-manager this project installs/],
  ['access without Istio', withSetting(dev, 'platform', { components: { istio: 'none', katib: false, pipelines: false } }), 'access', /Istio ingress gateway/],
  ['unknown prerequisite source', withSetting(dev, 'platform', { components: { istio: 'yes' } }), 'platform.components.istio', /"install", "external", "none"/],
  ['Grafana without managed Prometheus', withSetting(dev, 'monitoring', { managedPrometheus: false, grafana: true, alerts: { enabled: false } }), 'monitoring.grafana', /set monitoring\.managedPrometheus to true/],
  ['alerts without managed Prometheus', withSetting(dev, 'monitoring', { managedPrometheus: false, alerts: { enabled: true } }), 'monitoring.alerts.enabled', /alert rules read managed Prometheus/],
  ['alert email that is not an address', withSetting(dev, 'monitoring.alerts', { emails: ['gpu-oncall'] }), 'monitoring.alerts.emails[0]', /an email address/],
  ['webhook URL in the environment file', withSetting(dev, 'monitoring.alerts', { webhooks: [{ name: 'teams', url: 'https://example.webhook.office.com/abc?token=x' }] }), 'monitoring.alerts.webhooks[0]', /must not be in the environment file: store it in a Key Vault secret/],
  ['webhook Key Vault that is not a resource id', withSetting(dev, 'monitoring.alerts', { webhooks: [{ name: 'teams', keyVaultId: 'kv-alerts', secretName: 'teams-url' }] }), 'monitoring.alerts.webhooks[0].keyVaultId', /Key Vault resource id/],
  ['two webhooks with one name', withSetting(dev, 'monitoring.alerts', { webhooks: [1, 2].map((n) => ({ name: 'teams', keyVaultId: KEY_VAULT, secretName: `url${n}` })) }), 'monitoring.alerts.webhooks[1].name', /unique within the action group/],
  ['idle GPU time too short', withSetting(dev, 'monitoring.alerts', { idleGpuMinutes: 5 }), 'monitoring.alerts.idleGpuMinutes', /from 10 to 1440/],
  ['pool-at-max time too long', withSetting(dev, 'monitoring.alerts', { poolAtMaxMinutes: 2000 }), 'monitoring.alerts.poolAtMaxMinutes', /from 15 to 1440/],
  ['receivers with alerts off', withSetting(dev, 'monitoring.alerts', { enabled: false, emails: ['a@example.com'] }), 'monitoring.alerts', /receivers without alert rules notify nobody/],
  ['unknown alert setting with a suggestion', withSetting(dev, 'monitoring.alerts', { idleGpuMinute: 20 }), 'monitoring.alerts.idleGpuMinute', /did you mean "idleGpuMinutes"\?/],
];

describe('invalid environments are refused with a clear error', () => {
  test('there are at least 25 distinct invalid-config cases', () => {
    expect(new Set(INVALID.map((row) => row[0])).size).toBeGreaterThanOrEqual(25);
  });

  test.each(INVALID)('%s', (_description, config, setting, accepted) => {
    const error = problemsOf(config);
    const forSetting = error.problems.filter((p) => p.setting === setting).map((p) => `${p.value}; ${p.accepted}`);
    expect(forSetting.length).toBeGreaterThan(0);
    expect(forSetting.some((text) => accepted.test(text))).toBe(true);
    expect(error.message).toContain(setting);
  });

  test('reports every problem of a file at once', () => {
    const broken = withSetting(withSetting(dev, 'cpuPool.maxPods', 10), 'kubernetesVersion', 'latest');
    const settings = problemsOf(broken).problems.map((p) => p.setting);
    expect(settings).toEqual(expect.arrayContaining(['cpuPool.maxPods', 'kubernetesVersion']));
  });

  test('the message names the environment, the setting, the value and what is accepted', () => {
    const error = problemsOf(withSetting(dev, 'gpuPools', [{ ...a100, minCount: -2 }]));
    expect(error.message).toMatch(/^Environment "dev" is invalid/);
    expect(error.message).toContain('gpuPools[0].minCount: got -2; a count cannot be negative');
  });

  test('duplicate environment names are refused', () => {
    expect(() => loadEnvironments([dev, dev])).toThrow(/names must be unique/);
  });

  test('spot in prod is accepted with the explicit allowance', () => {
    const allowed = withSetting(withSetting(withSetting(prod, 'gpuPools', [{ ...a100, spot: true }]), 'security.allowSpotInProduction', true), 'profiles', []);
    expect(resolveEnvironment(allowed).gpuPools[0].spot).toBe(true);
  });
});
