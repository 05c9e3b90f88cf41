import { readFileSync } from 'fs';
import { join } from 'path';
import realAdvisories from '../catalog/advisories.json';
import { AdvisoryFile, MAX_EXCEPTION_DAYS, evaluateAdvisories, inRange, osvRange, parseRange, refreshOnline, validateAdvisoryFile } from '../scripts/versions/advisory-gate';
import { checkPin, compareVersions, pinnedComponents } from '../scripts/versions-check';

/** versions:check on its own release lists (fixtures): flags security releases in the pin's line and unsupported minors. */
describe('versions:check', () => {
  test('compares versions numerically, pre-releases before their release', () => {
    expect(['1.30.10', '1.30.3', 'v1.30.4', '1.31.0-rc.1', '1.31.0'].sort(compareVersions)).toEqual(['1.30.3', 'v1.30.4', '1.30.10', '1.31.0-rc.1', '1.31.0']);
  });

  test('a newer patch of our line that fixes security issues is flagged; a newer minor is only reported', () => {
    const row = checkPin('istiod', '1.30.3', [{ version: '1.30.4', security: '13 Envoy CVEs' }, { version: '1.31.0' }]);
    expect(row).toEqual({ pin: 'istiod', current: '1.30.3', newest: '1.31.0', flags: ['security: 1.30.4 fixes 13 Envoy CVEs'] });
    expect(checkPin('istiod', '1.30.4', [{ version: '1.30.4', security: '13 Envoy CVEs' }]).flags).toEqual([]);
  });

  test('a minor outside the supported ones is flagged', () => {
    expect(checkPin('kserve', 'v0.18.0', [], { supportedMinors: ['0.19', '0.20'] }).flags).toEqual(['unsupported: 0.18 is not among 0.19, 0.20']);
    expect(checkPin('kserve', 'v0.20.0', [], { supportedMinors: ['0.19', '0.20'] }).flags).toEqual([]);
  });
});


/** The advisory gate on fixture files, pins and dates: nothing here depends on today or on the catalog. */
describe('advisory gate', () => {
  const TODAY = '2026-12-06';
  const pins = { widget: { version: '1.5.0', pin: 'FIXTURE_PIN' } };
  const advisory = (over: Record<string, unknown> = {}) => ({
    id: 'CVE-2099-0001', aliases: ['GHSA-xxxx-yyyy-zzzz'], component: 'widget', summary: 'request forgery', severity: 'high',
    cvss: 8.1, affected: '<2.0.0', fixedIn: ['2.0.0'], source: 'https://example.test/advisory', read: TODAY, ...over,
  });
  const exception = (over: Record<string, unknown> = {}) => ({
    advisory: 'CVE-2099-0001', mitigation: 'the endpoint is refused at the gateway', verifiedBy: ['a render rule'], granted: '2026-12-01', expires: '2027-01-15', ...over,
  });
  const file = (advisories: object[], exceptions: object[] = []) => ({ recorded: TODAY, components: {}, advisories, exceptions }) as unknown as AdvisoryFile;

  test('ranges: comparators joined by spaces, alternatives by ||, v-prefixes ignored', () => {
    expect(inRange('2.16.1', '<2.17.0')).toBe(true);
    expect(inRange('2.17.0', '<2.17.0')).toBe(false);
    expect(inRange('v3.7.3', '>=3.6.5 <3.7.14 || >=4.0.0 <4.0.5')).toBe(true);
    expect(inRange('v3.7.14', '>=3.6.5 <3.7.14 || >=4.0.0 <4.0.5')).toBe(false);
    expect(inRange('v4.0.4', '>=3.6.5 <3.7.14 || >=4.0.0 <4.0.5')).toBe(true);
    expect(inRange('v4.0.10', '<3.7.15 || >=4.0.0 <4.0.6')).toBe(false);
    expect(inRange('1.30.3', '>=1.30.0 <1.30.4')).toBe(true);
    expect(inRange('1.30.5', '>=1.30.0 <1.30.4')).toBe(false);
    expect(inRange('1.2.3', '=1.2.3')).toBe(true);
    expect(() => parseRange('<2.17.0 ||')).toThrow('has an empty alternative');
    expect(() => parseRange('before 2.17')).toThrow('"before" is not a comparator; accepted: <, <=, >, >=, =');
  });

  test('a pin inside a high advisory without an exception fails, naming the advisory, the pin, the range and the fix', () => {
    const result = evaluateAdvisories(file([advisory()]), pins, TODAY);
    expect(result.failures).toEqual(['CVE-2099-0001 (GHSA-xxxx-yyyy-zzzz), high 8.1: widget 1.5.0 (FIXTURE_PIN) is in <2.0.0, fixed in 2.0.0. Take a fixed version, or add an exception naming the mitigation in place and an expiry']);
    expect(evaluateAdvisories(file([advisory({ severity: 'critical' })]), pins, TODAY).failures).toHaveLength(1);
  });

  test('with a valid exception it passes, and says which mitigation it relies on', () => {
    const result = evaluateAdvisories(file([advisory()], [exception()]), pins, TODAY);
    expect(result.failures).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ status: 'excepted', message: expect.stringContaining('Excepted until 2027-01-15: the endpoint is refused at the gateway') })]);
  });

  test('an expired exception fails; on its last day it still holds, with a notice', () => {
    expect(evaluateAdvisories(file([advisory()], [exception()]), pins, '2027-01-16').failures).toEqual([expect.stringContaining('Its exception expired on 2027-01-15 (granted 2026-12-01)')]);
    const lastDay = evaluateAdvisories(file([advisory()], [exception()]), pins, '2027-01-15');
    expect(lastDay.failures).toEqual([]);
    expect(lastDay.warnings).toEqual(['exception for CVE-2099-0001 expires on 2027-01-15, in 0 day(s)']);
  });

  test('a fixed pin passes, and an exception it no longer needs is reported for removal', () => {
    const fixed = { widget: { version: '2.0.0', pin: 'FIXTURE_PIN' } };
    const result = evaluateAdvisories(file([advisory()], [exception()]), fixed, TODAY);
    expect(result.failures).toEqual([]);
    expect(result.findings).toEqual([]);
    expect(result.warnings).toEqual([expect.stringContaining('exception for CVE-2099-0001 is no longer needed: widget 2.0.0 is outside <2.0.0')]);
  });

  test('medium and low advisories are reported, not gating', () => {
    const result = evaluateAdvisories(file([advisory({ severity: 'medium' })]), pins, TODAY);
    expect(result.failures).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ status: 'info' })]);
  });

  test('a malformed file fails the gate, each problem named', () => {
    const problems = validateAdvisoryFile(file([
      advisory({ component: 'gadget' }),
      advisory({ id: 'CVE-2099-0002', severity: 'severe', fixedIn: ['1.9.0'], read: 'yesterday' }),
      advisory({ id: 'CVE-2099-0003', affected: 'up to 2.0' }),
    ], [
      exception({ mitigation: ' ' }),
      exception({ advisory: 'CVE-2099-0002', verifiedBy: [], granted: '2026-12-01', expires: '2027-12-01' }),
      exception({ advisory: 'CVE-2099-9999' }),
    ]), pins);
    expect(problems).toEqual([
      'advisory CVE-2099-0001: component "gadget" is not a pinned component; accepted: widget',
      'advisory CVE-2099-0002: severity "severe" is not one of critical, high, medium, low',
      'advisory CVE-2099-0002: "read" must be a date (YYYY-MM-DD), got "yesterday"',
      'advisory CVE-2099-0002: fixed version 1.9.0 lies inside its own affected range "<2.0.0"',
      'advisory CVE-2099-0003: range "up to 2.0": "up" is not a comparator; accepted: <, <=, >, >=, = followed by a version such as 2.17.0 or v4.0.6',
      'exception for CVE-2099-0001: "mitigation" is empty; say what is in place',
      'exception for CVE-2099-0002: "verifiedBy" must name the render rules (test/render/render.test.ts) that prove the mitigation',
      `exception for CVE-2099-0002: runs 365 days (2026-12-01 to 2027-12-01); at most ${MAX_EXCEPTION_DAYS} are accepted, renew it with a fresh review instead`,
      'exception for CVE-2099-9999: names no advisory of the file (use its "id")',
    ]);
    expect(evaluateAdvisories(file([advisory({ component: 'gadget' })]), pins, TODAY).failures).toEqual([expect.stringMatching(/^catalog\/advisories\.json: advisory CVE-2099-0001: component "gadget"/)]);
  });

  describe('catalog/advisories.json', () => {
    const real = realAdvisories as unknown as AdvisoryFile;
    const at = (kfp: string, argo: string, istio: string) => ({
      ...pinnedComponents(),
      'kubeflow-pipelines': { version: kfp, pin: 'fixture' },
      'argo-workflows': { version: argo, pin: 'fixture' },
      istio: { version: istio, pin: 'fixture' },
    });

    test('is well-formed for the catalog\'s components', () => {
      expect(validateAdvisoryFile(real, pinnedComponents())).toEqual([]);
    });

    test('every exception names render rules that exist, so each claimed mitigation is proven by the render tests', () => {
      const renderTests = readFileSync(join(__dirname, 'render', 'render.test.ts'), 'utf8');
      for (const x of real.exceptions) for (const rule of x.verifiedBy) expect({ advisory: x.advisory, rule, inRenderTests: renderTests.includes(`'${rule}':`) }).toEqual({ advisory: x.advisory, rule, inRenderTests: true });
    });

    test('Pipelines 2.16.1 with Argo v3.7.3 (the distribution\'s) fails on exactly the advisories those releases carry', () => {
      const result = evaluateAdvisories(real, at('2.16.1', 'v3.7.3', '1.30.5'), TODAY);
      expect(result.failures.map((f) => f.split(' ')[0]).sort()).toEqual(['CVE-2026-31892', 'CVE-2026-40886', 'CVE-2026-42296', 'CVE-2026-54526', 'CVE-2026-54745']);
    });

    test('Istio 1.30.3 images fail on the Envoy CVEs; 1.30.5 passes', () => {
      expect(evaluateAdvisories(real, at('2.17.0', 'v4.0.10', '1.30.3'), TODAY).failures).toEqual([expect.stringMatching(/^ISTIO-SECURITY-2026-006 \(CVE-2026-73513, CVE-2026-73552, …\), high 7\.5: istio 1\.30\.3/)]);
    });

    test('Argo v4.0.5 (what KFP 2.17.0 names) still fails on CVE-2026-54526', () => {
      expect(evaluateAdvisories(real, at('2.17.0', 'v4.0.5', '1.30.5'), TODAY).failures.map((f) => f.split(' ')[0])).toEqual(['CVE-2026-54526']);
    });

    test('Pipelines 2.17.0, Argo v4.0.10, Istio 1.30.5 pass today under the three Pipelines exceptions, and fail once they expire', () => {
      const result = evaluateAdvisories(real, at('2.17.0', 'v4.0.10', '1.30.5'), TODAY);
      expect(result.failures).toEqual([]);
      expect(result.findings.filter((f) => f.status === 'excepted').map((f) => f.advisory.id).sort()).toEqual(['CVE-2026-77596', 'CVE-2026-88980', 'CVE-2026-88981']);
      const lastExpiry = real.exceptions.map((x) => x.expires).sort().at(-1)!;
      const after = new Date(Date.parse(`${lastExpiry}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      expect(evaluateAdvisories(real, at('2.17.0', 'v4.0.10', '1.30.5'), after).failures).toHaveLength(3);
    });

    test('Pipelines 2.18.0 needs no exception: the three are reported for removal', () => {
      const result = evaluateAdvisories(real, at('2.18.0', 'v4.0.10', '1.30.5'), TODAY);
      expect(result.failures).toEqual([]);
      expect(result.warnings.filter((w) => w.includes('no longer needed'))).toHaveLength(3);
    });
  });

  describe('--online (OSV), on recorded answers', () => {
    const vuln = {
      id: 'GHSA-xxxx-yyyy-zzzz', aliases: ['CVE-2099-0001'], published: '2099-01-02T03:04:05Z', database_specific: { severity: 'CRITICAL' },
      affected: [{ package: { ecosystem: 'Go', name: 'example.test/widget' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.9.0' }] }] }],
    };
    const base = { ...file([advisory()]), components: { widget: { what: 'a widget', osv: { ecosystem: 'Go', package: 'example.test/widget', versionPrefix: 'v' } } } } as unknown as AdvisoryFile;

    test('OSV ranges read in the file\'s syntax', () => {
      expect(osvRange(vuln, 'example.test/widget')).toBe('<1.9.0');
      expect(osvRange({ id: 'x', affected: [{ package: { name: 'p' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '3.6.5' }, { fixed: '3.7.14' }] }, { type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.0.5' }] }] }] }, 'p')).toBe('>=3.6.5 <3.7.14 || >=4.0.0 <4.0.5');
    });

    test('refreshes severity and dates, reports a differing range and advisories the file does not list', async () => {
      const calls: string[] = [];
      const answers: Record<string, unknown> = {
        'https://api.osv.dev/v1/vulns/GHSA-xxxx-yyyy-zzzz': vuln,
        'https://api.osv.dev/v1/query': { vulns: [vuln, { id: 'GHSA-new0-new0-new0', aliases: ['CVE-2099-0009'], summary: 'another hole', database_specific: { severity: 'HIGH' } }] },
      };
      const fake = async (url: string, init?: { body?: string }) => {
        calls.push(init?.body ? `${url} ${init.body}` : url);
        return url in answers ? { ok: true, status: 200, json: async () => answers[url] } : { ok: false, status: 404, json: async () => ({}) };
      };
      const { file: refreshed, notes, unknown } = await refreshOnline(base, pins, '2099-02-01', fake);
      expect(calls).toEqual([
        'https://api.osv.dev/v1/vulns/CVE-2099-0001',
        'https://api.osv.dev/v1/vulns/GHSA-xxxx-yyyy-zzzz',
        'https://api.osv.dev/v1/query {"version":"v1.5.0","package":{"name":"example.test/widget","ecosystem":"Go"}}',
      ]);
      expect(refreshed.advisories[0]).toEqual(expect.objectContaining({ severity: 'critical', published: '2099-01-02', read: '2099-02-01', affected: '<2.0.0' }));
      expect(notes).toEqual([
        'CVE-2099-0001: OSV gives <1.9.0 for widget, the file <2.0.0; check and edit "affected" and "fixedIn" by hand',
        'CVE-2099-0001: severity high → critical (OSV GHSA-xxxx-yyyy-zzzz)',
      ]);
      expect(unknown).toEqual(['GHSA-new0-new0-new0 (CVE-2099-0009), high: affects example.test/widget@v1.5.0 (widget) and is not in the file: another hole']);
    });
  });
});
