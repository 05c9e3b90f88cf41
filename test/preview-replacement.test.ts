import { mkdtempSync, readFileSync, readdirSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdktf';
import { ENVIRONMENTS, EnvironmentConfig, resolveEnvironment } from '../environments';
import { addEnvironment } from '../stacks/app';
import { summarize } from '../scripts/preview/diff';
import { renderMarkdown, renderText } from '../scripts/preview/render';
import { REPLACES_WHEN, forcesReplacement, knownType } from '../scripts/preview/replacement';
import { StackJson, loadSynthesized } from '../scripts/preview/synthesized';
import { dev, prod, staging } from './fixtures/environments';

/**
 * The replacement table cannot drift from what the stacks synthesize, and the
 * data-store changes of issue 21 preview as replacements that name what is lost.
 */

function synthesize(configs: readonly EnvironmentConfig[]): Record<string, StackJson> {
  const outdir = mkdtempSync(join(tmpdir(), 'preview-replacement-'));
  const app = new App({ outdir, skipValidation: true });
  for (const config of configs) addEnvironment(app, resolveEnvironment(config));
  app.synth();
  return loadSynthesized(outdir);
}

function typesOf(stacks: Record<string, StackJson>): string[] {
  return [...new Set(Object.values(stacks).flatMap((s) => Object.keys(s.resource ?? {})))].sort();
}

/** Staging with its stores in Azure (the reproduction), under a distinct name so it synthesizes beside the fixtures. */
const azureStaging = (dataStores: EnvironmentConfig['dataStores'] = {}): EnvironmentConfig => ({
  ...staging,
  dataStores: {
    mysql: 'azure',
    artifacts: 'azure-blob',
    privateEndpointSubnetCidr: '10.20.255.16/28',
    ...dataStores,
    azureMysql: { subnetCidr: '10.20.255.0/28', ...dataStores.azureMysql },
  },
});

describe('every synthesized resource type has a replacement entry', () => {
  test('environments/ and the test fixtures (with every optional store, backup and dashboard on)', () => {
    // environments/ may hold forks' own names: each set synthesizes in its own app.
    const types = new Set([
      ...typesOf(synthesize(ENVIRONMENTS)),
      ...typesOf(synthesize([dev, staging, prod])),
      ...typesOf(synthesize([{ ...azureStaging(), monitoring: { ...staging.monitoring, managedPrometheus: true, grafana: true } }])),
    ]);
    // The check can fail: these types come only with the options above.
    expect([...types]).toEqual(expect.arrayContaining(['azurerm_mysql_flexible_server', 'azurerm_storage_account', 'azurerm_private_endpoint', 'azurerm_data_protection_backup_vault']));
    expect([...types].filter((t) => !knownType(t))).toEqual([]);
  });

  test('every provider resource class the constructs and stacks import (including option-gated ones)', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
    const root = join(__dirname, '..');
    const imported = new Set<string>();
    for (const file of [...files(join(root, 'constructs')), ...files(join(root, 'stacks'))]) {
      for (const [, provider, module] of readFileSync(file, 'utf8').matchAll(/@cdktf\/provider-([a-z]+)\/lib\/([a-z0-9-]+)/g)) {
        if (module === 'provider' || module.startsWith('data-')) continue;
        imported.add(`${provider}_${module.replace(/-/g, '_')}`);
      }
    }
    expect(imported.size).toBeGreaterThan(20);
    expect([...imported].filter((t) => !knownType(t)).sort()).toEqual([]);
  });

  test('a type without an entry previews as "may replace ⚠️", never as an update', () => {
    const before: Record<string, StackJson> = { 'x-cluster': { resource: { azurerm_made_up_thing: { a: { name: 'thing', setting: 1 } } } } };
    const after: Record<string, StackJson> = { 'x-cluster': { resource: { azurerm_made_up_thing: { a: { name: 'thing', setting: 2 } } } } };
    const summary = summarize(before, after, 'x');
    expect(summary.stacks[0].resources).toEqual([{ address: 'azurerm_made_up_thing.a', action: 'replace', attributes: ['setting'], replacedBecause: ['setting'], mayReplace: true }]);
    expect(renderMarkdown(summary)).toContain('> ⚠️ **May replace** `azurerm_made_up_thing.a`');
    expect(renderMarkdown(summary)).toContain('- may replace `azurerm_made_up_thing.a`: setting');
    expect(renderMarkdown(summary)).toMatch(/\| `x-cluster` \| 0 \| 0 \| \*\*1\*\* ⚠️ \|/);
    expect(renderText(summary)).toContain('! MAY REPLACE azurerm_made_up_thing.a (setting): type not in the replacement table');
  });
});

describe('value-aware replacements, both directions', () => {
  // [type, path, before, after, replaces, evidence]
  test.each([
    ['azurerm_mysql_flexible_server', 'storage.size_gb', 64, 32, true, 'mysql_flexible_server_resource.go:352 ForceNewIfChange new < old'],
    ['azurerm_mysql_flexible_server', 'storage.size_gb', 32, 64, false, 'growing storage updates in place'],
    ['azurerm_storage_account', 'account_replication_type', 'LRS', 'ZRS', true, 'storage_account_resource.go:1188 LRS → ZRS'],
    ['azurerm_storage_account', 'account_replication_type', 'ZRS', 'LRS', true, 'storage_account_resource.go:1188 ZRS → LRS'],
    ['azurerm_storage_account', 'account_replication_type', 'GZRS', 'GRS', true, 'prod dropping zones: GZRS → GRS'],
    ['azurerm_storage_account', 'account_replication_type', 'GRS', 'GZRS', true, 'GRS → GZRS'],
    ['azurerm_storage_account', 'account_replication_type', 'LRS', 'GRS', false, 'within LRS/GRS'],
    ['azurerm_storage_account', 'account_replication_type', 'ZRS', 'GZRS', false, 'within ZRS/GZRS'],
    ['azurerm_storage_account', 'account_kind', 'Storage', 'StorageV2', false, 'storage_account_resource.go:1120 upgrade in place'],
    ['azurerm_storage_account', 'account_kind', 'StorageV2', 'BlockBlobStorage', true, 'storage_account_resource.go:1120 ForceNew'],
    ['azurerm_data_protection_backup_vault', 'soft_delete', 'AlwaysOn', 'On', true, 'data_protection_backup_vault_resource.go:126'],
    ['azurerm_data_protection_backup_vault', 'soft_delete', 'On', 'AlwaysOn', false, 'turning always-on on updates in place'],
    ['azurerm_data_protection_backup_vault', 'cross_region_restore_enabled', true, false, true, 'data_protection_backup_vault_resource.go:117'],
    ['azurerm_data_protection_backup_vault', 'cross_region_restore_enabled', false, true, false, 'enabling updates in place'],
  ] as [string, string, unknown, unknown, boolean, string][])('%s.%s %p → %p: replaces %p (%s)', (type, path, before, after, replaces) => {
    expect(forcesReplacement(type, path, { before, after })).toBe(replaces);
  });

  test('immutable secrets and config maps: data replaces only once immutable', () => {
    for (const type of ['kubernetes_secret_v1', 'kubernetes_config_map_v1']) {
      expect(forcesReplacement(type, 'data.password', { before: 'a', after: 'b', bodyBefore: { immutable: true } })).toBe(true);
      expect(forcesReplacement(type, 'data.password', { before: 'a', after: 'b', bodyBefore: {} })).toBe(false);
    }
  });

  test('without the values, a value-dependent rule counts as a replacement (the preview errs towards ⚠️)', () => {
    for (const [type, rules] of Object.entries(REPLACES_WHEN)) for (const path of Object.keys(rules)) expect(forcesReplacement(type, path)).toBe(true);
  });
});

describe('issue 21 reproductions: data-store changes preview as ⚠️ replacements naming what is lost', () => {
  const base = synthesize([azureStaging()]);

  function previewOf(after: EnvironmentConfig, before: Record<string, StackJson> = base) {
    const summary = summarize(before, synthesize([after]), 'change');
    const stacks = summary.stacks.filter((s) => s.resources.length > 0);
    const replaced = stacks.flatMap((s) => s.resources.filter((r) => r.action === 'replace'));
    return { summary, stacks, replaced, warnings: stacks.flatMap((s) => s.warnings ?? []), markdown: renderMarkdown(summary) };
  }

  test('the baseline really has the Azure stores (the checks below can fail)', () => {
    expect(typesOf(base)).toEqual(expect.arrayContaining(['azurerm_mysql_flexible_server', 'azurerm_storage_account']));
  });

  test('geo-redundant backup on and replication LRS → ZRS: two replacements, not "2 update"', () => {
    const { replaced, warnings, markdown } = previewOf(azureStaging({ azureMysql: { geoRedundantBackup: true }, artifactStorage: { replication: 'ZRS' } }));
    expect(replaced.map((r) => [r.address.split('.')[0], r.replacedBecause])).toEqual(expect.arrayContaining([
      ['azurerm_mysql_flexible_server', ['geo_redundant_backup_enabled']],
      ['azurerm_storage_account', ['account_replication_type']],
    ]));
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Replacing MySQL server `[^`]+` \(`azurerm_mysql_flexible_server\.[^`]+`\) destroys it first: every Pipelines run, ML Metadata lineage and Katib experiment, and its point-in-time backups, are lost\.$/),
      expect.stringMatching(/^Replacing storage account `[^`]+` \(`azurerm_storage_account\.[^`]+`\) destroys it first: its blobs \(artifacts, backups\) are lost\.$/),
    ]));
    expect(markdown).toMatch(/> ⚠️ \*\*Replaces\*\* `azurerm_mysql_flexible_server\.[^`]+`: `geo_redundant_backup_enabled` force a new resource\./);
    expect(markdown).toMatch(/> ⚠️ \*\*Replaces\*\* `azurerm_storage_account\.[^`]+`: `account_replication_type` force a new resource\./);
  });

  test('replication ZRS → LRS (back): a replacement too', () => {
    const zrs = synthesize([azureStaging({ artifactStorage: { replication: 'ZRS' } })]);
    const { replaced } = previewOf(azureStaging({ artifactStorage: { replication: 'LRS' } }), zrs);
    expect(replaced.map((r) => r.address.split('.')[0])).toEqual(['azurerm_storage_account']);
  });

  test('replication LRS → GRS: an update, no ⚠️', () => {
    const { stacks, replaced, warnings } = previewOf(azureStaging({ artifactStorage: { replication: 'GRS' } }));
    expect(replaced).toEqual([]);
    expect(warnings).toEqual([]);
    expect(stacks.flatMap((s) => s.resources).filter((r) => r.address.startsWith('azurerm_storage_account.'))).toEqual([expect.objectContaining({ action: 'update', attributes: ['account_replication_type'] })]);
  });

  test('MySQL storage shrink replaces the server; growth updates it', () => {
    const big = synthesize([azureStaging({ azureMysql: { storageSizeGb: 64 } })]);
    const shrink = previewOf(azureStaging({ azureMysql: { storageSizeGb: 32 } }), big);
    expect(shrink.replaced.map((r) => [r.address.split('.')[0], r.replacedBecause])).toEqual([['azurerm_mysql_flexible_server', ['storage.size_gb']]]);
    expect(shrink.warnings).toEqual([expect.stringMatching(/^Replacing MySQL server .* are lost\.$/)]);
    const grow = previewOf(azureStaging({ azureMysql: { storageSizeGb: 64 } }));
    expect(grow.replaced).toEqual([]);
    expect(grow.stacks.flatMap((s) => s.resources)).toEqual([expect.objectContaining({ action: 'update', attributes: ['storage.size_gb'] })]);
  });

  test('prod losing its zone default: replication GZRS → GRS replaces the artifact account', () => {
    // Prod's default replication is GZRS where the region has zones and GRS where it has none
    // (environments/data-stores.ts); the change the preview sees is the same as setting GRS.
    const prodBefore = synthesize([prod]);
    const accounts = Object.values(prodBefore).flatMap((s) => Object.values(s.resource?.azurerm_storage_account ?? {}));
    expect(accounts.map((a) => a.account_replication_type)).toContain('GZRS');
    const { summary, replaced, warnings } = previewOf({ ...prod, dataStores: { ...prod.dataStores, artifactStorage: { replication: 'GRS' } } }, prodBefore);
    expect(replaced.map((r) => [r.address.split('.')[0], r.replacedBecause])).toEqual([['azurerm_storage_account', ['account_replication_type']]]);
    expect(warnings).toContainEqual(expect.stringMatching(/^Replacing storage account .*its blobs \(artifacts, backups\) are lost\.$/));
    expect(renderText(summary)).toMatch(/! REPLACES azurerm_storage_account\.\S+ \(account_replication_type\)/);
  });
});
