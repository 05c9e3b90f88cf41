import fc from 'fast-check';
import { ConfigError, EnvironmentConfig, resolveEnvironment } from '../environments';
import { dev } from './fixtures/environments';
import { VM_SIZES } from '../catalog/vm-sizes';

/** A value that is usually plausible for the field and sometimes anything at all. */
function field<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 1, arbitrary: fc.anything() }, { weight: 1, arbitrary: fc.constant(undefined) });
}

const count = fc.integer({ min: -2, max: 12 });
const sizes = fc.constantFrom(...Object.keys(VM_SIZES), 'Standard_Bogus_v1');
const poolName = fc.oneof(fc.constantFrom('system', 'platform', 'gpu', 'a100', 't4spot'), fc.stringMatching(/^[a-zA-Z0-9-]{0,14}$/));
const cidr = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 30 }))
  .map(([a, b, prefix]) => `10.${a}.${b}.0/${prefix}`);
const zones = fc.subarray(['1', '2', '3', '4']);
const uuid = fc.uuid();

const gpuPool = fc.record({
  name: field(poolName),
  vmSize: field(sizes),
  minCount: field(count),
  maxCount: field(count),
  spot: field(fc.boolean()),
  spotMaxPriceUsd: field(fc.oneof(fc.constant(-1), fc.double({ min: -5, max: 50, noNaN: false }))),
  spotEvictionPolicy: field(fc.constantFrom('Delete', 'Deallocate', 'Stop')),
  migProfile: field(fc.constantFrom('MIG1g', 'MIG3g', 'MIG7g', 'MIG9g')),
  zones: field(zones),
  driver: field(fc.constantFrom('gpu-operator', 'aks', 'None')),
  maxPods: field(fc.integer({ min: 0, max: 300 })),
}, { requiredKeys: [] });

const cpuPool = fc.record({
  name: field(poolName),
  vmSize: field(sizes),
  minCount: field(count),
  maxCount: field(count),
  maxPods: field(fc.integer({ min: 0, max: 300 })),
  osDiskSizeGb: field(fc.integer({ min: 0, max: 400 })),
}, { requiredKeys: [] });

const environment = fc.record({
  name: field(fc.oneof(fc.constantFrom('dev', 'prod', 'qa1'), fc.string())),
  stage: field(fc.constantFrom('dev', 'staging', 'prod')),
  location: field(fc.constantFrom('westeurope', 'eastus2', 'West US')),
  tags: field(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer()))),
  tenantId: field(uuid),
  kubernetesVersion: field(fc.constantFrom('1.33', '1.31.2', '1.29', 'latest', '2.0')),
  skuTier: field(fc.constantFrom('Free', 'Standard', 'Premium', 'Gold')),
  apiAccess: field(fc.oneof(
    fc.constant({ mode: 'private' }),
    fc.record({ mode: fc.constant('public'), authorizedIpRanges: fc.array(fc.oneof(cidr, fc.ipV4(), fc.string()), { maxLength: 3 }) }),
  )),
  adminGroupObjectIds: field(fc.array(fc.oneof(uuid, fc.string()), { maxLength: 3 })),
  network: field(fc.record({ vnetCidr: field(cidr), nodeSubnetCidr: field(cidr), podCidr: field(cidr), serviceCidr: field(cidr), dnsServiceIp: field(fc.ipV4()) }, { requiredKeys: [] })),
  zones: field(zones),
  systemPool: field(cpuPool),
  cpuPool: field(cpuPool),
  gpuPools: field(fc.array(gpuPool, { maxLength: 3 })),
  remoteState: field(fc.record({ resourceGroupName: field(fc.string()), storageAccountName: field(fc.stringMatching(/^[a-z0-9]{1,26}$/)), containerName: field(fc.string()) }, { requiredKeys: [] })),
  maintenance: field(fc.record({ dayOfWeek: field(fc.constantFrom('Sunday', 'Funday')), startTimeUtc: field(fc.constantFrom('02:00', '25:00')), durationHours: field(fc.integer({ min: 0, max: 30 })) }, { requiredKeys: [] })),
  monitoring: field(fc.record({ logRetentionDays: field(fc.integer({ min: 0, max: 1000 })), managedPrometheus: field(fc.boolean()) }, { requiredKeys: [] })),
  security: field(fc.record({ diskEncryption: field(fc.constantFrom('platform', 'customer-managed', 'none')), keyVaultAllowedIpRanges: field(fc.array(fc.ipV4(), { maxLength: 2 })), allowSpotInProduction: field(fc.boolean()) }, { requiredKeys: [] })),
  upgrades: field(fc.record({ channel: field(fc.constantFrom('patch', 'stable', 'rapid', 'node-image', 'none')), nodeOsChannel: field(fc.constantFrom('NodeImage', 'SecurityPatch', 'Unmanaged')) }, { requiredKeys: [] })),
  platform: field(fc.record({
    kubeLogin: field(fc.constantFrom('azurecli', 'workloadidentity', 'token')),
    components: field(fc.record({ certManager: field(fc.constantFrom('install', 'external', 'none', 'yes')), istio: field(fc.constantFrom('install', 'external', 'none')), gpuOperator: field(fc.boolean()), katib: field(fc.boolean()), kserve: field(fc.boolean()) }, { requiredKeys: [] })),
    kserveMode: field(fc.constantFrom('standard', 'knative', 'raw')),
    knative: field(fc.constantFrom('external', 'none')),
    values: field(fc.dictionary(fc.constantFrom('certManager', 'kserve', 'jupyter'), fc.anything())),
  }, { requiredKeys: [] })),
  access: field(fc.record({
    host: field(fc.constantFrom('kubeflow.example.com', 'https://x', 'a.b')),
    application: field(fc.oneof(fc.constant({ mode: 'create' }), fc.record({ mode: fc.constant('existing'), clientId: field(uuid) }))),
    allowedGroupObjectIds: field(fc.array(fc.oneof(uuid, fc.string()), { maxLength: 2 })),
    tls: field(fc.oneof(
      fc.record({ mode: fc.constant('provided'), secretName: field(fc.constantFrom('tls', 'Bad_Name')) }),
      fc.record({ mode: fc.constant('acme'), email: field(fc.constantFrom('a@example.com', 'nope')), dnsZone: field(fc.record({ name: field(fc.constantFrom('example.com', 'x')), resourceGroupName: field(fc.string()), subscriptionId: field(uuid) }, { requiredKeys: [] })) }),
    )),
    machineToMachine: field(fc.boolean()),
  }, { requiredKeys: [] })),
  profiles: field(fc.array(fc.record({
    name: field(fc.constantFrom('team', 'kubeflow', 'Team')),
    owner: field(fc.constantFrom('a@example.com', 'alice')),
    contributors: field(fc.array(fc.record({ email: field(fc.constantFrom('b@example.com', 'a@example.com')), role: field(fc.constantFrom('edit', 'view', 'admin')) }, { requiredKeys: [] }), { maxLength: 2 })),
    quota: field(fc.record({ cpu: field(fc.constantFrom('4', 'lots')), gpus: field(fc.dictionary(fc.constantFrom('t4', 'a100', 'v100'), fc.integer({ min: -1, max: 4 }))) }, { requiredKeys: [] })),
  }, { requiredKeys: [] }), { maxLength: 2 })),
  notebooks: field(fc.record({ enabled: field(fc.boolean()), idleMinutes: field(fc.integer({ min: 0, max: 20000 })), culling: field(fc.boolean()) }, { requiredKeys: [] })),
}, { requiredKeys: [] });

describe('environment validation on random input', () => {
  test('1,000 random configs either validate or throw a ConfigError, never anything else', () => {
    let valid = 0;
    fc.assert(
      fc.property(field(environment), (config) => {
        try {
          resolveEnvironment(config as EnvironmentConfig);
          valid += 1;
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.problems.length).toBeGreaterThan(0);
          for (const problem of error.problems) {
            expect(problem.setting.length).toBeGreaterThan(0);
            expect(problem.accepted.length).toBeGreaterThan(0);
            // Every message is this project's wording (setting, value, what is accepted), never the schema library's default.
            expect(problem.accepted).not.toMatch(/^Invalid |expected .*, received /);
          }
        }
      }),
      { numRuns: 1000, seed: 20261127 },
    );
    // Plain garbage rarely validates; the next property covers the valid side.
    expect(valid).toBeLessThan(1000);
  });

  test('dev with random pools: whatever validates keeps the invariants the constructs rely on', () => {
    const plausibleGpuPool = fc.record({
      name: fc.constantFrom('gpua', 'gpub', 'gpuc', 't4', 'system'),
      vmSize: fc.constantFrom(...Object.keys(VM_SIZES)),
      minCount: fc.integer({ min: 0, max: 3 }),
      maxCount: fc.integer({ min: 1, max: 6 }),
      spot: fc.boolean(),
    });
    let valid = 0;
    fc.assert(
      fc.property(fc.array(plausibleGpuPool, { maxLength: 3 }), fc.integer({ min: 0, max: 3 }), (gpuPools, cpuMin) => {
        let env;
        try {
          env = resolveEnvironment({ ...dev, profiles: [], gpuPools, cpuPool: { ...dev.cpuPool, minCount: cpuMin } });
        } catch (error) {
          if (error instanceof ConfigError) return;
          throw error;
        }
        valid += 1;
        const pools = [env.systemPool, env.cpuPool, ...env.gpuPools];
        expect(new Set(pools.map((p) => p.name)).size).toBe(pools.length);
        for (const pool of pools) {
          expect(pool.minCount).toBeLessThanOrEqual(pool.maxCount);
          expect(pool.maxPods).toBeGreaterThanOrEqual(50);
        }
        for (const pool of env.gpuPools) expect(VM_SIZES[pool.vmSize].gpu).toBeDefined();
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(valid).toBeGreaterThan(30);
  });
});
