import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdktf';
import { ENVIRONMENTS, EnvironmentConfig, ResolvedEnvironment, loadEnvironments } from '../environments';
import { checkovSkips, environmentsJson } from '../scripts/environments';
import { addEnvironment } from '../stacks/app';
import type { SynthJson } from './helpers';

/**
 * Rules every environment must keep, whatever a fork puts in environments/:
 * the security baseline of the cluster, the stage's stricter rules, and the
 * wiring every environment gets (stacks, checkov config, plan and deploy).
 * No test here knows the samples' contents. The same rules run on environments
 * a fork would make: a GPU pool more, a component off, a profile more, a new
 * environment (one file and one line in the index).
 */
function synth(configs: readonly EnvironmentConfig[]): { envs: ResolvedEnvironment[]; stacks: (name: string) => SynthJson; names: string[] } {
  const envs = loadEnvironments(configs);
  const app = Testing.app();
  for (const env of envs) addEnvironment(app, env);
  app.synth();
  const stacks = (name: string) => JSON.parse(readFileSync(join(app.outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as SynthJson;
  return { envs, stacks, names: envs.flatMap((e) => [`${e.name}-cluster`, `${e.name}-platform`]) };
}

type Json = Record<string, unknown>;
const all = (parsed: SynthJson, type: string) => Object.values(parsed.resource[type] ?? {}) as Json[];

/** The baseline rules of a cluster stack, as problems; [] when every rule holds. */
export function clusterRuleProblems(env: ResolvedEnvironment, parsed: SynthJson): string[] {
  const problems: string[] = [];
  const rule = (ok: boolean, text: string) => { if (!ok) problems.push(`${env.name}: ${text}`); };
  const [cluster] = all(parsed, 'azurerm_kubernetes_cluster');
  const pools = all(parsed, 'azurerm_kubernetes_cluster_node_pool');
  const defaultPool = cluster.default_node_pool as Json;
  rule(cluster.local_account_disabled === true, 'local accounts disabled');
  rule((cluster.azure_active_directory_role_based_access_control as Json)?.azure_rbac_enabled === true, 'Entra ID with Azure RBAC');
  rule(cluster.oidc_issuer_enabled === true && cluster.workload_identity_enabled === true, 'OIDC issuer and workload identity');
  rule(cluster.azure_policy_enabled === true, 'Azure Policy add-on');
  rule((cluster.network_profile as Json)?.network_policy === 'cilium', 'network policy (Cilium)');
  rule(typeof cluster.automatic_upgrade_channel === 'string' && typeof cluster.node_os_upgrade_channel === 'string', 'automatic upgrade channels set');
  rule(defaultPool.only_critical_addons_enabled === true, 'system pool only for critical add-ons');
  for (const pool of [defaultPool, ...pools]) {
    rule(pool.host_encryption_enabled === true, `pool ${String(pool.name)}: host encryption`);
    rule(Number(pool.max_pods) >= 50, `pool ${String(pool.name)}: max_pods ≥ 50`);
    rule(pool.node_public_ip_enabled !== true, `pool ${String(pool.name)}: no public node IPs`);
  }
  for (const gpu of env.gpuPools) {
    const pool = pools.find((p) => p.name === gpu.name);
    rule(pool !== undefined, `GPU pool ${gpu.name} exists`);
    rule(((pool?.node_taints as string[]) ?? []).includes('nvidia.com/gpu=present:NoSchedule'), `GPU pool ${gpu.name}: tainted nvidia.com/gpu`);
    rule(pool?.auto_scaling_enabled === true, `GPU pool ${gpu.name}: autoscaling`);
  }
  if (env.stage === 'prod') {
    rule(cluster.private_cluster_enabled === true, 'prod: private API server');
    rule(cluster.sku_tier !== 'Free', 'prod: paid control-plane tier');
    rule(typeof cluster.disk_encryption_set_id === 'string', 'prod: customer-managed disk encryption');
    rule((cluster.lifecycle as Json)?.prevent_destroy === true, 'prod: prevent_destroy on the cluster');
    rule(((defaultPool.zones as string[]) ?? []).length >= 2, 'prod: zonal system pool');
    rule(env.security.allowSpotInProduction || pools.every((p) => p.priority !== 'Spot'), 'prod: no spot pools unless allowed');
  }
  return problems;
}

function forkRules(configs: readonly EnvironmentConfig[]): void {
  const { envs, stacks, names } = synth(configs);
  const json = environmentsJson(envs);
  test.each(envs.map((e) => [e.name, e] as const))('%s keeps the cluster baseline of its stage', (_name, env) => {
    expect(clusterRuleProblems(env, stacks(`${env.name}-cluster`))).toEqual([]);
  });
  test('every environment gets its stacks, a checkov config, plans and a place in the deploy order', () => {
    // Each stack is planned on pull requests or listed with the reason it is not.
    expect([...json.plan, ...json.unplanned].map((p) => p.stack).sort()).toEqual([...names].sort());
    for (const env of envs) {
      expect(json.deploy[env.stage].map((d) => d.environment)).toContain(env.name);
      expect(checkovSkips(env, 'cluster').every((s) => s.reason.length > 20)).toBe(true);
      expect(stacks(`${env.name}-platform`).terraform.backend).toBeDefined();
    }
  });
}

describe('environments/ as a fork edits it', () => {
  describe('as it is', () => forkRules(ENVIRONMENTS));

  const [first] = ENVIRONMENTS;
  const base = ENVIRONMENTS.find((e) => e.stage !== 'prod') ?? first;
  describe('a GPU pool more, a component off, a profile more', () => forkRules(ENVIRONMENTS.map((e) => (e !== base ? e : {
    ...e,
    gpuPools: [...(e.gpuPools ?? []), { name: 'extra', vmSize: (e.gpuPools ?? [])[0]?.vmSize ?? 'Standard_NC4as_T4_v3', maxCount: 1, spot: e.stage !== 'prod' }],
    platform: { ...e.platform, components: { ...e.platform?.components, katib: false } },
    profiles: [...(e.profiles ?? []), { name: 'fork-team', owner: e.profiles?.[0]?.owner ?? 'someone@fork.test' }],
  }))));

  describe('a new environment: one file, one line in the index', () => {
    // What a fork's new file would hold: a copy of an existing one with its own name, network, state and host
    // (environments never share a host or a state account: environments/across-environments.ts).
    const added: EnvironmentConfig = {
      ...base,
      name: 'zz9gen',
      network: { vnetCidr: '10.251.0.0/16', nodeSubnetCidr: '10.251.0.0/22' },
      remoteState: { ...base.remoteState, storageAccountName: 'stkubeflowtfstatezz9gen' },
      ...(base.access ? { access: { ...base.access, host: `zz9gen.${base.access.host}` } } : {}),
    };
    forkRules([...ENVIRONMENTS, added]);
    test('it appears in synth, checkov, the plan matrix and the deploy order', () => {
      const { envs, names } = synth([...ENVIRONMENTS, added]);
      expect(names).toEqual(expect.arrayContaining(['zz9gen-cluster', 'zz9gen-platform']));
      const json = environmentsJson(envs);
      expect(json.plan.filter((p) => p.environment === 'zz9gen').map((p) => p.stack)).toEqual(['zz9gen-cluster']);
      expect(json.unplanned.map((p) => p.stack)).toContain('zz9gen-platform');
      expect(json.deploy[added.stage].map((d) => d.environment)).toContain('zz9gen');
    });
  });
});

describe('the baseline rules catch a broken cluster', () => {
  test('a prod cluster with a public API server and local accounts', () => {
    const { envs, stacks } = synth(ENVIRONMENTS);
    const env = envs.find((e) => e.stage === 'prod') ?? { ...envs[0], stage: 'prod' as const };
    const parsed = JSON.parse(JSON.stringify(stacks(`${env.name}-cluster`))) as SynthJson;
    const cluster = Object.values(parsed.resource.azurerm_kubernetes_cluster)[0] as Json;
    cluster.private_cluster_enabled = false;
    cluster.local_account_disabled = false;
    expect(clusterRuleProblems(env, parsed)).toEqual(expect.arrayContaining([`${env.name}: local accounts disabled`, `${env.name}: prod: private API server`]));
  });
});
