/**
 * The advisory gate of `npm run versions:check`: known advisories per pinned
 * component (catalog/advisories.json), checked offline against the
 * version catalog. A pin inside the affected range of a critical or high
 * advisory fails, unless an unexpired exception names the advisory, its
 * mitigation and the render rules that prove the mitigation. Pure functions:
 * the pins, the file and today's date are parameters (tests inject them).
 * `refreshOnline` reads the OSV database (https://api.osv.dev) for `--online`.
 */
import { compareVersions } from './compare';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
/** Severities that fail the gate when a pin is affected. */
export const GATING: ReadonlySet<Severity> = new Set(['critical', 'high']);
/** The longest an exception may run from the day it was granted. */
export const MAX_EXCEPTION_DAYS = 90;

export interface Advisory {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly component: string;
  readonly summary: string;
  readonly severity: Severity;
  readonly cvss?: number;
  /** Affected versions: comparators separated by spaces (all hold), alternatives by `||`. */
  readonly affected: string;
  readonly fixedIn: readonly string[];
  readonly published?: string;
  readonly source: string;
  /** When we last read the source (YYYY-MM-DD). */
  readonly read: string;
  readonly note?: string;
}

export interface AdvisoryException {
  readonly advisory: string;
  /** What is in place that keeps the advisory from being exploited here. */
  readonly mitigation: string;
  /** Names of render rules (test/render/render.test.ts) that prove the mitigation. */
  readonly verifiedBy: readonly string[];
  readonly granted: string;
  readonly expires: string;
  readonly resolution?: string;
}

export interface OsvPackage {
  readonly ecosystem: string;
  /** Package name; `{major}` is replaced by the pin's major version. */
  readonly package: string;
  /** Prefix of versions in that ecosystem (`v` for Go modules with v-tags). */
  readonly versionPrefix: string;
}

export interface AdvisoryFile {
  readonly recorded: string;
  readonly comment?: string;
  readonly components: Readonly<Record<string, { readonly what: string; readonly osv?: OsvPackage }>>;
  readonly advisories: readonly Advisory[];
  readonly exceptions: readonly AdvisoryException[];
}

/** A pinned component: the version that runs and the catalog entry it comes from. */
export interface PinnedComponent {
  readonly version: string;
  readonly pin: string;
}

type Comparator = { op: '<' | '<=' | '>' | '>=' | '='; version: string };

/** Parses a range (`>=3.6.5 <3.7.14 || >=4.0.0 <4.0.5`); throws a message naming the bad part. */
export function parseRange(range: string): Comparator[][] {
  const alternatives = range.split('||').map((a) => a.trim());
  if (alternatives.some((a) => a === '')) throw new Error(`range "${range}" has an empty alternative; write comparators like ">=1.2.0 <1.2.5" joined by "||"`);
  return alternatives.map((alternative) => alternative.split(/\s+/).map((part) => {
    const m = /^(<=|>=|<|>|=)?(v?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?)$/.exec(part);
    if (!m) throw new Error(`range "${range}": "${part}" is not a comparator; accepted: <, <=, >, >=, = followed by a version such as 2.17.0 or v4.0.6`);
    return { op: (m[1] ?? '=') as Comparator['op'], version: m[2] };
  }));
}

/** Whether a version lies inside a range. */
export function inRange(version: string, range: string): boolean {
  return parseRange(range).some((all) => all.every(({ op, version: bound }) => {
    const c = compareVersions(version, bound);
    return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : c === 0;
  }));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Today's date (UTC) as YYYY-MM-DD. */
export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Problems of the file itself: missing or malformed fields, ranges that do not
 * parse or that contain their own fix, exceptions for unknown advisories or
 * without mitigation, rule or expiry, exceptions longer than allowed.
 */
export function validateAdvisoryFile(file: AdvisoryFile, pins: Readonly<Record<string, PinnedComponent>>): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const a of file.advisories) {
    const where = `advisory ${a.id || '(no id)'}`;
    if (!a.id) problems.push(`${where}: "id" is empty`);
    if (ids.has(a.id)) problems.push(`${where}: listed twice`);
    ids.add(a.id);
    if (!(a.component in pins)) problems.push(`${where}: component "${a.component}" is not a pinned component; accepted: ${Object.keys(pins).sort().join(', ')}`);
    if (!SEVERITIES.includes(a.severity)) problems.push(`${where}: severity "${a.severity}" is not one of ${SEVERITIES.join(', ')}`);
    if (!a.summary?.trim()) problems.push(`${where}: "summary" is empty`);
    if (!/^https:\/\//.test(a.source ?? '')) problems.push(`${where}: "source" must be an https URL, got "${a.source}"`);
    if (!DATE.test(a.read ?? '')) problems.push(`${where}: "read" must be a date (YYYY-MM-DD), got "${a.read}"`);
    if (a.published !== undefined && !DATE.test(a.published)) problems.push(`${where}: "published" must be a date (YYYY-MM-DD), got "${a.published}"`);
    if (!Array.isArray(a.fixedIn)) problems.push(`${where}: "fixedIn" must be a list of versions`);
    try {
      for (const fixed of a.fixedIn ?? []) if (inRange(fixed, a.affected)) problems.push(`${where}: fixed version ${fixed} lies inside its own affected range "${a.affected}"`);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  }
  const excepted = new Set<string>();
  for (const x of file.exceptions) {
    const where = `exception for ${x.advisory || '(no advisory)'}`;
    const advisory = file.advisories.find((a) => a.id === x.advisory);
    if (!advisory) problems.push(`${where}: names no advisory of the file (use its "id")`);
    if (excepted.has(x.advisory)) problems.push(`${where}: listed twice`);
    excepted.add(x.advisory);
    if (!x.mitigation?.trim()) problems.push(`${where}: "mitigation" is empty; say what is in place`);
    if (!Array.isArray(x.verifiedBy) || x.verifiedBy.length === 0) problems.push(`${where}: "verifiedBy" must name the render rules (test/render/render.test.ts) that prove the mitigation`);
    if (!DATE.test(x.granted ?? '')) problems.push(`${where}: "granted" must be a date (YYYY-MM-DD), got "${x.granted}"`);
    if (!DATE.test(x.expires ?? '')) problems.push(`${where}: "expires" must be a date (YYYY-MM-DD), got "${x.expires}"`);
    else if (DATE.test(x.granted ?? '') && days(x.granted, x.expires) > MAX_EXCEPTION_DAYS) problems.push(`${where}: runs ${days(x.granted, x.expires)} days (${x.granted} to ${x.expires}); at most ${MAX_EXCEPTION_DAYS} are accepted, renew it with a fresh review instead`);
  }
  return problems;
}

export interface Finding {
  readonly advisory: Advisory;
  readonly pinned: PinnedComponent;
  /** `fail`: gating and not excepted (or the exception expired); `excepted`; `info`: below the gating severities. */
  readonly status: 'fail' | 'excepted' | 'info';
  readonly exception?: AdvisoryException;
  readonly message: string;
}

export interface GateResult {
  readonly findings: readonly Finding[];
  /** Everything that fails the gate: failing findings, expired exceptions, problems of the file. */
  readonly failures: readonly string[];
  /** Exceptions no pin needs any more (remove them) and exceptions close to expiry. */
  readonly warnings: readonly string[];
}

/** Days before expiry from which an exception is reported. */
const EXPIRY_NOTICE_DAYS = 14;

/** The gate: every advisory against the pins, on `date` (YYYY-MM-DD). */
export function evaluateAdvisories(file: AdvisoryFile, pins: Readonly<Record<string, PinnedComponent>>, date: string): GateResult {
  const fileProblems = validateAdvisoryFile(file, pins);
  if (fileProblems.length > 0) return { findings: [], failures: fileProblems.map((p) => `catalog/advisories.json: ${p}`), warnings: [] };
  const findings: Finding[] = [];
  const failures: string[] = [];
  const warnings: string[] = [];
  for (const advisory of file.advisories) {
    const pinned = pins[advisory.component];
    if (!inRange(pinned.version, advisory.affected)) continue;
    const head = `${advisory.id}${advisory.aliases?.length ? ` (${advisory.aliases.slice(0, 2).join(', ')}${advisory.aliases.length > 2 ? ', …' : ''})` : ''}, ${advisory.severity}${advisory.cvss !== undefined ? ` ${advisory.cvss}` : ''}: ${advisory.component} ${pinned.version} (${pinned.pin}) is in ${advisory.affected}, fixed in ${advisory.fixedIn.join(', ')}`;
    if (!GATING.has(advisory.severity)) {
      findings.push({ advisory, pinned, status: 'info', message: `${head} (below the gating severities)` });
      continue;
    }
    const exception = file.exceptions.find((x) => x.advisory === advisory.id);
    if (!exception) {
      const message = `${head}. Take a fixed version, or add an exception naming the mitigation in place and an expiry`;
      findings.push({ advisory, pinned, status: 'fail', message });
      failures.push(message);
    } else if (exception.expires < date) {
      const message = `${head}. Its exception expired on ${exception.expires} (granted ${exception.granted}): take a fixed version, or review the mitigation and renew the exception`;
      findings.push({ advisory, pinned, status: 'fail', exception, message });
      failures.push(message);
    } else {
      findings.push({ advisory, pinned, status: 'excepted', exception, message: `${head}. Excepted until ${exception.expires}: ${exception.mitigation}` });
      if (days(date, exception.expires) <= EXPIRY_NOTICE_DAYS) warnings.push(`exception for ${advisory.id} expires on ${exception.expires}, in ${days(date, exception.expires)} day(s)`);
    }
  }
  for (const x of file.exceptions) {
    const advisory = file.advisories.find((a) => a.id === x.advisory);
    if (advisory && !inRange(pins[advisory.component].version, advisory.affected)) {
      warnings.push(`exception for ${x.advisory} is no longer needed: ${advisory.component} ${pins[advisory.component].version} is outside ${advisory.affected}; remove it and its mitigation`);
    }
  }
  return { findings, failures, warnings };
}

interface OsvVuln {
  id: string;
  aliases?: string[];
  published?: string;
  summary?: string;
  database_specific?: { severity?: string };
  affected?: { package?: { ecosystem?: string; name?: string }; ranges?: { type: string; events: { introduced?: string; fixed?: string; last_affected?: string }[] }[] }[];
}

type FetchLike = (url: string, init?: { method?: string; body?: string; headers?: Record<string, string> }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

const OSV = 'https://api.osv.dev/v1';

function osvPackage(osv: OsvPackage, version: string): { name: string; ecosystem: string; version: string } {
  const bare = version.replace(/^v/, '');
  return { name: osv.package.replace('{major}', bare.split('.')[0]), ecosystem: osv.ecosystem, version: `${osv.versionPrefix}${bare}` };
}

/** The affected range an OSV record gives for one package, in this file's syntax. */
export function osvRange(vuln: OsvVuln, packageName: string): string | undefined {
  const ranges = (vuln.affected ?? []).filter((a) => a.package?.name === packageName).flatMap((a) => a.ranges ?? []).filter((r) => r.type !== 'GIT');
  const parts = ranges.map((r) => {
    const introduced = r.events.find((e) => e.introduced !== undefined)?.introduced;
    const fixed = r.events.find((e) => e.fixed !== undefined)?.fixed;
    const last = r.events.find((e) => e.last_affected !== undefined)?.last_affected;
    return [introduced && introduced !== '0' ? `>=${introduced}` : '', fixed ? `<${fixed}` : last ? `<=${last}` : ''].filter(Boolean).join(' ');
  }).filter(Boolean);
  return parts.length > 0 ? parts.join(' || ') : undefined;
}

/**
 * `--online`: reads each advisory's record in OSV (by id, then aliases) and
 * refreshes severity and publication date (and `read`); reports a range that
 * differs from OSV's for the component's package; queries OSV for every pinned
 * component with a package and reports advisories the file does not list.
 * Returns the refreshed file; the caller decides whether to write it.
 */
export async function refreshOnline(file: AdvisoryFile, pins: Readonly<Record<string, PinnedComponent>>, date: string, fetchImpl: FetchLike): Promise<{ file: AdvisoryFile; notes: string[]; unknown: string[] }> {
  const notes: string[] = [];
  const unknown: string[] = [];
  const advisories: Advisory[] = [];
  for (const advisory of file.advisories) {
    let vuln: OsvVuln | undefined;
    for (const id of [advisory.id, ...(advisory.aliases ?? [])]) {
      const response = await fetchImpl(`${OSV}/vulns/${encodeURIComponent(id)}`);
      if (response.ok) {
        vuln = (await response.json()) as OsvVuln;
        break;
      }
    }
    if (!vuln) {
      notes.push(`${advisory.id}: not found in OSV; kept as recorded on ${advisory.read}`);
      advisories.push(advisory);
      continue;
    }
    const severity = vuln.database_specific?.severity?.toLowerCase().replace('moderate', 'medium') as Severity | undefined;
    const osv = file.components[advisory.component]?.osv;
    const range = osv ? osvRange(vuln, osvPackage(osv, pins[advisory.component]?.version ?? '0').name) : undefined;
    if (range && range !== advisory.affected) notes.push(`${advisory.id}: OSV gives ${range} for ${advisory.component}, the file ${advisory.affected}; check and edit "affected" and "fixedIn" by hand`);
    if (severity && SEVERITIES.includes(severity) && severity !== advisory.severity) notes.push(`${advisory.id}: severity ${advisory.severity} → ${severity} (OSV ${vuln.id})`);
    advisories.push({
      ...advisory,
      ...(severity && SEVERITIES.includes(severity) ? { severity } : {}),
      ...(vuln.published ? { published: vuln.published.slice(0, 10) } : {}),
      read: date,
    });
  }
  const known = new Set(file.advisories.flatMap((a) => [a.id, ...(a.aliases ?? [])]));
  for (const [component, { osv }] of Object.entries(file.components)) {
    if (!osv || !pins[component]) continue;
    const pkg = osvPackage(osv, pins[component].version);
    const response = await fetchImpl(`${OSV}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: pkg.version, package: { name: pkg.name, ecosystem: pkg.ecosystem } }) });
    if (!response.ok) {
      notes.push(`${component}: OSV query for ${pkg.name}@${pkg.version} answered ${response.status}`);
      continue;
    }
    const { vulns = [] } = (await response.json()) as { vulns?: OsvVuln[] };
    for (const v of vulns) {
      if ([v.id, ...(v.aliases ?? [])].some((id) => known.has(id))) continue;
      const severity = v.database_specific?.severity?.toLowerCase().replace('moderate', 'medium') ?? 'unknown';
      unknown.push(`${v.id}${v.aliases?.length ? ` (${v.aliases.join(', ')})` : ''}, ${severity}: affects ${pkg.name}@${pkg.version} (${component}) and is not in the file: ${v.summary ?? ''}`.trim());
    }
  }
  return { file: { ...file, recorded: date, advisories }, notes, unknown };
}
