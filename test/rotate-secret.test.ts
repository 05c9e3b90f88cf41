import { execFileSync } from 'child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SECRETS, rotationCommands, rotationLayer } from '../scripts/rotate-secret';
import { dev, prod } from './fixtures/environments';
import { synthPlatform } from './helpers';

/** Secret rotation, on what it would run against the fixture's synthesized platform stack. */
describe('npm run rotate-secret', () => {
  const { parsed } = synthPlatform(dev);
  const stack = parsed as unknown as Parameters<typeof rotationCommands>[2];

  test('cookie: a new value, the Secret follows (targeted), oauth2-proxy restarts', () => {
    const commands = rotationCommands('dev', 'cookie', stack);
    expect(commands).toEqual([
      ['terraform', '-chdir=cdktf.out/stacks/dev-platform', 'apply', '-input=false', expect.stringMatching(/^-replace=random_password\.oauth2-proxy_cookie-secret_value_[0-9A-F]+$/), expect.stringMatching(/^-target=random_password\./), '-auto-approve'],
      ['terraform', '-chdir=cdktf.out/stacks/dev-platform', 'apply', '-input=false', expect.stringMatching(/^-target=kubernetes_secret_v1\.oauth2-proxy_cookie_secret_[0-9A-F]+$/), '-auto-approve'],
      ['kubectl', '-n', 'oauth2-proxy', 'rollout', 'restart', 'deploy/oauth2-proxy'],
    ]);
  });

  test('MySQL: the server changes its password before the Secret does, then clients and MySQL restart', () => {
    const commands = rotationCommands('dev', 'katib-mysql', stack);
    expect(commands.map((c) => c.slice(0, 3).join(' '))).toEqual([
      'terraform -chdir=cdktf.out/stacks/dev-platform apply',
      'sh -c set -eu\nnew=$(terraform -chdir=cdktf.out/stacks/dev-platform show -json | node -e \'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).values.root_module.resources.find(x=>x.address==="' + commands[0][4].slice('-replace='.length) + '");process.stdout.write(r.values.result)})\')\nkubectl -n kubeflow exec deploy/katib-mysql -- sh -c \'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -e "ALTER USER root IDENTIFIED BY \\"$1\\"; ALTER USER root@localhost IDENTIFIED BY \\"$1\\""\' sh "$new"',
      'terraform -chdir=cdktf.out/stacks/dev-platform apply',
      'kubectl -n kubeflow',
      'kubectl -n kubeflow',
    ]);
    expect(commands.at(-2)).toEqual(['kubectl', '-n', 'kubeflow', 'rollout', 'restart', 'deploy/katib-db-manager']);
    expect(commands.at(-1)).toEqual(['kubectl', '-n', 'kubeflow', 'rollout', 'restart', 'deploy/katib-mysql']);
  });

  test('the MySQL step hands the new password from the state to ALTER USER', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotate-'));
    const [first, mysql] = rotationCommands('dev', 'pipelines-mysql', stack);
    const address = first[4].slice('-replace='.length);
    writeFileSync(join(dir, 'terraform'), `#!/bin/sh\necho '${JSON.stringify({ values: { root_module: { resources: [{ address, values: { result: 'NewPassw0rd' } }] } } })}'\n`);
    // The stub stands for the container: it runs the script kubectl would run there, with the pod's current password.
    writeFileSync(join(dir, 'kubectl'), [
      '#!/bin/sh',
      '# kubectl -n NS exec DEPLOY -- sh -c SCRIPT sh NEW: run SCRIPT as the container would, with its current password.',
      'shift 7',
      'script="$1"; shift',
      'MYSQL_ROOT_PASSWORD=OldPassw0rd; export MYSQL_ROOT_PASSWORD',
      'exec sh -c "mysql() { echo mysql \\"\\$@\\"; }; $script" "$@"',
      '',
    ].join('\n'));
    for (const f of ['terraform', 'kubectl']) chmodSync(join(dir, f), 0o755);
    const out = execFileSync(mysql[0], mysql.slice(1), { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect(out.trim()).toBe('mysql -uroot -pOldPassw0rd -e ALTER USER root IDENTIFIED BY "NewPassw0rd"; ALTER USER root@localhost IDENTIFIED BY "NewPassw0rd"');
  });

  test('PostgreSQL (Model Registry): the role changes its password before the Secret does, then the server and PostgreSQL restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotate-'));
    const commands = rotationCommands('dev', 'model-registry-db', stack);
    expect(commands.map((c) => c[0])).toEqual(['terraform', 'sh', 'terraform', 'kubectl', 'kubectl']);
    expect(commands.slice(-2)).toEqual([
      ['kubectl', '-n', 'kubeflow', 'rollout', 'restart', 'deploy/model-registry-deployment'],
      ['kubectl', '-n', 'kubeflow', 'rollout', 'restart', 'deploy/model-registry-db'],
    ]);
    const address = commands[0][4].slice('-replace='.length);
    expect(address).toMatch(/^random_password\.model-registry_db-password_value_/);
    writeFileSync(join(dir, 'terraform'), `#!/bin/sh\necho '${JSON.stringify({ values: { root_module: { resources: [{ address, values: { result: 'NewPassw0rd' } }] } } })}'\n`);
    writeFileSync(join(dir, 'kubectl'), [
      '#!/bin/sh',
      'shift 7',
      'script="$1"; shift',
      'POSTGRES_USER=modelregistry POSTGRES_DB=metadb; export POSTGRES_USER POSTGRES_DB',
      'exec sh -c "psql() { echo psql \\"\\$@\\"; }; $script" "$@"',
      '',
    ].join('\n'));
    for (const f of ['terraform', 'kubectl']) chmodSync(join(dir, f), 0o755);
    const out = execFileSync(commands[1][0], commands[1].slice(1), { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect(out.trim()).toBe('psql -v ON_ERROR_STOP=1 -U modelregistry -d metadb -c ALTER ROLE "modelregistry" PASSWORD \'NewPassw0rd\'');
  });

  test('every rotatable secret exists in a full platform stack', () => {
    for (const name of Object.keys(SECRETS)) expect(() => rotationCommands('dev', name, stack)).not.toThrow();
  });

  test('a component that is not installed is named', () => {
    const noKatib = synthPlatform({ ...dev, platform: { components: { katib: false } } }).parsed as unknown as Parameters<typeof rotationCommands>[2];
    expect(() => rotationCommands('dev', 'katib-mysql', noKatib)).toThrow(/dev-platform has no random_password at katib\/mysql-root-password\/value: is the component installed/);
  });

  test('with Azure MySQL: new passwords, the user Job and the clients\' Secrets, then every client restarts', () => {
    const azure = synthPlatform(prod).parsed as unknown as Parameters<typeof rotationCommands>[2];
    const commands = rotationCommands('prod', 'azure-mysql', azure);
    expect(commands[0].filter((a) => a.startsWith('-replace='))).toHaveLength(3);
    expect(commands[1]).toEqual(expect.arrayContaining([expect.stringMatching(/^-target=kubernetes_job_v1\.azure-mysql_users_/), expect.stringMatching(/^-target=kubernetes_secret_v1\.pipelines_mlmd-mysql-config_/)]));
    expect(commands.slice(2).map((c) => c[c.length - 1])).toEqual(['deploy/ml-pipeline', 'deploy/cache-server', 'deploy/metadata-grpc-deployment', 'deploy/katib-db-manager']);
    expect(() => rotationCommands('prod', 'katib-mysql', azure)).toThrow(/keeps its metadata on Azure MySQL \(dataStores\.mysql "azure"\): rotate azure-mysql instead/);
    expect(() => rotationCommands('dev', 'azure-mysql', stack)).toThrow(/keeps its metadata in the in-cluster MySQL/);
  });

  test('the Azure MySQL administrator: one cluster-stack apply that replaces the password version, for the vault\'s secret and the server', () => {
    expect(rotationLayer('azure-mysql-admin')).toBe('cluster');
    expect(rotationLayer('azure-mysql')).toBe('platform');
    // As `npm run synth` writes it (with each element's construct path).
    const cluster = synthPlatform(prod).cluster as unknown as Parameters<typeof rotationCommands>[2] & { resource: Record<string, Record<string, Record<string, unknown>>> };
    const commands = rotationCommands('prod', 'azure-mysql-admin', cluster);
    expect(commands).toEqual([[
      'terraform', '-chdir=cdktf.out/stacks/prod-cluster', 'apply', '-input=false',
      expect.stringMatching(/^-replace=terraform_data\.mysql_admin-password-version_[0-9A-F]+$/),
      expect.stringMatching(/^-target=azurerm_key_vault_secret\.mysql_admin-password-secret_[0-9A-F]+$/),
      expect.stringMatching(/^-target=azurerm_mysql_flexible_server\.mysql_server_[0-9A-F]+$/),
      '-auto-approve',
    ]]);
    // The record it replaces is the one both write-only versions are computed from.
    const version = commands[0][4].slice('-replace='.length);
    const secret = Object.values(cluster.resource.azurerm_key_vault_secret)[0];
    const server = Object.values(cluster.resource.azurerm_mysql_flexible_server)[0];
    for (const r of [secret.value_wo_version, server.administrator_password_wo_version]) expect(String(r)).toContain(`${version}.output`);
    const devCluster = synthPlatform(dev).cluster as unknown as Parameters<typeof rotationCommands>[2];
    expect(() => rotationCommands('dev', 'azure-mysql-admin', devCluster)).toThrow(/dev-cluster has no Azure MySQL server \(dataStores\.mysql is not "azure"\)/);
  });
});
