import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { ResolvedEnvironment, loadEnvironments } from '../environments';

const CONFIG_DIR = join(__dirname, '..', '.ci', 'checkov');

interface Skip {
  readonly check: string;
  readonly reason: string;
}

function skipsOf(stack: string): Skip[] {
  const text = readFileSync(join(CONFIG_DIR, `${stack}.yaml`), 'utf8');
  const section = text.split(/^skip-check:\s*$/m)[1] ?? '';
  return section
    .split('\n')
    .map((line) => /^\s+-\s+(CKV2?_[A-Z]+_\d+)\s*(?:#\s*(.*))?$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ check: m[1], reason: (m[2] ?? '').trim() }));
}

/** AKS checks an environment may skip, each tied to the explicit field that relaxes it. */
function aksRelaxations(env: ResolvedEnvironment): string[] {
  const checks: string[] = [];
  if (env.apiAccess.mode === 'public') checks.push('CKV_AZURE_115');
  if (env.security.diskEncryption === 'platform') checks.push('CKV_AZURE_117');
  if (env.skuTier === 'Free') checks.push('CKV_AZURE_170');
  return checks.sort();
}

/** Skips that belong to the customer-managed key's Key Vault, not to AKS. */
const KEY_VAULT_SKIPS = ['CKV2_AZURE_32', 'CKV_AZURE_40'];

describe('checkov configuration', () => {
  const environments = loadEnvironments();

  test('every stack has a config, and no config is left over', () => {
    const stacks = environments.flatMap((e) => [`${e.name}-cluster`, `${e.name}-platform`]).sort();
    const configs = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
    expect(configs).toEqual(stacks);
  });

  test.each(environments.map((e) => [e.name] as const))('%s-platform skips nothing', (name) => {
    const text = readFileSync(join(CONFIG_DIR, `${name}-platform.yaml`), 'utf8');
    expect(text).toMatch(/^skip-check: \[\]$/m);
    expect(skipsOf(`${name}-platform`)).toEqual([]);
  });

  test.each(environments.map((e) => [e.name, e] as const))('%s: every skip has a reason', (name) => {
    for (const skip of skipsOf(`${name}-cluster`)) expect(skip.reason.length).toBeGreaterThan(20);
  });

  test.each(environments.map((e) => [e.name, e] as const))('%s: AKS skips are exactly the relaxations its environment file asks for', (name, env) => {
    const aksSkips = skipsOf(`${name}-cluster`).map((s) => s.check).filter((c) => !KEY_VAULT_SKIPS.includes(c)).sort();
    expect(aksSkips).toEqual(aksRelaxations(env));
  });

  test('prod skips at most one AKS check', () => {
    const prodSkips = skipsOf('prod-cluster').map((s) => s.check).filter((c) => !KEY_VAULT_SKIPS.includes(c));
    expect(prodSkips.length).toBeLessThanOrEqual(1);
  });

  test.each(environments.map((e) => [e.name, e] as const))('%s: Key Vault skips only where there is a Key Vault', (name, env) => {
    const kvSkips = skipsOf(`${name}-cluster`).map((s) => s.check).filter((c) => KEY_VAULT_SKIPS.includes(c));
    expect(kvSkips.length > 0).toBe(env.security.diskEncryption === 'customer-managed');
  });
});
