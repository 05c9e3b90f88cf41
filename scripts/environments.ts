/**
 * `npm run environments`: the environments of environments/ as JSON, for the
 * workflows. Everything per environment derives from its file: the stacks, the
 * runner each deploy needs (environments/delivery.ts: a GitHub-hosted runner, or
 * the environment's own runner where a hosted one cannot reach: a private API
 * server, a firewalled Key Vault), the deploy order (by stage, dev → staging →
 * prod; the platform after its cluster), the pull requests' plans and
 * checkov's skips.
 *
 * Pull requests read this from their base branch, never from their own code,
 * and plan on a GitHub-hosted runner fixed in the workflow: the plan entries
 * carry no runner (docs/security.md).
 *
 *   npm run environments                          JSON on stdout
 *   npm run environments -- --github-output FILE  one `key=value` line per output, for $GITHUB_OUTPUT
 *   npm run environments -- --checkov DIR         write DIR/<stack>.yaml, checkov's config per stack
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { EnvironmentsError, ResolvedEnvironment, loadEnvironments } from '../environments';
import { ownRunnerReason, stackRunner } from '../environments/delivery';
import { adminVaultAllowedIpRanges } from '../constructs/mysql/mysql-server';
import type { Stage } from '../environments/types';
import { runCommand } from './run-command';

export const STAGE_ORDER: readonly Stage[] = ['dev', 'staging', 'prod'];

/** A stack a pull request plans: with the environment's read-only plan identity, on a hosted runner. */
export interface PlanEntry {
  readonly stack: string;
  readonly environment: string;
  /**
   * Whether the plan refreshes: false where the stack's Key Vault firewall admits only
   * the environment's own runner (a hosted runner would get 403 ForbiddenByFirewall),
   * and where the stack keeps a secret in a Key Vault (the MySQL administrator
   * password), which refreshing reads and the plan identity may not; such a plan
   * compares the configuration with the state, without reading Azure.
   */
  readonly refresh: boolean;
  /** Why the plan does not refresh, for its title; empty when it does. */
  readonly refreshNote: string;
  /** Repository variable holding the client id of the environment's plan identity. */
  readonly clientIdVariable: string;
  /** Repository variable holding the environment's subscription id. */
  readonly subscriptionIdVariable: string;
}

export interface EnvironmentsJson {
  readonly environments: readonly {
    readonly name: string;
    readonly stage: Stage;
    readonly privateApi: boolean;
    /** The Key Vault firewall of the cluster stack (customer-managed disk keys), or null. */
    readonly keyVaultAllowedIpRanges: readonly string[] | null;
    readonly deployRunner: { readonly labels: readonly string[]; readonly egressIpRanges: readonly string[]; readonly privateKeyVaultAccess: boolean };
  }[];
  /** The stacks pull requests plan. */
  readonly plan: readonly PlanEntry[];
  /** The stacks pull requests do not plan, each with the reason. */
  readonly unplanned: readonly { readonly stack: string; readonly reason: string }[];
  /** Per stage, in deploy order: the environments whose cluster and then platform stacks deploy in that stage, with `runs-on` as JSON. */
  readonly deploy: Readonly<Record<Stage, readonly { readonly environment: string; readonly clusterRunner: string; readonly platformRunner: string }[]>>;
}

/**
 * The GitHub environment a pull request's plan of an environment runs in: `plan-<env>`
 * (pull-request.yml writes the prefix). Its only purpose is the OIDC subject
 * `repo:<org>/<repo>:environment:plan-<env>`, which that environment's plan identity alone trusts.
 */
export const PLAN_ENVIRONMENT_PREFIX = 'plan-';

export function planEnvironment(environment: string): string {
  return `${PLAN_ENVIRONMENT_PREFIX}${environment}`;
}

/** The repository variable of an environment's plan identity or subscription: `AZURE_PLAN_CLIENT_ID_DEV`. */
export function planVariable(kind: 'CLIENT_ID' | 'SUBSCRIPTION_ID', environment: string): string {
  return `AZURE_PLAN_${kind}_${environment.toUpperCase()}`;
}

/**
 * Pull requests plan cluster stacks only. A platform stack's plan reads the Helm
 * release records, which are Kubernetes Secrets holding the releases' values: an
 * identity that may read them is not a read-only one. The offline preview shows
 * platform changes; the deploy job plans them from main before applying.
 */
const PLATFORM_NOT_PLANNED = 'platform stacks are not planned on pull requests: their plan reads Helm release Secrets, which a read-only identity may not; the offline preview shows the change, the deploy job plans it from main';

/** Why a pull request's plan of the cluster stack cannot refresh, or undefined when it can. */
function noRefreshReason(e: ResolvedEnvironment): string | undefined {
  if (ownRunnerReason(e, 'cluster') !== undefined) return 'its Key Vault admits only the deploy runner';
  if (e.dataStores.mysql.kind === 'azure') return 'refreshing reads the MySQL administrator password\'s Key Vault secret, which the plan identity may not';
  return undefined;
}

export function environmentsJson(envs: readonly ResolvedEnvironment[]): EnvironmentsJson {
  // A deploy environment named like a plan environment would let a pull request's plan job reach its deploying identity.
  const clash = envs.find((e) => e.name.startsWith(PLAN_ENVIRONMENT_PREFIX));
  if (clash) throw new Error(`environment "${clash.name}": a name starting with "${PLAN_ENVIRONMENT_PREFIX}" is taken by the pull requests' plan environments (GitHub environment ${planEnvironment(clash.name.slice(PLAN_ENVIRONMENT_PREFIX.length))} would be both a plan and a deploy environment): rename it`);
  const ordered = [...envs].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage));
  const deploy = Object.fromEntries(STAGE_ORDER.map((stage) => [stage, ordered.filter((e) => e.stage === stage).map((e) => ({
    environment: e.name,
    clusterRunner: JSON.stringify(stackRunner(e, 'cluster')),
    platformRunner: JSON.stringify(stackRunner(e, 'platform')),
  }))])) as unknown as EnvironmentsJson['deploy'];
  return {
    environments: ordered.map((e) => ({
      name: e.name,
      stage: e.stage,
      privateApi: e.apiAccess.mode === 'private',
      keyVaultAllowedIpRanges: e.security.diskEncryption === 'customer-managed' ? e.security.keyVaultAllowedIpRanges : null,
      deployRunner: e.delivery.deployRunner,
    })),
    plan: ordered.map((e) => ({
      stack: `${e.name}-cluster`,
      environment: e.name,
      refresh: noRefreshReason(e) === undefined,
      refreshNote: noRefreshReason(e) ?? '',
      clientIdVariable: planVariable('CLIENT_ID', e.name),
      subscriptionIdVariable: planVariable('SUBSCRIPTION_ID', e.name),
    })),
    unplanned: ordered.map((e) => ({ stack: `${e.name}-platform`, reason: PLATFORM_NOT_PLANNED })),
    deploy,
  };
}

export interface CheckovSkip {
  readonly check: string;
  readonly reason: string;
}

/**
 * checkov skips of a stack, each from an explicit setting of the environment
 * file (a relaxation) or from a resource only some environments have.
 */
export function checkovSkips(env: ResolvedEnvironment, layer: 'cluster' | 'platform'): CheckovSkip[] {
  if (layer === 'platform') return [];
  const file = `environments/${env.name}.ts`;
  const skips: CheckovSkip[] = [];
  if (env.apiAccess.mode === 'public') skips.push({ check: 'CKV_AZURE_115', reason: `private cluster: ${file} sets apiAccess.mode "public" with authorizedIpRanges` });
  if (env.security.diskEncryption === 'platform') skips.push({ check: 'CKV_AZURE_117', reason: `disk encryption set: ${file} sets security.diskEncryption "platform" (platform-managed keys)` });
  if (env.skuTier === 'Free') skips.push({ check: 'CKV_AZURE_170', reason: `paid SKU tier: ${file} sets skuTier "Free" (no uptime SLA)` });
  if (env.security.diskEncryption === 'customer-managed') {
    skips.push({ check: 'CKV_AZURE_40', reason: 'Key Vault key expiry: the disk key\'s rotation_policy (expire_after P1Y, rotate 30 days before) sets each version\'s expiry; a fixed expiration_date would go stale and break disk access' });
    skips.push({ check: 'CKV2_AZURE_32', reason: 'Key Vault private endpoint: the vault\'s firewall denies all but the deploying runner (security.keyVaultAllowedIpRanges) and Azure services; a private endpoint needs the hub network and private DNS this project does not own' });
  }
  skips.push(...dataStoreSkips(env, file));
  return skips;
}

/** Skips that come with the data stores (`dataStores`), only where their resources exist. */
function dataStoreSkips(env: ResolvedEnvironment, file: string): CheckovSkip[] {
  const stores = env.dataStores;
  const skips: CheckovSkip[] = [];
  if (stores.mysql.kind === 'azure') {
    skips.push({ check: 'CKV_AZURE_41', reason: 'Key Vault secret expiry: the MySQL administrator password secret changes by version (npm run rotate-secret -- <env> azure-mysql-admin); a fixed expiration_date would go stale with nothing rotating behind it' });
    if (!adminVaultAllowedIpRanges(env)) {
      skips.push({ check: 'CKV_AZURE_109', reason: `Key Vault firewall: the vault of the MySQL administrator password admits any caller with a role on it (Entra ID and Azure RBAC only), because a stack of ${file} deploys from a runner with no fixed address or through a private endpoint this project does not create (constructs/mysql/mysql-server.ts, adminVaultAllowedIpRanges)` });
      if (env.security.diskEncryption !== 'customer-managed') {
        skips.push({ check: 'CKV2_AZURE_32', reason: 'Key Vault private endpoint: the vault of the MySQL administrator password is reached over Entra ID and Azure RBAC; a private endpoint needs the hub network and private DNS this project does not own' });
      }
    }
    skips.push({ check: 'CKV_AZURE_53', reason: 'MySQL public access: the Flexible Server sets public_network_access "Disabled" (azurerm 4.x); the check reads public_network_access_enabled, which azurerm 4.x does not have' });
    skips.push({ check: 'CKV2_AZURE_56', reason: 'MySQL private endpoint: the server uses private access in a delegated subnet (VNet integration), which has no public endpoint and cannot take a private endpoint' });
    if (!stores.mysql.geoRedundantBackup) {
      skips.push({ check: 'CKV_AZURE_94', reason: `MySQL geo-redundant backups: ${file} leaves dataStores.azureMysql.geoRedundantBackup false (the default outside prod; backups stay in the region)` });
    }
  }
  const accounts = [
    ...(stores.artifacts.kind === 'azure-blob' ? [{ what: 'artifact', replication: stores.artifacts.replication, setting: 'dataStores.artifactStorage.replication' }] : []),
    ...(stores.clusterBackup ? [{ what: 'backup', replication: stores.clusterBackup.storageReplication, setting: `stage "${env.stage}"` }] : []),
  ];
  if (accounts.length > 0) {
    skips.push({ check: 'CKV_AZURE_33', reason: 'Queue logging: the data Storage Accounts use no queues; their blob reads, writes and deletes go to Log Analytics (diagnostic setting)' });
    skips.push({ check: 'CKV2_AZURE_21', reason: 'Blob read logging: a diagnostic setting sends StorageRead/Write/Delete to Log Analytics; the check only knows the classic azurerm_log_analytics_storage_insights' });
    if (env.security.diskEncryption === 'platform') {
      skips.push({ check: 'CKV2_AZURE_1', reason: `Storage customer-managed key: ${file} sets security.diskEncryption "platform", so the data Storage Accounts use Microsoft-managed keys (with infrastructure double encryption)` });
    }
    if (stores.clusterBackup) {
      skips.push({ check: 'CKV_AZURE_59', reason: 'Storage public access: the backup extension\'s account lets its Backup vault through the firewall as a trusted resource (Azure\'s prerequisite for a firewalled account), which needs public network access "from selected networks"; every other caller is denied and nodes use the private endpoint. The artifact account has public network access off (tested)' });
    }
    const local = accounts.filter((a) => a.replication === 'LRS' || a.replication === 'ZRS');
    if (local.length > 0) {
      skips.push({ check: 'CKV_AZURE_206', reason: `geo-replication: ${local.map((a) => `the ${a.what} account is ${a.replication} (${a.setting === `stage "${env.stage}"` ? `geo-redundant only in prod; ${file} is ${a.setting}` : `${file} sets ${a.setting}`})`).join('; ')}` });
    }
  }
  return skips;
}

export function checkovConfig(env: ResolvedEnvironment, layer: 'cluster' | 'platform'): string {
  const skips = checkovSkips(env, layer);
  return [
    `# Checkov config for ${env.name}-${layer}, generated by \`npm run environments -- --checkov\` from ${`environments/${env.name}.ts`}.`,
    '# Each skip: the check, then after "#" the setting that relaxes it or why it does not apply.',
    'framework:',
    '  - terraform_json',
    ...(skips.length === 0 ? ['skip-check: []'] : ['skip-check:', ...skips.map((s) => `  - ${s.check} # ${s.reason}`)]),
    '',
  ].join('\n');
}

function main(argv: string[]): number {
  if (argv.includes('--help')) {
    process.stdout.write('Usage: npm run environments -- [--github-output FILE] [--checkov DIR]\n  The environments of environments/ as JSON; plan matrix, deploy order and checkov configs derive from them.\n');
    return 0;
  }
  let envs: ResolvedEnvironment[];
  try {
    envs = loadEnvironments();
  } catch (error) {
    if (!(error instanceof EnvironmentsError)) throw error;
    console.error(error.message);
    return 1;
  }
  const json = environmentsJson(envs);
  const out = argv.indexOf('--github-output');
  const checkov = argv.indexOf('--checkov');
  if (checkov >= 0) {
    const dir = argv[checkov + 1];
    mkdirSync(dir, { recursive: true });
    for (const env of envs) for (const layer of ['cluster', 'platform'] as const) writeFileSync(join(dir, `${env.name}-${layer}.yaml`), checkovConfig(env, layer));
    console.log(`wrote ${envs.length * 2} checkov configs to ${dir}`);
  } else if (out >= 0) {
    const lines = [`plan=${JSON.stringify(json.plan)}`, ...STAGE_ORDER.map((s) => `${s}=${JSON.stringify(json.deploy[s])}`)];
    appendFileSync(argv[out + 1], `${lines.join('\n')}\n`);
    for (const u of json.unplanned) console.log(`not planned on pull requests: ${u.stack} (${u.reason})`);
  } else {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }
  return 0;
}

if (require.main === module) runCommand(main);
