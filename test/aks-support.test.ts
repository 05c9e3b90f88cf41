import { execFileSync } from 'child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { upgradeAction } from '../constructs/aks/aks-cluster';
import { ConfigError, EnvironmentConfig, resolveEnvironment } from '../environments';
import { AKS_SUPPORT, AksSupportTable, SUPPORT_WARNING_DAYS, gpuRegions, minorStatus, supportedMinors, tableDate } from '../catalog/aks-support';
import { applySkus, applyVersions } from '../scripts/update-aks-support';
import { renderFixture } from './fixtures/render-environment';

/** A table of our own, so that these tests do not move when the real one is refreshed. */
const TABLE: AksSupportTable = {
  recorded: '2026-01-01',
  sources: {},
  minors: {
    '1.40': { ga: '2025-01', endOfStandardSupport: '2026-01-31', ltsEnd: '2027-01', patches: ['1.40.3'] },
    '1.41': { ga: '2025-05', endOfStandardSupport: '2026-12-15', patches: ['1.41.1', '1.41.2'] },
    '1.42': { ga: null, plannedGa: '2027-01', endOfStandardSupport: '2028-01', patches: [] },
  },
  gpuFamilies: {},
  regions: [],
  zoneRegions: [],
};
const day = (d: string) => new Date(`${d}T00:00:00Z`);

describe('the support table (fixture)', () => {
  test('supported before the end of standard support, with the days left', () => {
    expect(minorStatus('1.41', day('2026-12-01'), false, TABLE)).toEqual({ kind: 'supported', endOfSupport: day('2026-12-15'), daysLeft: 14, lts: false });
  });
  test('ended after it, unless Premium and within LTS', () => {
    expect(minorStatus('1.40', day('2026-06-01'), false, TABLE)).toMatchObject({ kind: 'ended', reason: expect.stringContaining('LTS, Premium tier only, until 2027-01') });
    expect(minorStatus('1.40', day('2026-06-01'), true, TABLE)).toMatchObject({ kind: 'supported', lts: true });
  });
  test('an announced minor is not GA; an unknown one is unknown', () => {
    expect(minorStatus('1.42', day('2026-06-01'), false, TABLE)).toMatchObject({ kind: 'not-ga', reason: expect.stringContaining('planned 2027-01') });
    expect(minorStatus('1.99', day('2026-06-01'), false, TABLE).kind).toBe('unknown');
  });
  test('supported minors, oldest first; a month means its first day', () => {
    expect(supportedMinors(day('2026-01-15'), false, TABLE)).toEqual(['1.40', '1.41']);
    expect(tableDate('2027-03')).toEqual(day('2027-03-01'));
  });
});

describe('environment validation against the recorded table', () => {
  // A day inside the table's window: the last minor's GA is in the past, its end of support ahead.
  const minors = Object.entries(AKS_SUPPORT.minors).filter(([, m]) => m.ga);
  const [newest, newestEntry] = minors[minors.length - 1];
  const today = new Date(tableDate(newestEntry.ga!).getTime() + 24 * 3600 * 1000);
  const env = (changes: Partial<EnvironmentConfig>): EnvironmentConfig => ({ ...renderFixture, kubernetesVersion: newest, ...changes });
  const problems = (changes: Partial<EnvironmentConfig>, on: Date = today): string[] => {
    try {
      resolveEnvironment(env(changes), { today: on });
      return [];
    } catch (error) {
      return (error as ConfigError).problems.map((p) => `${p.setting}: ${p.accepted}`);
    }
  };

  test('a supported minor passes', () => {
    expect(problems({})).toEqual([]);
  });
  test('an unknown minor names the accepted ones', () => {
    expect(problems({ kubernetesVersion: '1.99' })).toEqual([expect.stringMatching(/^kubernetesVersion: AKS has no Kubernetes 1.99 .*accepted: .*"1\.\d+"/)]);
  });
  test('a minor past its end of support is refused', () => {
    const ended = Object.entries(AKS_SUPPORT.minors).find(([, m]) => m.ga && tableDate(m.endOfStandardSupport) < today)!;
    expect(problems({ kubernetesVersion: ended[0] })).toEqual([expect.stringContaining(`standard support of Kubernetes ${ended[0]} on AKS ended`)]);
  });
  test('an unknown patch, and a pinned patch under a channel that moves patches', () => {
    expect(problems({ kubernetesVersion: `${newest}.99`, upgrades: { channel: 'node-image' } })).toEqual([expect.stringContaining('AKS offers no such patch')]);
    expect(problems({ kubernetesVersion: `${newest}.99`, upgrades: { channel: 'patch' } })).toEqual([expect.stringContaining(`the "patch" upgrade channel moves the patch itself`)]);
    expect(problems({ kubernetesVersion: '1.36-rc.1' })).toEqual([expect.stringContaining('a version is "1.MINOR" or "1.MINOR.PATCH"')]);
  });
  test('a minor within 60 days of its end of support passes with a warning', () => {
    const soon = new Date(tableDate(newestEntry.endOfStandardSupport).getTime() - 30 * 24 * 3600 * 1000);
    const resolved = resolveEnvironment(env({}), { today: soon });
    expect(resolved.warnings).toEqual([expect.stringMatching(new RegExp(`^fixture: kubernetesVersion ${newest}: standard support on AKS ends .*, in 30 days`))]);
    expect(SUPPORT_WARNING_DAYS).toBe(60);
    expect(resolveEnvironment(env({}), { today }).warnings).toEqual([]);
  });
  test('a misspelt region is refused with a suggestion', () => {
    expect(problems({ location: 'westeurop' })).toEqual([expect.stringMatching(/^location: did you mean "westeurope"\? accepted: an Azure public region name/)]);
  });
  test('a GPU size the region does not offer is refused, naming the regions that do', () => {
    const regions = gpuRegions('Standard_ND96asr_v4')!;
    const elsewhere = AKS_SUPPORT.regions.find((r) => !regions.includes(r))!;
    expect(problems({ location: elsewhere, profiles: [], gpuPools: [{ name: 'nd', vmSize: 'Standard_ND96asr_v4', maxCount: 1 }] }))
      .toEqual([expect.stringContaining(`Standard_ND96asr_v4 is not offered in ${elsewhere}`)]);
  });
});

describe('the deliberate minor upgrade (what terraform_data runs)', () => {
  /** Runs the command as Terraform would (after its `$${` unescaping, with its environment) with a stub `az` that prints its arguments one per line. */
  function run(current: string, minor: string, names: { group: string; cluster: string } = { group: 'rg-x', cluster: 'aks-x' }): { output: string; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'az-'));
    writeFileSync(join(dir, 'az'), `#!/bin/sh\nif [ "$2" = show ]; then echo ${current}; else printf '[%s]' "$@"; echo; fi\n`);
    chmodSync(join(dir, 'az'), 0o755);
    const { command, environment } = upgradeAction(names.group, names.cluster, minor);
    const output = execFileSync('sh', ['-c', command.replace(/\$\$\{/g, '${')], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...environment, PATH: `${dir}:${process.env.PATH}` } });
    return { output, dir };
  }
  test('upgrades when the file names a newer minor', () => {
    expect(run('1.35.6', '1.36').output).toBe('[aks][upgrade][--resource-group][rg-x][--name][aks-x][--kubernetes-version][1.36][--yes]\n');
  });
  test('does nothing when the cluster runs it, or a newer minor already', () => {
    expect(run('1.36.2', '1.36').output).toContain('nothing to do');
    expect(run('1.37.1', '1.36').output).toContain('nothing to do');
  });
  test('names reach az as single arguments, never as shell: the script text holds none of them', () => {
    const hostile = { group: 'rg x; touch pwned', cluster: 'aks"$(touch pwned2)"' };
    const { output, dir } = run('1.35.6', '1.36', hostile);
    expect(output).toContain('[--resource-group][rg x; touch pwned][--name][aks"$(touch pwned2)"]');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'pwned2'))).toBe(false);
    expect(upgradeAction('given-group', 'given-cluster', '9.99').command).not.toMatch(/given-group|given-cluster|9\.99/);
  });
});

describe('npm run aks:refresh (parsing what the Azure CLI returns)', () => {
  test('GA minors of the official plan update patches; a new minor is added and reported for its dates; previews and LTS-only are skipped', () => {
    const { table, needDates } = applyVersions(TABLE, [
      { version: '1.41', capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] }, patchVersions: { '1.41.10': {}, '1.41.3': {} } },
      { version: '1.42', isPreview: null, capabilities: { supportPlan: ['KubernetesOfficial'] }, patchVersions: { '1.42.0': {} } },
      { version: '1.43', isPreview: true, patchVersions: { '1.43.0': {} } },
      { version: '1.39', capabilities: { supportPlan: ['AKSLongTermSupport'] }, patchVersions: { '1.39.9': {} } },
    ], '2027-01');
    expect(table.minors['1.41']).toMatchObject({ patches: ['1.41.3', '1.41.10'], endOfStandardSupport: '2026-12-15' });
    expect(table.minors['1.42']).toMatchObject({ ga: '2027-01', patches: ['1.42.0'] });
    expect(table.minors['1.43']).toBeUndefined();
    expect(table.minors['1.39']).toBeUndefined();
    expect(needDates).toEqual([]);
    expect(applyVersions(TABLE, [{ version: '1.50', patchVersions: { '1.50.1': {} } }], '2027-01').needDates).toEqual(['1.50']);
  });

  test('GPU families by region, without regions restricted for the subscription', () => {
    const table = applySkus(TABLE, [
      { name: 'Standard_NC4as_T4_v3', locations: ['westeurope'] },
      { name: 'Standard_NC8as_T4_v3', locations: ['eastus'], restrictions: [] },
      { name: 'Standard_NC24ads_A100_v4', locations: ['westeurope'], restrictions: [{ type: 'Location', reasonCode: 'NotAvailableForSubscription', values: ['westeurope'] }] },
      { name: 'Standard_D4ds_v5', locations: ['westeurope'] },
    ]);
    expect(table.gpuFamilies).toEqual({ NCasT4_v3: ['eastus', 'westeurope'] });
  });
});
