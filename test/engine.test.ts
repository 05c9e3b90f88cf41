// The real engine decides: synthesized stacks load in OpenTofu, and the check
// that .ci/run runs over every stack fails on the defects that once passed
// every test (a self-contained precondition, `${…}` in replace_triggered_by).
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { engineAvailable, loadInEngine, tofuBinary } from '../scripts/engine-check';
import { prod } from './fixtures/environments';
import { SynthJson, synthCluster, synthPlatform } from './helpers';

const available = engineAvailable();
if (!available && process.env.CI) throw new Error(`the engine check needs OpenTofu (${tofuBinary()}); .ci/run builds it into .cache/bin`);
const describeEngine = available ? describe : describe.skip;
if (!available) test.skip(`engine tests skipped: no OpenTofu at ${tofuBinary()} (.ci/run builds it; or set TOFU_BIN)`, () => undefined);

const platform = available ? synthPlatform(prod) : undefined;
const cluster = available ? synthCluster(prod).parsed : undefined;

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

type Lifecycle = { precondition?: { condition: string; error_message: string }[]; replace_triggered_by?: string[] };

function findLifecycle(json: SynthJson, key: keyof Lifecycle): Lifecycle {
  for (const byName of Object.values(json.resource)) {
    for (const resource of Object.values(byName)) {
      const lifecycle = resource.lifecycle as Lifecycle | undefined;
      if (lifecycle?.[key]) return lifecycle;
    }
  }
  throw new Error(`no resource with lifecycle.${key}`);
}

describeEngine('OpenTofu loads what we synthesize', () => {
  test('the prod platform stack (placeholder guard, MySQL user Job, overlays) loads', () => {
    const result = loadInEngine('prod-platform', platform!.parsed as unknown as Record<string, unknown>);
    expect(result.output).toContain('Providers required by configuration');
    expect(result.ok).toBe(true);
  });

  test('the prod cluster stack loads', () => {
    const result = loadInEngine('prod-cluster', cluster as unknown as Record<string, unknown>);
    expect(result.ok).toBe(true);
  });

  test('a precondition that refers to nothing is refused (broken fixture)', () => {
    const broken = copy(cluster!);
    findLifecycle(broken, 'precondition').precondition![0].condition = '${false}';
    const result = loadInEngine('broken-precondition', broken as unknown as Record<string, unknown>);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/Invalid (precondition|condition) expression/);
  });

  test('`${…}` in replace_triggered_by is refused (broken fixture)', () => {
    const broken = copy(platform!.parsed);
    const lifecycle = findLifecycle(broken, 'replace_triggered_by');
    lifecycle.replace_triggered_by = lifecycle.replace_triggered_by!.map((r) => `\${${r}}`);
    const result = loadInEngine('broken-replace-triggered-by', broken as unknown as Record<string, unknown>);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('replace_triggered_by');
  });
});

describeEngine('the MySQL administrator password version, applied by OpenTofu (built-in terraform_data, local state)', () => {
  /** The version record and the version expression exactly as the prod cluster stack has them, with the version as an output. */
  function versionConfig(): Record<string, unknown> {
    const resources = cluster!.resource as Record<string, Record<string, Record<string, unknown>>>;
    const [id, record] = Object.entries(resources.terraform_data).find(([name]) => name.startsWith('mysql_admin-password-version'))!;
    const secret = Object.values(resources.azurerm_key_vault_secret)[0];
    const server = Object.values(resources.azurerm_mysql_flexible_server)[0];
    expect(server.administrator_password_wo_version).toBe(secret.value_wo_version);
    return { resource: { terraform_data: { [id]: record } }, output: { version: { value: secret.value_wo_version } }, '//': { id } };
  }

  test('the version holds across applies and grows when rotate-secret replaces its record', () => {
    const config = versionConfig();
    const id = (config['//'] as { id: string }).id;
    const dir = mkdtempSync(join(tmpdir(), 'engine-version-'));
    try {
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ ...config, '//': undefined }));
      // terraform_data is built in: nothing to install, so an empty CLI configuration.
      writeFileSync(join(dir, 'cli.tfrc'), 'disable_checkpoint = true\n');
      const env = { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
      const tofu = (...args: string[]) => {
        const run = spawnSync(tofuBinary(), [...args, '-no-color'], { cwd: dir, encoding: 'utf8', env });
        if (run.status !== 0) throw new Error(`tofu ${args.join(' ')}: ${run.stdout}${run.stderr}`);
        return run.stdout;
      };
      const version = () => Number(tofu('output', '-raw', 'version').trim());
      tofu('init', '-input=false');
      tofu('apply', '-auto-approve', '-input=false');
      const first = version();
      expect(String(first)).toMatch(/^20\d{12}$/);
      // Every deploy plans anew (plantimestamp() moves): ignore_changes keeps the version, so no new password.
      spawnSync('sleep', ['1.1']);
      expect(tofu('plan', '-input=false')).toContain('No changes.');
      tofu('apply', '-auto-approve', '-input=false');
      expect(version()).toBe(first);
      // What `npm run rotate-secret -- <env> azure-mysql-admin` runs: a new record, a larger version.
      tofu('apply', '-auto-approve', '-input=false', `-replace=terraform_data.${id}`);
      expect(version()).toBeGreaterThan(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without ignore_changes the version would move with every plan (broken fixture): the lifecycle is what keeps it', () => {
    const config = versionConfig();
    const record = Object.values((config.resource as { terraform_data: Record<string, Record<string, unknown>> }).terraform_data)[0];
    expect(record.lifecycle).toEqual({ ignore_changes: ['input'] });
    const dir = mkdtempSync(join(tmpdir(), 'engine-version-'));
    try {
      delete record.lifecycle;
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ ...config, '//': undefined }));
      writeFileSync(join(dir, 'cli.tfrc'), 'disable_checkpoint = true\n');
      const env = { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
      for (const args of [['init', '-input=false'], ['apply', '-auto-approve', '-input=false']]) expect(spawnSync(tofuBinary(), args, { cwd: dir, env }).status).toBe(0);
      spawnSync('sleep', ['1.1']);
      expect(spawnSync(tofuBinary(), ['plan', '-input=false', '-no-color'], { cwd: dir, encoding: 'utf8', env }).stdout).toMatch(/1 to change|must be replaced|will be updated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
