import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigError, EnvironmentConfig, EnvironmentsError, loadEnvironments, resolveEnvironment } from '../environments';
import { synthesize } from '../stacks/synth';
import { dev, prod, staging } from './fixtures/environments';

/** The problems of a refused environment, as `setting: accepted` lines. */
function problems(config: EnvironmentConfig): string[] {
  try {
    resolveEnvironment(config);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.setting}: got ${p.value}; ${p.accepted}`);
    throw error;
  }
  return [];
}

function loadProblems(configs: readonly EnvironmentConfig[]): string[] {
  try {
    loadEnvironments(configs);
  } catch (error) {
    if (error instanceof EnvironmentsError) return error.errors.flatMap((e) => e.problems.map((p) => `${e.environment}: ${p.setting}: ${p.accepted}`));
    throw error;
  }
  return [];
}

describe('configuration text never becomes code', () => {
  test.each([
    ['a tag value', { ...dev, tags: { owner: 'a-${var.x}' } }, 'tags.owner'],
    ['a tag name', { ...dev, tags: { '${x}': 'y' } }, 'tags["${x}"]'],
    ['a directive', { ...dev, tags: { owner: '%{ if true }x%{ endif }' } }, 'tags.owner'],
    ['the escape $${', { ...dev, tags: { owner: 'cost-$${center}' } }, 'tags.owner'],
    ['the escape %%{', { ...dev, tags: { owner: '100%%{x}' } }, 'tags.owner'],
    ['the display name', { ...dev, access: { ...dev.access!, application: { mode: 'create' as const, displayName: 'Kubeflow ${terraform.workspace}' } } }, 'access.application.displayName'],
    ['a Helm value, deep in platform.values', { ...dev, platform: { values: { certManager: { extraArgs: ['--x', '--y=${local.z}'], podLabels: { team: { name: '%{for x in y}' } } } } } }, 'platform.values.certManager.extraArgs[1]'],
    ['a profile quota', { ...dev, profiles: [{ ...dev.profiles![0], quota: { cpu: '${1+1}' } }] }, 'profiles[0].quota.cpu'],
  ])('%s is refused, naming the setting', (_what, config, setting) => {
    const found = problems(config as EnvironmentConfig).filter((p) => p.startsWith(`${setting}: `));
    // A field's own rule may refuse the value too (a quota is not a quantity): the template rule is always among them.
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/; (this name contains|contains) "[$%]\{".*which Terraform reads as the start of an expression.*accepted: text without "\$\{" or "%\{"; no escape is accepted either \("\$\$\{", "%%\{"\)$/)]));
  });

  test('a setting a fork adds is covered by the same walk (no per-field check)', () => {
    // A fork that adds `costCenter` would declare it in the schema; the walk runs regardless of the declarations.
    const found = problems({ ...dev, costCenter: '${COST_CENTER}' } as unknown as EnvironmentConfig);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^costCenter: got "\$\{COST_CENTER\}"; contains "\$\{"/)]));
  });

  test('a dollar or percent sign without a brace, and a brace alone, are ordinary text', () => {
    expect(problems({ ...dev, tags: { owner: 'ml-platform $5 {team} 100%', 'cost-center': '$ {x} % {y}' } })).toEqual([]);
  });

  test('synth refuses both reproductions of issue 19 with a clear message and writes no stack', () => {
    const lines: string[] = [];
    const errors = jest.spyOn(console, 'error').mockImplementation((m: string) => { lines.push(m); });
    const exitCode = process.exitCode;
    try {
      const app = synthesize([
        { ...dev, tags: { ...dev.tags, ops: 'OPS-${random_password.mysql_admin-password_x.result}' } },
        { ...prod, access: { ...prod.access!, application: { mode: 'create', displayName: '${file(pathexpand("~/.azure/azureProfile.json"))}' } } },
      ], mkdtempSync(join(tmpdir(), 'synth-')));
      expect(app).toBeUndefined();
      expect(process.exitCode).toBe(1);
    } finally {
      errors.mockRestore();
      process.exitCode = exitCode;
    }
    const text = lines.join('\n');
    expect(text).toContain('Environment "dev" is invalid (1 problem):\n  - tags.ops: got "OPS-${random_password.mysql_admin-password_x.result}"; contains "${"');
    expect(text).toContain('Environment "prod" is invalid (1 problem):\n  - access.application.displayName: got "${file(pathexpand(\\"~/.azure/azureProfile.json\\"))}"; contains "${"');
  });
});

describe('profile addresses are lower case (Kubeflow compares the user header exactly)', () => {
  test('an owner with capitals is refused, with the lower-case form to write', () => {
    expect(problems({ ...dev, profiles: [{ name: 'ml-team', owner: 'Alice@example.com' }] })).toEqual([
      expect.stringMatching(/^profiles\[0\]\.owner: got "Alice@example\.com"; has capitals: Kubeflow compares this address with the signed-in user's email claim \(the kubeflow-userid header\) character for character.*write "alice@example\.com"/),
    ]);
  });

  test('a contributor with capitals is refused', () => {
    expect(problems({ ...dev, profiles: [{ name: 'ml-team', owner: 'alice@example.com', contributors: [{ email: 'Bob@Example.com', role: 'edit' }] }] })).toEqual([
      expect.stringMatching(/^profiles\[0\]\.contributors\[0\]\.email: got "Bob@Example\.com"; has capitals.*write "bob@example\.com"/),
    ]);
  });

  test('lower-case addresses pass unchanged', () => {
    const env = resolveEnvironment({ ...dev, profiles: [{ name: 'ml-team', owner: 'alice.smith@example.com', contributors: [{ email: 'bob+ml@example.com', role: 'view' }] }] });
    expect(env.profiles[0]).toMatchObject({ owner: 'alice.smith@example.com', contributors: [{ email: 'bob+ml@example.com', role: 'view' }] });
  });
});

describe('rules between environments (where all of them are loaded together)', () => {
  const staging2 = (changes: Partial<EnvironmentConfig>): EnvironmentConfig => ({ ...staging, name: 'staging2', ...changes });

  test('the three sample environments pass, with no warning between them', () => {
    const envs = loadEnvironments([dev, staging, prod]);
    expect(envs.flatMap((e) => e.warnings).filter((w) => /overlaps network\.vnetCidr/.test(w))).toEqual([]);
  });

  test('two environments on one host: refused on the later one, naming the other and the shared challenge record', () => {
    expect(loadProblems([dev, staging2({ access: { ...staging.access!, host: 'kubeflow.dev.example.com' }, remoteState: { ...staging.remoteState, storageAccountName: 'stkubeflowtfstatest2' }, network: { vnetCidr: '10.40.0.0/16', nodeSubnetCidr: '10.40.0.0/22' } })])).toEqual([
      expect.stringMatching(/^staging2: access\.host: environment "dev" already uses this host: .*_acme-challenge\.kubeflow\.dev\.example\.com, the only record its cert-manager identity may change$/),
    ]);
  });

  test('two environments with one state account: refused', () => {
    expect(loadProblems([dev, staging2({ access: { ...staging.access!, host: 'kubeflow.staging2.example.com' }, remoteState: { ...staging.remoteState, storageAccountName: 'stkubeflowtfstatedev' }, network: { vnetCidr: '10.40.0.0/16', nodeSubnetCidr: '10.40.0.0/22' } })])).toEqual([
      expect.stringMatching(/^staging2: remoteState\.storageAccountName: environment "dev" keeps its state in this account: give each environment its own state storage account/),
    ]);
  });

  test('overlapping virtual networks: a warning naming both environments, not an error', () => {
    const envs = loadEnvironments([dev, staging2({ access: { ...staging.access!, host: 'kubeflow.staging2.example.com' }, remoteState: { ...staging.remoteState, storageAccountName: 'stkubeflowtfstatest2' }, network: { vnetCidr: '10.10.128.0/17', nodeSubnetCidr: '10.10.128.0/22' } })]);
    expect(envs[0].warnings.filter((w) => /overlaps/.test(w))).toEqual([]);
    expect(envs[1].warnings).toContainEqual('staging2: network.vnetCidr 10.10.128.0/17 overlaps network.vnetCidr 10.10.0.0/16 of environment "dev": the two networks can never be peered or reached over one VPN; give each environment its own range');
  });

  test('synth prints the overlap warning and still writes the stacks', () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((m: string) => { lines.push(m); });
    const errors = jest.spyOn(console, 'error').mockImplementation((m: string) => { lines.push(m); });
    try {
      const app = synthesize([dev, staging2({ access: { ...staging.access!, host: 'kubeflow.staging2.example.com' }, remoteState: { ...staging.remoteState, storageAccountName: 'stkubeflowtfstatest2' }, network: { vnetCidr: '10.10.0.0/16', nodeSubnetCidr: '10.10.0.0/22' } })], mkdtempSync(join(tmpdir(), 'synth-')));
      expect(app).toBeDefined();
    } finally {
      log.mockRestore();
      errors.mockRestore();
    }
    expect(lines).toContainEqual(expect.stringMatching(/^warning: staging2: network\.vnetCidr 10\.10\.0\.0\/16 overlaps network\.vnetCidr 10\.10\.0\.0\/16 of environment "dev"/));
  }, 60_000);
});
