import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdktf';
import { ConfigError, EnvironmentConfig, ResolvedEnvironment, loadEnvironments, resolveEnvironment } from '../environments';
import { checkInterpolations, terraformFunctions, unquotedVariables } from '../scripts/interpolation-check';
import { addEnvironment } from '../stacks/app';
import { ClusterStack } from '../stacks/cluster-stack';
import { dev, prod, staging } from './fixtures/environments';

/** Every stack of the environments, as `cdktf synth` writes them. */
function synthesizeAll(envs: readonly ResolvedEnvironment[]): Record<string, unknown> {
  const app = Testing.app();
  for (const env of envs) addEnvironment(app, env);
  app.synth();
  const dir = join(app.outdir, 'stacks');
  return Object.fromEntries(readdirSync(dir).map((name) => [name, JSON.parse(readFileSync(join(dir, name, 'cdk.tf.json'), 'utf8'))]));
}

/** The cluster stack of an environment that skipped validation (what a construct bug or a fork's unchecked field would produce). */
function clusterOf(env: ResolvedEnvironment): Record<string, unknown> {
  const app = Testing.app();
  return JSON.parse(Testing.synth(new ClusterStack(app, `${env.name}-cluster`, { env }))) as Record<string, unknown>;
}

const TAG = 'OPS-${random_password.mysql_admin-password_x.result}';
const DISPLAY_NAME = '${file(pathexpand("~/.azure/azureProfile.json"))}';

describe('every synthesized stack refers only to what it declares', () => {
  const stacks = synthesizeAll(loadEnvironments([dev, staging, prod]));

  test.each(Object.keys(stacks))('%s', (name) => {
    expect(checkInterpolations(stacks[name])).toEqual([]);
  });

  test('the stacks of environments/ too (what CI checks after npm run synth)', () => {
    for (const [name, stack] of Object.entries(synthesizeAll(loadEnvironments()))) expect({ name, findings: checkInterpolations(stack) }).toEqual({ name, findings: [] });
  });
});

describe('the two injection reproductions of issue 19', () => {
  test('the tag is refused at validation, naming the setting, the value and what is accepted', () => {
    expect(() => resolveEnvironment({ ...dev, tags: { ...dev.tags, ops: TAG } })).toThrow(ConfigError);
    try {
      resolveEnvironment({ ...dev, tags: { ...dev.tags, ops: TAG } });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([{
        setting: 'tags.ops',
        value: JSON.stringify(TAG),
        accepted: expect.stringMatching(/^contains "\$\{", which Terraform reads as the start of an expression .*accepted: text without "\$\{" or "%\{"; no escape is accepted either/),
      }]);
    }
  });

  test('the display name is refused at validation', () => {
    const config: EnvironmentConfig = { ...dev, access: { ...dev.access!, application: { mode: 'create', displayName: DISPLAY_NAME } } };
    expect(() => resolveEnvironment(config)).toThrow(/access\.application\.displayName: got "\$\{file\(pathexpand\(\\"~\/\.azure\/azureProfile\.json\\"\)\)\}"; contains "\$\{"/);
  });

  test('past validation, the tag is a foreign reference in a stack without that resource: the check fails', () => {
    const env = resolveEnvironment(dev);
    const findings = checkInterpolations(clusterOf({ ...env, tags: { ...env.tags, ops: TAG } }));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings).toContainEqual({
      path: expect.stringMatching(/^resource\.azurerm_resource_group\.resource-group\.tags\.ops$/),
      expression: '${random_password.mysql_admin-password_x.result}',
      reason: 'refers to random_password.mysql_admin-password_x, which is not a resource of this stack: only what the stack\'s constructs create may be referenced',
    });
  });

  test('past validation, a reference to a resource the stack does have passes the check: validation is what stops it', () => {
    const env = resolveEnvironment(prod);
    const stack = clusterOf(env);
    // The administrator password is an ephemeral value now: the engines also refuse it in tags (not write-only).
    const admin = Object.keys((stack as { ephemeral: Record<string, Record<string, unknown>> }).ephemeral.random_password).find((id) => id.startsWith('mysql_admin-password'))!;
    const tag = `OPS-\${ephemeral.random_password.${admin}.result}`;
    expect(checkInterpolations(clusterOf({ ...env, tags: { ...env.tags, ops: tag } }))).toEqual([]);
    expect(() => resolveEnvironment({ ...prod, tags: { ...prod.tags, ops: tag } })).toThrow(/tags\.ops: got "OPS-\$\{ephemeral\.random_password\.mysql_admin-password_[0-9A-F]+\.result\}"; contains "\$\{"/);
  });

  test('past validation, the display name reads a file of the planning machine: the check fails', () => {
    const env = resolveEnvironment(dev);
    const access = { ...env.access!, application: { mode: 'create' as const, displayName: DISPLAY_NAME } };
    const reasons = checkInterpolations(clusterOf({ ...env, access })).map((f) => f.reason);
    expect(reasons).toEqual(expect.arrayContaining([
      expect.stringMatching(/^calls file\(\) on a path that does not start at path\.module/),
      expect.stringMatching(/^calls pathexpand\(\), which reads the home folder/),
    ]));
  });
});

describe('the check finds what it looks for', () => {
  const stack = (resource: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
    provider: { azurerm: [{ features: [{}] }, { alias: 'dns', features: [{}] }] },
    locals: { known: 'x' },
    variable: { region: { type: 'string' } },
    data: { azurerm_client_config: { me: {} } },
    resource: { azurerm_resource_group: { rg: { name: 'rg', location: 'westeurope' } }, ...resource },
    ...extra,
  });
  const findings = (resource: Record<string, Record<string, unknown>>, extra?: Record<string, unknown>) => checkInterpolations(stack(resource, extra)).map((f) => f.reason);

  test('what the stack declares and what the language provides pass', () => {
    expect(findings({
      azurerm_storage_account: {
        sa: {
          name: '${azurerm_resource_group.rg.name}-${local.known}-${var.region}-${data.azurerm_client_config.me.tenant_id}',
          tags: { a: '${[for t in azurerm_resource_group.rg.tags : upper(t)]}', b: '%{ for k, v in local.known }${k}=${v}%{ endfor }', literal: '$${not} %%{not}' },
          provider: 'azurerm.dns',
          count: 2,
          index: '${count.index}',
          path: '${abspath(path.module)} ${terraform.workspace}',
          file: '${filesha256("${abspath(path.module)}/../charts/x.tgz")}',
          depends_on: ['azurerm_resource_group.rg', 'data.azurerm_client_config.me'],
          lifecycle: { ignore_changes: ['tags'], replace_triggered_by: ['azurerm_resource_group.rg'], postcondition: [{ condition: '${self.name != ""}', error_message: 'x' }] },
          provisioner: [{ 'local-exec': { command: 'echo "$NAME" "$${NAME:-x}"', environment: { NAME: '${self.name}' } } }],
          dynamic: { rule: { for_each: '${local.known}', content: { value: '${rule.value}' } } },
        },
      },
    })).toEqual([]);
  });

  test.each([
    ['a resource the stack does not have', { tags: { t: '${random_password.elsewhere.result}' } }, /^refers to random_password\.elsewhere, which is not a resource of this stack/],
    ['a bare name (a shell-style variable in a tag)', { tags: { cost: '${COST_CENTER}' } }, /^"COST_CENTER" names nothing this stack declares/],
    ['an undeclared local', { name: '${local.other}' }, /^refers to local\.other, a local value this stack does not declare/],
    ['an undeclared variable', { name: '${var.secret}' }, /^refers to var\.secret, a variable/],
    ['an undeclared data source', { name: '${data.azurerm_key_vault_secret.s.value}' }, /^refers to data\.azurerm_key_vault_secret\.s, a data source/],
    ['a reference inside a directive', { name: '%{ if random_password.p.result != "" }x%{ endif }' }, /^refers to random_password\.p/],
    ['a reference inside a nested template', { name: '${upper("a-${random_password.p.result}")}' }, /^refers to random_password\.p/],
    ['a for variable used outside its for', { name: '${[for x in local.known : x]}${x}' }, /^"x" names nothing/],
    ['count.index in a block without count', { name: '${count.index}' }, /^"count\.index" is valid only as count\.index in a block with count/],
    ['self outside a provisioner', { name: '${self.id}' }, /^"self" is valid only in provisioners/],
    ['a function that is not Terraform\'s', { name: '${env("HOME")}' }, /^calls env\(\), which is not a Terraform function/],
    ['a file outside the stack folder', { name: '${file("/etc/passwd")}' }, /^calls file\(\) on a path that does not start at path\.module/],
    ['a file path built from a reference', { name: '${file("${path.module}/${local.known}")}' }, /^calls file\(\) on a path that does not start at path\.module/],
    ['pathexpand', { name: '${pathexpand("~")}' }, /^calls pathexpand\(\)/],
    ['an undeclared provider alias', { provider: 'azurerm.prod' }, /^no provider configuration "azurerm\.prod"/],
    ['depends_on a resource the stack does not have', { depends_on: ['azurerm_key_vault.elsewhere'] }, /^refers to azurerm_key_vault\.elsewhere/],
    ['a property name that is an expression', { tags: { '${random_password.p.result}': 'x' } }, /^refers to random_password\.p/],
    ['a broken template', { name: '${upper(}' }, /^not a valid Terraform template/],
    ['a provisioner command with an interpolation', { provisioner: [{ 'local-exec': { command: 'az group show --name ${azurerm_resource_group.rg.name}' } }] }, /^a provisioner command holds a Terraform interpolation/],
    ['a provisioner using its variable unquoted', { provisioner: [{ 'local-exec': { command: 'az group show --name $GROUP', environment: { GROUP: '${azurerm_resource_group.rg.name}' } } }] }, /^the script uses environment variable GROUP outside double quotes/],
  ])('%s', (_what, body, reason) => {
    expect(findings({ azurerm_storage_account: { sa: body } })).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
  });

  test('functions come from the catalogue cdktf generated its Fn class from', () => {
    const functions = terraformFunctions();
    expect(functions.size).toBeGreaterThan(100);
    for (const name of ['yamlencode', 'try', 'filesha256', 'base64decode', 'concat', 'tolist']) expect(functions.has(name)).toBe(true);
    expect(functions.has('env')).toBe(false);
  });

  test('shell quoting: single quotes never expand, double quotes and backslashes are followed', () => {
    expect(unquotedVariables('echo "$A" \'$B\' $C "${D}" \\$E $$' + '{F}', ['A', 'B', 'C', 'D', 'E', 'F'])).toEqual(['C', 'F']);
  });
});

describe('npm run interpolation:check', () => {
  const script = join(__dirname, '..', 'scripts', 'interpolation-check.ts');
  const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');

  test('exits 1 naming the file, the path and the reason on a planted reference; 0 on a clean stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'interpolation-'));
    const bad = join(dir, 'bad.tf.json');
    const good = join(dir, 'good.tf.json');
    writeFileSync(bad, JSON.stringify({ resource: { azurerm_resource_group: { rg: { name: 'rg', tags: { ops: TAG } } } } }));
    writeFileSync(good, JSON.stringify({ resource: { azurerm_resource_group: { rg: { name: 'rg', tags: { ops: 'OPS-$${literal}' } } } } }));
    const failed = spawnSync(tsx, [script, bad, good], { encoding: 'utf8' });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(`${bad}: resource.azurerm_resource_group.rg.tags.ops: refers to random_password.mysql_admin-password_x, which is not a resource of this stack`);
    expect(failed.stdout).not.toContain(`${good}:`);
    const passed = spawnSync(tsx, [script, good], { encoding: 'utf8' });
    expect(passed.status).toBe(0);
    expect(passed.stdout).toMatch(/every interpolation of 1 stack\(s\) refers only to what the stack declares/);
  }, 60_000);
});
