import { ConfigError, EnvironmentConfig, RULES, resolveEnvironment } from '../environments';
import { dev, prod } from './fixtures/environments';

/**
 * One failing input per named rule of environments/rules.ts: the rule's problem names
 * the setting and says what is accepted. A rule added without a case here fails the
 * first test.
 */
const a100 = { name: 'a100', vmSize: 'Standard_NC24ads_A100_v4', minCount: 0, maxCount: 2 };
const noIstio = { components: { istio: 'none' as const, katib: false, pipelines: false } };

const CASES: Readonly<Record<string, readonly [EnvironmentConfig, string, RegExp]>> = {
  'kubernetes-version': [{ ...dev, kubernetesVersion: '1.27' }, 'kubernetesVersion', /AKS has no Kubernetes 1\.27/],
  'prod-sku-tier': [{ ...prod, skuTier: 'Free' }, 'skuTier', /"Standard" or "Premium"/],
  'prod-private-api': [{ ...prod, apiAccess: { mode: 'public', authorizedIpRanges: ['203.0.113.0/24'] } }, 'apiAccess.mode', /private API server/],
  'prod-zones': [{ ...prod, zones: ['1'] }, 'zones', /at least 2 availability zones/],
  'prod-system-nodes': [{ ...prod, systemPool: { ...prod.systemPool, minCount: 1 } }, 'systemPool.minCount', /at least 2 system nodes/],
  'network-ranges': [{ ...dev, network: { ...dev.network, nodeSubnetCidr: '10.99.0.0/22' } }, 'network.nodeSubnetCidr', /must lie inside network\.vnetCidr/],
  'pool-counts': [{ ...dev, cpuPool: { ...dev.cpuPool, minCount: 4, maxCount: 3 } }, 'cpuPool.minCount', /must not exceed cpuPool\.maxCount \(3\)/],
  'ephemeral-os-disk': [{ ...dev, systemPool: { ...dev.systemPool, osDiskSizeGb: 128 } }, 'systemPool.osDiskSizeGb', /at most 75 GiB/],
  'gpu-spot': [{ ...dev, gpuPools: [{ ...a100, spotEvictionPolicy: 'Deallocate' }] }, 'gpuPools[0].spotEvictionPolicy', /only applies to spot pools/],
  'gpu-mig': [{ ...dev, gpuPools: [{ ...a100, vmSize: 'Standard_NC4as_T4_v3', migProfile: 'MIG1g' }] }, 'gpuPools[0].migProfile', /no MIG/],
  'gpu-regions': [{ ...dev, location: 'brazilsouth', gpuPools: [{ ...a100, vmSize: 'Standard_ND96isr_H200_v5' }], profiles: [] }, 'gpuPools[0].vmSize', /is not offered in brazilsouth/],
  'pool-names': [{ ...dev, gpuPools: [{ ...a100, name: 'system' }] }, 'gpuPools[0].name', /already used by systemPool\.name/],
  'subnet-capacity': [{ ...dev, network: { ...dev.network, nodeSubnetCidr: '10.10.0.0/27' }, cpuPool: { ...dev.cpuPool, maxCount: 30 } }, 'network.nodeSubnetCidr', /usable addresses/],
  'upgrade-channels': [{ ...dev, upgrades: { channel: 'node-image', nodeOsChannel: 'SecurityPatch' } }, 'upgrades.nodeOsChannel', /requires nodeOsChannel "NodeImage"/],
  'disk-encryption': [{ ...prod, security: { ...prod.security, diskEncryption: 'platform', keyVaultAllowedIpRanges: [] } }, 'security.diskEncryption', /"customer-managed"/],
  monitoring: [{ ...dev, monitoring: { managedPrometheus: false, grafana: true, alerts: { enabled: false } } }, 'monitoring.grafana', /set monitoring\.managedPrometheus to true/],
  'platform-prerequisites': [{ ...dev, platform: { components: { certManager: 'none' } } }, 'platform.components.katib', /katib needs certManager/],
  'model-apps': [{ ...dev, platform: { components: { kserve: false, modelsWebApp: true } } }, 'platform.components.modelsWebApp', /manages KServe InferenceServices/],
  'gpu-driver': [{ ...dev, platform: { components: { gpuOperator: false } } }, 'gpuPools[0].driver', /nothing would install the NVIDIA driver/],
  access: [{ ...dev, platform: noIstio }, 'access', /Istio ingress gateway/],
  profiles: [{ ...dev, profiles: [{ name: 'kubeflow', owner: 'a@example.com' }] }, 'profiles[0].name', /namespace of the platform itself/],
  notebooks: [{ ...dev, platform: noIstio }, 'notebooks.enabled', /served through Istio/],
};

function problems(config: EnvironmentConfig): { setting: string; text: string }[] {
  try {
    resolveEnvironment(config);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => ({ setting: p.setting, text: `${p.value}; ${p.accepted}` }));
    throw error;
  }
  return [];
}

describe('named rules between settings', () => {
  test('every rule has a name, a description and a failing-input case here', () => {
    expect(RULES.filter((r) => !(r.name in CASES)).map((r) => r.name)).toEqual([]);
    expect(Object.keys(CASES).filter((name) => !RULES.some((r) => r.name === name))).toEqual([]);
    for (const rule of RULES) expect(rule.description.length).toBeGreaterThan(20);
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
  });

  test.each(Object.entries(CASES))('%s refuses its failing input, naming the setting', (_name, [config, setting, accepted]) => {
    const found = problems(config).filter((p) => p.setting === setting);
    expect(found.map((p) => p.text)).toEqual(expect.arrayContaining([expect.stringMatching(accepted)]));
  });

  test('a rule does not run on a setting the schema refused (no second, confusing problem)', () => {
    const found = problems({ ...dev, cpuPool: { ...dev.cpuPool, minCount: 'four' as unknown as number, maxCount: 3 } });
    expect(found.filter((p) => p.setting === 'cpuPool.minCount').map((p) => p.text)).toEqual(['"four"; accepted: a whole number from 0 to 1000']);
  });
});
