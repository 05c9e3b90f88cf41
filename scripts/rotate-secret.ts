/**
 * `npm run rotate-secret -- <env> <secret> [--dry-run]`: replaces one generated
 * credential of an environment's platform stack and makes its users pick it up.
 *
 *   cookie          oauth2-proxy's cookie secret: new value, oauth2-proxy restarted (everyone signs in again)
 *   katib-mysql     Katib's MySQL root password: changed in MySQL first, then the Secret, then db-manager restarted
 *   pipelines-mysql Pipelines' MySQL root password: the same, for the Pipelines clients
 *   model-registry-db Model Registry's PostgreSQL password: changed in PostgreSQL first, then the Secret, then the server restarted
 *   azure-mysql     with dataStores.mysql "azure": new passwords for every consumer's user; the user
 *                   Job sets them on the server (ALTER USER), then the clients restart
 *   azure-mysql-admin with dataStores.mysql "azure": a new administrator password, in the cluster
 *                   stack: a new password version, so the Key Vault secret (value_wo) and the
 *                   server (administrator_password_wo) take the same new value in one apply
 *
 * The commands run in order and stop at the first failure; `--dry-run` prints
 * them. It needs what a deploy needs: the synthesized stack (`npm run synth`),
 * Terraform or OpenTofu (as `npm run deploy` chooses), and kubectl signed in to
 * the cluster through kubelogin; missing tools are named before anything runs.
 *
 * Why MySQL takes more than a new Secret: MySQL reads MYSQL_ROOT_PASSWORD only
 * when it initializes an empty data directory, so the password is changed in
 * the running server with the current one, before the Secret moves. PostgreSQL
 * reads POSTGRES_PASSWORD the same way; inside its container psql connects over
 * the local socket, which the official image trusts.
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { chooseEngine, requireTools } from './prerequisites';
import { runCommand } from './run-command';

interface SecretSpec {
  /** Construct path prefix of the `random_password` in the platform stack. */
  readonly passwordPath: string;
  readonly namespace: string;
  /** Construct path of the `kubernetes_secret_v1` the running clients read. */
  readonly secretPath: string;
  /** The MySQL Deployment whose root password changes first. */
  readonly mysql?: string;
  /** The PostgreSQL Deployment whose role (`POSTGRES_USER`) password changes first. */
  readonly postgres?: string;
  /** Deployments restarted after the change. */
  readonly restart: readonly string[];
}

export const SECRETS: Readonly<Record<string, SecretSpec>> = {
  cookie: { passwordPath: 'oauth2-proxy/cookie-secret/value', secretPath: 'oauth2-proxy/cookie/secret', namespace: 'oauth2-proxy', restart: ['oauth2-proxy'] },
  'katib-mysql': { passwordPath: 'katib/mysql-root-password/value', secretPath: 'katib/mysql-secret/secret', namespace: 'kubeflow', mysql: 'katib-mysql', restart: ['katib-db-manager'] },
  'pipelines-mysql': { passwordPath: 'pipelines/mysql-root-password/value', secretPath: 'pipelines/mysql-secret/secret', namespace: 'kubeflow', mysql: 'mysql', restart: ['ml-pipeline', 'metadata-grpc-deployment', 'cache-server'] },
  'model-registry-db': { passwordPath: 'model-registry/db-password/value', secretPath: 'model-registry/db-secret/secret', namespace: 'kubeflow', postgres: 'model-registry-db', restart: ['model-registry-deployment'] },
};

type StackJson = { resource?: Record<string, Record<string, { '//'?: { metadata?: { path?: string } } }>> };

/** The Terraform address of the resource of a type at a construct path, in a synthesized stack. */
export function addressOf(stack: StackJson, stackName: string, type: string, path: string): string {
  const found = Object.entries(stack.resource?.[type] ?? {}).find(([, r]) => r['//']?.metadata?.path === `${stackName}/${path}`);
  if (!found) throw new Error(`${stackName} has no ${type} at ${path}: is the component installed in this environment? (synthesized stacks: npm run synth)`);
  return `${type}.${found[0]}`;
}

/** Consumers of the Azure MySQL server, with the Secret each reads and the Deployments that restart. */
const AZURE_MYSQL_CONSUMERS = [
  { consumer: 'pipelines', secretPath: 'pipelines/mysql-secret/secret', restart: ['ml-pipeline', 'cache-server'] },
  { consumer: 'metadata', secretPath: 'pipelines/mlmd-mysql-config/secret', restart: ['metadata-grpc-deployment'] },
  { consumer: 'katib', secretPath: 'katib/mysql-secret/secret', restart: ['katib-db-manager'] },
] as const;

function hasAt(stack: StackJson, stackName: string, type: string, path: string): boolean {
  return Object.values(stack.resource?.[type] ?? {}).some((r) => r['//']?.metadata?.path === `${stackName}/${path}`);
}

/**
 * With Azure MySQL: new passwords, then the user Job (replaced because its Secret
 * changed) runs ALTER USER on the server, the clients' Secrets follow, and the
 * clients restart. Connections opened before the restart keep working; new ones
 * from the old pods fail until they are replaced.
 */
function azureMysqlRotation(stack: StackJson, stackName: string, dir: string): string[][] {
  const consumers = AZURE_MYSQL_CONSUMERS.filter((c) => hasAt(stack, stackName, 'random_password', `azure-mysql/${c.consumer}-password/value`));
  const passwords = consumers.map((c) => addressOf(stack, stackName, 'random_password', `azure-mysql/${c.consumer}-password/value`));
  const job = addressOf(stack, stackName, 'kubernetes_job_v1', 'azure-mysql/users');
  const secrets = consumers.map((c) => addressOf(stack, stackName, 'kubernetes_secret_v1', c.secretPath));
  return [
    ['terraform', `-chdir=${dir}`, 'apply', '-input=false', ...passwords.flatMap((p) => [`-replace=${p}`, `-target=${p}`]), '-auto-approve'],
    ['terraform', `-chdir=${dir}`, 'apply', '-input=false', `-target=${job}`, ...secrets.map((x) => `-target=${x}`), '-auto-approve'],
    ...consumers.flatMap((c) => c.restart).map((deployment) => ['kubectl', '-n', 'kubeflow', 'rollout', 'restart', `deploy/${deployment}`]),
  ];
}

/** The stack a rotation works on: the administrator password lives in the cluster stack, the rest in the platform stack. */
export function rotationLayer(name: string): 'cluster' | 'platform' {
  return name === 'azure-mysql-admin' ? 'cluster' : 'platform';
}

/**
 * The MySQL administrator password, which is in no state: its version is the
 * creation time of a `terraform_data` record, so replacing the record bumps
 * `value_wo_version` and `administrator_password_wo_version` together, and that
 * apply hands both the same new ephemeral value (the vault first, then the
 * server). The consumers keep their users; the user Job reads the vault's value
 * when it next runs. Connections already open stay open.
 */
function azureMysqlAdminRotation(stack: StackJson, stackName: string, dir: string): string[][] {
  if (!hasAt(stack, stackName, 'azurerm_mysql_flexible_server', 'mysql/server')) {
    throw new Error(`${stackName} has no Azure MySQL server (dataStores.mysql is not "azure"): the in-cluster databases rotate with katib-mysql or pipelines-mysql`);
  }
  const version = addressOf(stack, stackName, 'terraform_data', 'mysql/admin-password-version');
  const secret = addressOf(stack, stackName, 'azurerm_key_vault_secret', 'mysql/admin-password-secret');
  const server = addressOf(stack, stackName, 'azurerm_mysql_flexible_server', 'mysql/server');
  return [['terraform', `-chdir=${dir}`, 'apply', '-input=false', `-replace=${version}`, `-target=${secret}`, `-target=${server}`, '-auto-approve']];
}

/** The commands a rotation runs, in order (`stack`: the synthesized stack of `rotationLayer(name)`). */
export function rotationCommands(env: string, name: string, stack: StackJson): string[][] {
  if (name === 'azure-mysql-admin') return azureMysqlAdminRotation(stack, `${env}-cluster`, `cdktf.out/stacks/${env}-cluster`);
  const stackName = `${env}-platform`;
  const azure = hasAt(stack, stackName, 'kubernetes_job_v1', 'azure-mysql/users');
  if (name === 'azure-mysql') {
    if (!azure) throw new Error(`${stackName} keeps its metadata in the in-cluster MySQL: rotate katib-mysql or pipelines-mysql instead`);
    return azureMysqlRotation(stack, stackName, `cdktf.out/stacks/${stackName}`);
  }
  if (azure && (name === 'katib-mysql' || name === 'pipelines-mysql')) {
    throw new Error(`${stackName} keeps its metadata on Azure MySQL (dataStores.mysql "azure"): rotate azure-mysql instead`);
  }
  const spec = SECRETS[name];
  const password = addressOf(stack, stackName, 'random_password', spec.passwordPath);
  const secret = addressOf(stack, stackName, 'kubernetes_secret_v1', spec.secretPath);
  const dir = `cdktf.out/stacks/${stackName}`;
  // 1. A new value, in the state only.
  const commands: string[][] = [['terraform', `-chdir=${dir}`, 'apply', '-input=false', `-replace=${password}`, `-target=${password}`, '-auto-approve']];
  const newValue = `new=$(terraform -chdir=${dir} show -json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).values.root_module.resources.find(x=>x.address==="${password}");process.stdout.write(r.values.result)})')`;
  if (spec.mysql) {
    // 2. MySQL changes its root password, logging in with the current one (the pod's environment).
    const mysql = [
      'set -eu',
      newValue,
      `kubectl -n ${spec.namespace} exec deploy/${spec.mysql} -- sh -c 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -e "ALTER USER root IDENTIFIED BY \\"$1\\"; ALTER USER root@localhost IDENTIFIED BY \\"$1\\""' sh "$new"`,
    ].join('\n');
    commands.push(['sh', '-c', mysql]);
  }
  if (spec.postgres) {
    // 2. PostgreSQL changes the role's password (generated values are letters and digits: safe in quotes).
    const postgres = [
      'set -eu',
      newValue,
      `kubectl -n ${spec.namespace} exec deploy/${spec.postgres} -- sh -c 'psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "ALTER ROLE \\"$POSTGRES_USER\\" PASSWORD '"'"'$1'"'"'"' sh "$new"`,
    ].join('\n');
    commands.push(['sh', '-c', postgres]);
  }
  // 3. The Secret the clients read takes the new value; nothing else of the stack is applied.
  commands.push(['terraform', `-chdir=${dir}`, 'apply', '-input=false', `-target=${secret}`, '-auto-approve']);
  for (const deployment of spec.restart) commands.push(['kubectl', '-n', spec.namespace, 'rollout', 'restart', `deploy/${deployment}`]);
  const db = spec.mysql ?? spec.postgres;
  if (db) commands.push(['kubectl', '-n', spec.namespace, 'rollout', 'restart', `deploy/${db}`]);
  return commands;
}

function main(argv: string[]): number {
  const [env, name] = argv.filter((a) => !a.startsWith('--'));
  const names = [...Object.keys(SECRETS), 'azure-mysql', 'azure-mysql-admin'];
  if (argv.includes('--help') || !env || !name || !names.includes(name)) {
    process.stdout.write(`Usage: npm run rotate-secret -- <env> <${names.join('|')}> [--dry-run]\n`);
    return argv.includes('--help') ? 0 : 1;
  }
  const stackName = `${env}-${rotationLayer(name)}`;
  const stack = JSON.parse(readFileSync(join('cdktf.out', 'stacks', stackName, 'cdk.tf.json'), 'utf8')) as StackJson;
  const dryRun = argv.includes('--dry-run');
  // The engine the deploys use (TERRAFORM_BINARY_NAME, else terraform, else tofu); kubectl for the restarts.
  const engine = dryRun ? 'terraform' : chooseEngine();
  if (!dryRun) requireTools(`rotate-secret ${name}`, ['kubectl', 'kubelogin']);
  const commands = rotationCommands(env, name, stack).map((cmd) => (cmd[0] === 'terraform' ? [engine, ...cmd.slice(1)] : cmd));
  for (const cmd of commands) {
    console.log(`$ ${cmd.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
    if (!dryRun) execFileSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  }
  return 0;
}

if (require.main === module) runCommand(main);
