import { checkPin, compareVersions } from '../scripts/versions-check';

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
