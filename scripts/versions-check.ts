/**
 * `npm run versions:check`: for each pin of the version catalog, the newest
 * release known, flagged where a newer one fixes security issues or where ours
 * is out of support.
 *
 *   npm run versions:check                offline: the upstream cache's index and scripts/versions/release-facts.json
 *   npm run versions:check -- --online    also GitHub releases of each project (needs internet)
 *   npm run versions:check -- --strict    exit 1 when a pin is flagged
 */
import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import facts from './versions/release-facts.json';
import { ARGO_WORKFLOWS, CHARTS, ChartPin, IMAGES, KUBEFLOW_DISTRIBUTION } from '../constructs/versions';
import { runCommand } from './run-command';

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

/** Numeric comparison of `v1.2.3`-style versions (pre-releases sort before their release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.replace(/^v/, '').split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return typeof y === 'string' ? 1 : -1;
    if (y === undefined) return typeof x === 'string' ? -1 : 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

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
    rows.push(checkPin(`${pin.chart} (${key})`, pin.version, known, f.components[component]));
  }
  const oauth = f.components['oauth2-proxy'];
  rows.push(checkPin('oauth2-proxy image', IMAGES.oauth2Proxy.tag, [...oauth.releases, ...(online.get('oauth2-proxy') ?? [])], oauth));
  for (const [label, tag, key] of [['SeaweedFS image', IMAGES.seaweedfs.tag, 'seaweedfs'], ['MySQL client image', IMAGES.mysqlClient.tag, 'mysql']] as const) {
    rows.push(checkPin(label, tag, [...(f.components[key]?.releases ?? []), ...(online.get(key) ?? [])], f.components[key]));
  }
  rows.push({ pin: `community-distribution ${KUBEFLOW_DISTRIBUTION.release}`, current: KUBEFLOW_DISTRIBUTION.version, newest: (index.get('community-distribution') ?? [KUBEFLOW_DISTRIBUTION.version]).join(', '), flags: [] });
  rows.push({ pin: 'argo-workflows (via the distribution)', current: ARGO_WORKFLOWS.ref, newest: (index.get('argo-workflows') ?? [ARGO_WORKFLOWS.ref]).join(', '), flags: [] });
  return rows;
}

function defaultCache(): string | undefined {
  const root = resolve(__dirname, '..');
  return [process.env.KUBEFLOW_UPSTREAM_CACHE, join(root, '.cache', 'upstream'), resolve(root, '..', 'shared', 'upstream')].find((c): c is string => !!c && existsSync(join(c, 'index.json')));
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('Usage: npm run versions:check -- [--online] [--strict]\n  Newest known release of each pin; flags security releases and unsupported versions.\n');
    return 0;
  }
  const rows = await check({ cache: defaultCache(), online: argv.includes('--online') });
  for (const r of rows) {
    const mark = r.flags.length > 0 ? '✗' : r.newest !== r.current ? '↑' : '✓';
    console.log(`${mark} ${r.pin}: ${r.current}${r.newest !== r.current ? ` (newest known: ${r.newest})` : ''}`);
    for (const flag of r.flags) console.log(`    ${flag}`);
  }
  const flagged = rows.filter((r) => r.flags.length > 0).length;
  console.log(`${flagged} pin(s) flagged (facts recorded ${(facts as { recorded: string }).recorded}${argv.includes('--online') ? ', GitHub releases read now' : ', offline'})`);
  return argv.includes('--strict') && flagged > 0 ? 1 : 0;
}

if (require.main === module) runCommand(main);
