/**
 * `npm run versions:check`: for each pin of the version catalog, the newest
 * release known, flagged where a newer one fixes security issues or where ours
 * is out of support; then the advisory gate: every known advisory
 * (catalog/advisories.json) against the pinned versions.
 *
 *   npm run versions:check                offline: the upstream cache's index, catalog/release-facts.json
 *                                         and catalog/advisories.json
 *   npm run versions:check -- --online    also GitHub releases of each project, and the OSV database for the
 *                                         advisories (refreshed severity and dates, ranges that differ, advisories
 *                                         the file does not list); needs internet
 *   npm run versions:check -- --online --write   also write the refreshed advisories.json (review the diff)
 *   npm run versions:check -- --strict    also exit 1 when a release flag is raised (security release or support)
 *
 * Exit 1 when the advisory gate fails: a pin inside a critical or high
 * advisory without a valid exception, an expired exception, or a malformed file
 * (with --online: also a critical or high advisory the file does not list).
 */
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import facts from '../catalog/release-facts.json';
import advisoriesJson from '../catalog/advisories.json';
import { AdvisoryFile, PinnedComponent, evaluateAdvisories, refreshOnline, today } from './versions/advisory-gate';
import { compareVersions } from './versions/compare';
import { ARGO_WORKFLOWS, CHARTS, ChartPin, IMAGES, ISTIO_IMAGE_TAG, KUBEFLOW_DISTRIBUTION, KUBEFLOW_PIPELINES } from '../catalog/versions';
import { runCommand } from './run-command';

export { compareVersions };

export interface Known {
  readonly version: string;
  readonly security?: string;
}

export interface CheckRow {
  readonly pin: string;
  readonly current: string;
  readonly newest: string;
  readonly flags: readonly string[];
}

type Facts = { components: Record<string, { support: string; supportedMinors?: string[]; releases: (Known & { date?: string; source: string })[] }> };

const minorOf = (v: string) => v.replace(/^v/, '').split('.').slice(0, 2).join('.');

/** Flags of one pin: newer releases in its line that fix security issues, and support. */
export function checkPin(pin: string, current: string, known: readonly Known[], support?: { supportedMinors?: readonly string[] }): CheckRow {
  const sameLine = known.filter((k) => minorOf(k.version) === minorOf(current));
  const newer = known.filter((k) => compareVersions(k.version, current) > 0 && !/-(rc|alpha|beta)/.test(k.version));
  const newest = [current, ...newer.map((k) => k.version)].sort(compareVersions).at(-1)!;
  const flags: string[] = [];
  for (const k of sameLine.filter((s) => compareVersions(s.version, current) > 0 && s.security)) flags.push(`security: ${k.version} fixes ${k.security}`);
  if (support?.supportedMinors && !support.supportedMinors.includes(minorOf(current))) flags.push(`unsupported: ${minorOf(current)} is not among ${support.supportedMinors.join(', ')}`);
  return { pin, current, newest, flags };
}

/** Chart names in the cache's index with their versions (offline knowledge). */
function cacheIndex(cache: string | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  if (!cache || !existsSync(join(cache, 'index.json'))) return map;
  const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { artifacts: { name: string; version: string }[] };
  for (const a of index.artifacts) map.set(a.name, [...(map.get(a.name) ?? []), a.version]);
  return map;
}

const FACT_KEY: Readonly<Record<string, string>> = { certManager: 'cert-manager', istioBase: 'istio', istiod: 'istio', istioGateway: 'istio', istioCni: 'istio', kserveCrd: 'kserve', kserveResources: 'kserve', trainer: 'kubeflow-trainer', sparkOperator: 'spark-operator' };
const GITHUB: Readonly<Record<string, string>> = { 'cert-manager': 'cert-manager/cert-manager', istio: 'istio/istio', kserve: 'kserve/kserve', 'kubeflow-trainer': 'kubeflow/trainer', 'spark-operator': 'kubeflow/spark-operator', 'gpu-operator': 'NVIDIA/gpu-operator', 'oauth2-proxy': 'oauth2-proxy/oauth2-proxy', seaweedfs: 'seaweedfs/seaweedfs' };

async function githubReleases(repo: string): Promise<Known[]> {
  const response = await fetch(`https://api.github.com/repos/${repo}/releases?per_page=50`, { headers: { accept: 'application/vnd.github+json' } });
  if (!response.ok) throw new Error(`${repo}: GitHub answered ${response.status}`);
  const releases = (await response.json()) as { tag_name: string; body?: string; prerelease: boolean }[];
  return releases.filter((r) => !r.prerelease).map((r) => ({ version: r.tag_name, ...(/CVE-\d|GHSA-|security/i.test(r.body ?? '') ? { security: 'security fixes (release notes)' } : {}) }));
}

/**
 * The version of each component that runs, as the advisory gate checks it.
 * Istio: the image tag (the charts are templates; `ISTIO_IMAGE_TAG` runs).
 */
export function pinnedComponents(): Record<string, PinnedComponent> {
  return {
    'kubeflow-pipelines': { version: KUBEFLOW_PIPELINES.version, pin: 'KUBEFLOW_PIPELINES' },
    'argo-workflows': { version: ARGO_WORKFLOWS.version, pin: 'ARGO_WORKFLOWS' },
    istio: { version: ISTIO_IMAGE_TAG, pin: 'ISTIO_IMAGE_TAG' },
    'cert-manager': { version: CHARTS.certManager.version, pin: 'CHARTS.certManager' },
    kserve: { version: CHARTS.kserveResources.version, pin: 'CHARTS.kserveResources' },
    'kubeflow-trainer': { version: CHARTS.trainer.version, pin: 'CHARTS.trainer' },
    'spark-operator': { version: CHARTS.sparkOperator.version, pin: 'CHARTS.sparkOperator' },
    'gpu-operator': { version: CHARTS.gpuOperator.version, pin: 'CHARTS.gpuOperator' },
    'models-web-app': { version: IMAGES.modelsWebApp.tag, pin: 'IMAGES.modelsWebApp' },
    'oauth2-proxy': { version: IMAGES.oauth2Proxy.tag, pin: 'IMAGES.oauth2Proxy' },
    seaweedfs: { version: IMAGES.seaweedfs.tag, pin: 'IMAGES.seaweedfs' },
  };
}

/** Istio's charts only template the images; what runs, and what releases fix, is `ISTIO_IMAGE_TAG`. */
const ISTIO_CHART_KEYS = new Set(['istioBase', 'istiod', 'istioGateway', 'istioCni']);

export async function check(options: { cache?: string; online?: boolean } = {}): Promise<CheckRow[]> {
  const index = cacheIndex(options.cache);
  const f = facts as Facts;
  const online = new Map<string, Known[]>();
  if (options.online) for (const [key, repo] of Object.entries(GITHUB)) online.set(key, await githubReleases(repo).catch(() => []));
  const rows: CheckRow[] = [];
  for (const [key, pin] of Object.entries(CHARTS as Record<string, ChartPin>)) {
    const component = FACT_KEY[key] ?? pin.chart;
    const known: Known[] = [
      ...(index.get(pin.chart) ?? []).map((version) => ({ version })),
      ...(f.components[component]?.releases ?? []),
      ...(online.get(component) ?? []),
    ];
    if (ISTIO_CHART_KEYS.has(key)) {
      // Release facts describe the binaries: check the images that run over this chart.
      const row = checkPin(`${pin.chart} (${key}) chart ${pin.version}, images`, ISTIO_IMAGE_TAG, known, f.components[component]);
      rows.push(row);
      continue;
    }
    rows.push(checkPin(`${pin.chart} (${key})`, pin.version, known, f.components[component]));
  }
  const oauth = f.components['oauth2-proxy'];
  rows.push(checkPin('oauth2-proxy image', IMAGES.oauth2Proxy.tag, [...oauth.releases, ...(online.get('oauth2-proxy') ?? [])], oauth));
  for (const [label, tag, key] of [['SeaweedFS image', IMAGES.seaweedfs.tag, 'seaweedfs'], ['MySQL client image', IMAGES.mysqlClient.tag, 'mysql']] as const) {
    rows.push(checkPin(label, tag, [...(f.components[key]?.releases ?? []), ...(online.get(key) ?? [])], f.components[key]));
  }
  rows.push({ pin: `community-distribution ${KUBEFLOW_DISTRIBUTION.release}`, current: KUBEFLOW_DISTRIBUTION.version, newest: (index.get('community-distribution') ?? [KUBEFLOW_DISTRIBUTION.version]).join(', '), flags: [] });
  const mirrored = (name: string) => (index.get(name) ?? []).map((version) => ({ version }));
  rows.push(checkPin('kubeflow-pipelines', KUBEFLOW_PIPELINES.version, mirrored('kubeflow-pipelines')));
  // The version that runs (controller and executor images), not the one KFP's manifests name (`referencedAs`).
  rows.push(checkPin(`argo-workflows (Pipelines' engine; KFP names ${ARGO_WORKFLOWS.referencedAs})`, ARGO_WORKFLOWS.version, mirrored('argo-workflows')));
  return rows;
}

function defaultCache(): string | undefined {
  const root = resolve(__dirname, '..');
  return [process.env.KUBEFLOW_UPSTREAM_CACHE, join(root, '.cache', 'upstream'), resolve(root, '..', 'shared', 'upstream')].find((c): c is string => !!c && existsSync(join(c, 'index.json')));
}

const ADVISORIES_FILE = join(__dirname, '..', 'catalog', 'advisories.json');

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('Usage: npm run versions:check -- [--online [--write]] [--strict]\n  Newest known release of each pin (flags security releases and unsupported versions), then the advisory gate\n  (catalog/advisories.json): exit 1 when a pin is inside a critical or high advisory without a valid exception.\n');
    return 0;
  }
  const online = argv.includes('--online');
  const rows = await check({ cache: defaultCache(), online });
  for (const r of rows) {
    const mark = r.flags.length > 0 ? '✗' : r.newest !== r.current ? '↑' : '✓';
    console.log(`${mark} ${r.pin}: ${r.current}${r.newest !== r.current ? ` (newest known: ${r.newest})` : ''}`);
    for (const flag of r.flags) console.log(`    ${flag}`);
  }
  const flagged = rows.filter((r) => r.flags.length > 0).length;
  console.log(`${flagged} pin(s) flagged (facts recorded ${(facts as { recorded: string }).recorded}${online ? ', GitHub releases read now' : ', offline'})`);

  const date = today();
  const pins = pinnedComponents();
  let file = advisoriesJson as AdvisoryFile;
  let unknownFailures: string[] = [];
  if (online) {
    const refreshed = await refreshOnline(file, pins, date, (url, init) => fetch(url, init));
    for (const note of refreshed.notes) console.log(`  OSV: ${note}`);
    for (const u of refreshed.unknown) console.log(`  OSV: NEW ${u}`);
    unknownFailures = refreshed.unknown.filter((u) => /, (critical|high):/.test(u));
    file = refreshed.file;
    if (argv.includes('--write')) {
      writeFileSync(ADVISORIES_FILE, `${JSON.stringify(file, null, 2)}\n`);
      console.log('  wrote catalog/advisories.json: review the diff, add the new advisories by hand');
    }
  }
  const gate = evaluateAdvisories(file, pins, date);
  console.log(`\nAdvisories (catalog/advisories.json, recorded ${file.recorded}; today ${date}):`);
  for (const f of gate.findings) console.log(`${f.status === 'fail' ? '✗' : f.status === 'excepted' ? '!' : '·'} ${f.message}`);
  for (const p of gate.failures.filter((m) => !gate.findings.some((f) => f.message === m))) console.log(`✗ ${p}`);
  for (const w of gate.warnings) console.log(`  note: ${w}`);
  for (const u of unknownFailures) console.log(`✗ not in the file: ${u}`);
  const failures = gate.failures.length + unknownFailures.length;
  console.log(`${failures === 0 ? '✓' : '✗'} advisory gate: ${failures} failure(s), ${gate.findings.filter((f) => f.status === 'excepted').length} exception(s) in force`);
  if (failures > 0) return 1;
  return argv.includes('--strict') && flagged > 0 ? 1 : 0;
}

if (require.main === module) runCommand(main);
