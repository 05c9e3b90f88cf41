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
