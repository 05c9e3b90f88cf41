import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdktf';
import { ENVIRONMENTS, ResolvedEnvironment, loadEnvironments } from '../environments';
import { addEnvironment } from '../stacks/app';
import { stateKey } from '../stacks/state';
import { IMAGES } from '../catalog/versions';
import { MYSQL_CA_CONFIG_MAP, MYSQL_CA_FILE } from '../constructs/mysql/azure-mysql';
import type { SynthJson } from './helpers';

/**
 * The restore runbooks of docs/components/data-stores.md name Azure resources
 * as the stacks do, with `<env>` (or `<dr>`, the recovery environment) for the
 * environment's name. A construct that renames a resource must fail here, or
 * the runbook sends an operator to a vault or server that does not exist.
 */

const DOC = join(__dirname, '..', 'docs', 'components', 'data-stores.md');

/** Which environments have a store; a name is checked in each environment that has its store. */
type Store = 'cluster' | 'clusterBackup' | 'vaultTier' | 'mysql' | 'artifacts';
const HAS: Readonly<Record<Store, (env: ResolvedEnvironment) => boolean>> = {
  cluster: () => true,
  clusterBackup: (env) => Boolean(env.dataStores.clusterBackup),
  vaultTier: (env) => Boolean(env.dataStores.clusterBackup?.vaultTier),
  mysql: (env) => env.dataStores.mysql.kind === 'azure',
  artifacts: (env) => env.dataStores.artifacts.kind === 'azure-blob',
};

interface Expected {
  readonly type: string;
  readonly store: Store;
  /** The runbook names the start of a generated name (a hash follows). @default false */
  readonly prefix?: boolean;
}

/** Every `<env>` name the runbooks use, and what it must be in the synthesized cluster stack. */
const RESOURCES: Readonly<Record<string, readonly Expected[]>> = {
  'rg-kubeflow-<env>': [{ type: 'azurerm_resource_group', store: 'cluster' }],
  'vnet-kubeflow-<env>': [{ type: 'azurerm_virtual_network', store: 'cluster' }],
  // The cluster and the backup instance share the name.
  'aks-kubeflow-<env>': [{ type: 'azurerm_kubernetes_cluster', store: 'cluster' }, { type: 'azurerm_data_protection_backup_instance_kubernetes_cluster', store: 'clusterBackup' }],
  'bvault-kubeflow-<env>': [{ type: 'azurerm_data_protection_backup_vault', store: 'clusterBackup' }],
  'rg-kubeflow-<env>-backup-snapshots': [{ type: 'azurerm_resource_group', store: 'clusterBackup' }],
  'bvault-kubeflow-<env>-offsite': [{ type: 'azurerm_data_protection_backup_vault', store: 'vaultTier' }],
  'aks-kubeflow-<env>-offsite': [{ type: 'azurerm_data_protection_backup_instance_kubernetes_cluster', store: 'vaultTier' }],
  'rg-kubeflow-<env>-offsite-backup': [{ type: 'azurerm_resource_group', store: 'vaultTier' }],
  'rg-kubeflow-<env>-offsite-snapshots': [{ type: 'azurerm_resource_group', store: 'vaultTier' }],
  'mysql-kubeflow-<env>': [{ type: 'azurerm_mysql_flexible_server', store: 'mysql' }],
  'kubeflow-<env>.private.mysql.database.azure.com': [{ type: 'azurerm_private_dns_zone', store: 'mysql' }],
  'kvdb-kf-<env>': [{ type: 'azurerm_key_vault', store: 'mysql', prefix: true }],
  'kvdb-kf-<env>-': [{ type: 'azurerm_key_vault', store: 'mysql', prefix: true }],
  'start<env>': [{ type: 'azurerm_storage_account', store: 'artifacts', prefix: true }],
};

/** Names without `<env>` the runbooks pass to Azure, each a resource of every environment with its store. */
const FIXED: Readonly<Record<string, Expected>> = {
  mlpipeline: { type: 'azurerm_storage_container', store: 'artifacts' },
  'snet-mysql': { type: 'azurerm_subnet', store: 'mysql' },
  'mysql-admin-password': { type: 'azurerm_key_vault_secret', store: 'mysql' },
};

/** Servers the runbooks create beside a stack's server: never a name a stack uses. */
const MADE_BY_RUNBOOKS: Readonly<Record<string, string>> = {
  'mysql-kubeflow-<env>-pitr': 'mysql-kubeflow-<env>',
  'mysql-kubeflow-<env>-geo': 'mysql-kubeflow-<env>',
  // The recovery cluster's trusted-access binding to the offsite vault (runbook 7).
  'restore-from-<env>': 'aks-kubeflow-<env>',
};

/** The stacks `npm run plan/deploy` take, and the state blob of each. */
const STACKS = ['<env>-cluster', '<env>-platform'];
const STATE_KEYS = ['<env>/cluster.tfstate', '<env>/platform.tfstate'];

/** The runbooks: from "## Procedures" to the end of the page. */
function runbooksOf(page: string): string {
  const start = page.indexOf('\n## Procedures\n');
  if (start < 0) throw new Error(`${DOC} has no "## Procedures" section`);
  return page.slice(start);
}

/** What the runbooks run or name: fenced blocks and inline code spans. */
function codeOf(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const prose = markdown.replace(/```[a-z]*\n[\s\S]*?```/g, '');
  return [...fenced, ...[...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1])];
}

/** Every name written with an environment placeholder, `<dr>` read as `<env>` (a bare `<env>` is not a name). */
function placeholderNames(code: readonly string[]): string[] {
  const names = code.flatMap((c) => [...c.matchAll(/[A-Za-z0-9._-]*<(?:env|dr)>[A-Za-z0-9._-]*/g)].map((m) => m[0].replace(/<dr>/g, '<env>')));
  return [...new Set(names)].filter((n) => n !== '<env>').sort();
}

/** One sample environment, synthesized as `npm run synth` builds it. */
interface Synthesized {
  readonly env: ResolvedEnvironment;
  readonly stacks: readonly string[];
  readonly cluster: SynthJson;
}

function namesOfType(json: SynthJson, type: string): string[] {
  return Object.values(json.resource[type] ?? {}).map((r) => r.name).filter((n): n is string => typeof n === 'string');
}

/** Each way the runbooks' names differ from what the stacks build, as a sentence. */
function runbookProblems(runbooks: string, synthesized: readonly Synthesized[]): string[] {
  const code = codeOf(runbooks);
  const text = code.join('\n');
  const problems: string[] = [];
  const checked = new Set<Store>();
  const check = (name: string, e: Expected) => {
    for (const s of synthesized.filter((x) => HAS[e.store](x.env))) {
      checked.add(e.store);
      const real = name.replace(/<env>/g, s.env.name);
      const names = namesOfType(s.cluster, e.type);
      if (!names.some((n) => (e.prefix ? n.startsWith(real) : n === real))) {
        problems.push(`${s.env.name}: no ${e.type} ${e.prefix ? 'starting with' : 'named'} "${real}" (the runbooks' ${name}); it has ${JSON.stringify(names)}`);
      }
    }
  };

  for (const name of placeholderNames(code)) {
    if (RESOURCES[name]) RESOURCES[name].forEach((e) => check(name, e));
    else if (MADE_BY_RUNBOOKS[name]) {
      if (!RESOURCES[MADE_BY_RUNBOOKS[name]]) problems.push(`${name} is made beside ${MADE_BY_RUNBOOKS[name]}, which the table does not know`);
      for (const s of synthesized) {
        const real = name.replace(/<env>/g, s.env.name);
        if (Object.values(s.cluster.resource).some((byId) => Object.values(byId).some((r) => r.name === real))) problems.push(`${s.env.name}: "${real}" is a stack's resource, yet a runbook creates it`);
      }
    } else if (STACKS.includes(name)) {
      for (const s of synthesized) {
        const real = name.replace(/<env>/g, s.env.name);
        if (!s.stacks.includes(real)) problems.push(`${s.env.name}: no stack "${real}" (stacks: ${s.stacks.join(', ')})`);
      }
    } else problems.push(`${name}: a name the runbooks use that test/runbooks.test.ts does not know; add it to RESOURCES (with the resource it is) or MADE_BY_RUNBOOKS`);
  }
  for (const [name, e] of Object.entries(FIXED)) {
    if (!new RegExp(`(^|[\\s'"/=])${name}([\\s'"/]|$)`, 'm').test(text)) problems.push(`the runbooks no longer name ${name}: remove it from FIXED`);
    else check(name, e);
  }

  // State: the blob each stack keeps its state in.
  for (const key of STATE_KEYS) {
    if (!text.includes(key)) problems.push(`the runbooks do not name the state blob ${key}`);
    for (const s of synthesized) {
      const layer = key.endsWith('/cluster.tfstate') ? 'cluster' : 'platform';
      const real = key.replace('<env>', s.env.name);
      if (stateKey(s.env.name, layer) !== real) problems.push(`${s.env.name}: the ${layer} state is ${stateKey(s.env.name, layer)}, not ${real}`);
    }
  }
  for (const s of synthesized) {
    const backend = (s.cluster.terraform.backend as { azurerm?: { key?: string } } | undefined)?.azurerm?.key;
    if (backend !== `${s.env.name}/cluster.tfstate`) problems.push(`${s.env.name}: the cluster stack's backend key is ${backend}`);
  }

  // The databases the copy takes are the databases the server has.
  const dumped = /--databases ([a-z ]+)'/.exec(text)?.[1].trim().split(/\s+/).sort();
  for (const s of synthesized.filter((x) => HAS.mysql(x.env))) {
    const databases = namesOfType(s.cluster, 'azurerm_mysql_flexible_database').sort();
    if (JSON.stringify(dumped) !== JSON.stringify(databases)) problems.push(`${s.env.name}: the copy takes databases ${JSON.stringify(dumped)}, the server has ${JSON.stringify(databases)}`);
  }

  // The copy's pod: the user Job's client image and CA bundle.
  const image = `${IMAGES.mysqlClient.name}:${IMAGES.mysqlClient.tag}`;
  if (!text.includes(`image: ${image}`)) problems.push(`the copy's pod does not run the pinned client ${image}`);
  if (!text.includes(`configMap: { name: ${MYSQL_CA_CONFIG_MAP} }`) || !text.includes(`--ssl-ca=${MYSQL_CA_FILE}`)) problems.push(`the copy does not use the CA bundle ${MYSQL_CA_CONFIG_MAP} at ${MYSQL_CA_FILE}`);

  for (const store of Object.keys(HAS) as Store[]) {
    if (!checked.has(store)) problems.push(`no sample environment has ${store}: its names were checked nowhere`);
  }
  return problems;
}

describe('the restore runbooks name what the stacks build (docs/components/data-stores.md)', () => {
  const runbooks = runbooksOf(readFileSync(DOC, 'utf8'));
  const synthesized: Synthesized[] = loadEnvironments(ENVIRONMENTS).map((env) => {
    const app = Testing.app();
    const { cluster } = addEnvironment(app, env);
    return { env, stacks: app.node.children.map((c) => c.node.id), cluster: JSON.parse(Testing.synth(cluster)) as SynthJson };
  });

  test('the runbooks use the vault, instance, snapshot group, server and container names', () => {
    expect(placeholderNames(codeOf(runbooks))).toEqual(expect.arrayContaining([
      'aks-kubeflow-<env>', 'bvault-kubeflow-<env>', 'rg-kubeflow-<env>-backup-snapshots', 'mysql-kubeflow-<env>', 'start<env>',
    ]));
  });

  test('every name is the resource it stands for, in each sample environment that has its store', () => {
    expect(runbookProblems(runbooks, synthesized)).toEqual([]);
  });

  test('a renamed resource is named, with the environment and what the stack has instead', () => {
    const renamed = synthesized.map((s) => ({ ...s, cluster: JSON.parse(JSON.stringify(s.cluster).replace(/"bvault-kubeflow-/g, '"bv-kubeflow-')) as SynthJson }));
    const problems = runbookProblems(runbooks, renamed);
    for (const s of renamed.filter((x) => HAS.clusterBackup(x.env))) {
      const has = namesOfType(s.cluster, 'azurerm_data_protection_backup_vault');
      expect(has).toContain(`bv-kubeflow-${s.env.name}`);
      expect(problems).toContain(`${s.env.name}: no azurerm_data_protection_backup_vault named "bvault-kubeflow-${s.env.name}" (the runbooks' bvault-kubeflow-<env>); it has ${JSON.stringify(has)}`);
    }
  });

  test('a name the table does not know, a lost database and an unpinned image are named', () => {
    const edited = runbooks
      .replace('--vault-name bvault-kubeflow-<env>', '--vault-name backups-<env>')
      .replace("DBS='--databases mlpipeline cachedb metadb katib'", "DBS='--databases mlpipeline metadb katib'")
      .replace(`image: ${IMAGES.mysqlClient.name}:${IMAGES.mysqlClient.tag}`, 'image: mysql:latest');
    const problems = runbookProblems(edited, synthesized);
    expect(problems).toContainEqual(expect.stringMatching(/^backups-<env>: a name the runbooks use that test\/runbooks.test.ts does not know/));
    expect(problems).toContainEqual('prod: the copy takes databases ["katib","metadb","mlpipeline"], the server has ["cachedb","katib","metadb","mlpipeline"]');
    expect(problems).toContainEqual(`the copy's pod does not run the pinned client ${IMAGES.mysqlClient.name}:${IMAGES.mysqlClient.tag}`);
  });

  test('placeholders: <dr> is an environment name too; a bare <env> is not a resource', () => {
    expect(placeholderNames(['az group show -n rg-kubeflow-<dr>', 'npm run acceptance -- <env>', '`kvdb-kf-<env>-…`'])).toEqual(['kvdb-kf-<env>-', 'rg-kubeflow-<env>']);
  });
});
