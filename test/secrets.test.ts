import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdktf';
import { EnvironmentConfig, loadEnvironments } from '../environments';
import { dev } from './fixtures/environments';
import { scanForSecrets } from '../scripts/scan-secrets';
import { addEnvironment } from '../stacks/app';

function synthesizeAll(configs?: readonly EnvironmentConfig[]): Record<string, unknown> {
  const app = Testing.app();
  for (const env of loadEnvironments(configs)) addEnvironment(app, env);
  app.synth();
  const stacksDir = join(app.outdir, 'stacks');
  return Object.fromEntries(readdirSync(stacksDir).map((name) => [name, JSON.parse(readFileSync(join(stacksDir, name, 'cdk.tf.json'), 'utf8'))]));
}

describe('no secret in synthesized output', () => {
  const stacks = synthesizeAll();

  test('every stack of every environment is scanned', () => {
    expect(Object.keys(stacks).sort()).toEqual(loadEnvironments().flatMap((e) => [`${e.name}-cluster`, `${e.name}-platform`]).sort());
  });

  test.each(Object.keys(stacks))('%s has no secret-looking value or static credential', (name) => {
    expect(scanForSecrets(stacks[name])).toEqual([]);
  });

  test('generated credentials appear only as references (fixture dev)', () => {
    const fixture = synthesizeAll([dev])['dev-platform'] as { resource: Record<string, Record<string, unknown>> };
    expect(JSON.stringify(fixture)).toMatch(/random_password\.[\w-]+\.result/);
    // Katib MySQL, Pipelines MySQL, object-store keys and TensorBoard signing key, oauth2-proxy's cookie secret, Model Registry's PostgreSQL.
    expect(Object.keys(fixture.resource.random_password)).toHaveLength(7);
    // Each reaches the cluster only through a kubernetes Secret (sensitive in plans), never a Helm value.
    for (const release of Object.values(fixture.resource.helm_release)) expect(JSON.stringify(release)).not.toContain('random_password');
  });
});

/** A use of an ephemeral value that is allowed: a write-only argument (`*_wo`, or a key of `data_wo`). */
const WRITE_ONLY_USE = /^[a-z0-9_]+\.[\w-]+\.([a-z0-9_]+_wo|data_wo\.[A-Z_]+)$/;

/** Every place in a stack's resources where an ephemeral value is used, as `type.name path`. */
function ephemeralUses(stack: { resource?: Record<string, Record<string, unknown>> }): string[] {
  const uses: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string' && value.includes('ephemeral.')) uses.push(path);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  for (const [type, byName] of Object.entries(stack.resource ?? {})) for (const [name, body] of Object.entries(byName)) walk(body, `${type}.${name}`);
  return uses;
}

describe('the MySQL administrator password is in no plan and no state (prod fixture: dataStores.mysql "azure")', () => {
  const stacks = synthesizeAll() as Record<string, { resource: Record<string, Record<string, Record<string, unknown> & { '//'?: { metadata?: { path?: string } } }>>; ephemeral?: Record<string, unknown> }>;
  const withMysql = Object.keys(stacks).filter((name) => name.endsWith('-cluster') && stacks[name].resource.azurerm_mysql_flexible_server);

  test('some environment has the server, so these checks check something', () => {
    expect(withMysql).toEqual(['prod-cluster']);
  });

  test.each(Object.keys(stacks))('%s: ephemeral values reach write-only arguments only', (name) => {
    for (const use of ephemeralUses(stacks[name])) expect(use).toMatch(WRITE_ONLY_USE);
  });

  test.each(Object.keys(stacks))('%s: no resource holds the administrator password: no random_password for it, the server takes it write-only', (name) => {
    const stack = stacks[name];
    const generated = Object.values(stack.resource.random_password ?? {}).map((r) => r['//']?.metadata?.path ?? '');
    expect(generated.filter((path) => /mysql\/admin|admin-password/.test(path))).toEqual([]);
    for (const server of Object.values(stack.resource.azurerm_mysql_flexible_server ?? {})) {
      expect(server.administrator_password).toBeUndefined();
      expect(server.administrator_password_wo).toMatch(/^\$\{ephemeral\.random_password\.[\w-]+\.result\}$/);
    }
    // Nor does any output: ephemeral values cannot leave a stack, and no output names the password.
    expect(JSON.stringify((stack as { output?: unknown }).output ?? {})).not.toMatch(/random_password|administrator_password|key_vault_secret/);
  });

  test('the one reader of the password outside the cluster stack is the platform\'s ephemeral read, into the user Job\'s write-only data', () => {
    const uses = Object.keys(stacks).flatMap((name) => ephemeralUses(stacks[name]).map((u) => `${name} ${u}`));
    expect(uses.map((u) => u.replace(/_[0-9A-F]{8}\b/g, ''))).toEqual([
      'prod-cluster azurerm_key_vault_secret.mysql_admin-password-secret.value_wo',
      'prod-cluster azurerm_mysql_flexible_server.mysql_server.administrator_password_wo',
      'prod-platform kubernetes_secret_v1.azure-mysql_job-credentials.data_wo.ADMIN_PASSWORD',
    ]);
  });

  test('a planted non-write-only use is found', () => {
    const planted = { resource: { azurerm_resource_group: { rg: { tags: { leak: '${ephemeral.random_password.x.result}' } } } } };
    expect(ephemeralUses(planted)).toEqual(['azurerm_resource_group.rg.tags.leak']);
    expect(ephemeralUses(planted)[0]).not.toMatch(WRITE_ONLY_USE);
  });
});

describe('the scanner finds what it looks for', () => {
  test.each([
    ['a literal password field', { password: 'hunter2hunter2' }],
    ['a literal in a JSON patch string', { patch: JSON.stringify({ stringData: { secretkey: 'abc123abc123' } }) }],
    ['an upstream demo credential', { values: ['accesskey: minio\nsecretkey: minio123'] }],
    ['a private key', { key_data: '-----BEGIN RSA PRIVATE KEY-----\nMIIE' }],
    ['a storage connection string', { cs: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abcdefghijklmnopqrstuvwxyz0123==' }],
    ['a JWT', { header: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc' }],
    ['a kubeconfig token', { users: [{ user: { token: 'sometokenvalue123' } }] }],
  ])('%s', (_what, sample) => {
    expect(scanForSecrets(sample).length).toBeGreaterThan(0);
  });

  test('references and ordinary values pass', () => {
    expect(scanForSecrets({ password: '${random_password.x.result}', key: 'dev/cluster.tfstate', token_url: 'n/a', args: ['get-token', '--login', 'azurecli'] })).toEqual([]);
  });
});
