import { resolveEnvironment } from '../environments';
import { placeholdersOf } from '../environments/placeholders';
import { dev, prod } from './fixtures/environments';
import { renderFixture } from './fixtures/render-environment';
import { resourcesOfType, synthCluster, synthPlatform } from './helpers';

/** Sample values synthesize, but a plan of a stack that still holds them stops before any change, naming each one. */
describe('placeholders cannot reach Azure', () => {
  test('the sample-shaped fixture lists every kind of placeholder it holds', () => {
    expect(placeholdersOf(resolveEnvironment(dev))).toEqual(expect.arrayContaining([
      'apiAccess.authorizedIpRanges[0]: 203.0.113.0/24 (a documentation address range)',
      'tenantId: 7c1e4a52-3d8f-4b6a-9e21-5f0c8d3a7b64 (a sample GUID)',
      'adminGroupObjectIds[0]: 5f1c7a3e-0d2b-4c8e-9a61-3b7e2d9f0a11 (a sample GUID)',
      'access.host: kubeflow.dev.example.com (a documentation domain)',
      'access.tls.email: ml-platform@example.com (a documentation domain)',
      'access.tls.dnsZone.subscriptionId: 0f3c9a1e-6b2d-4e8f-a7c5-1d9e3b6f4a20 (a sample GUID)',
      'profiles[0].owner: alice@example.com (a documentation domain)',
    ]));
    expect(placeholdersOf(resolveEnvironment(prod))).toContain('security.keyVaultAllowedIpRanges[0]: 198.51.100.10 (a documentation address range)');
    const alerted = resolveEnvironment({ ...prod, monitoring: { alerts: { emails: ['oncall@example.org'] } } });
    expect(placeholdersOf(alerted)).toContain('monitoring.alerts.emails[0]: oncall@example.org (a documentation domain)');
  });

  test('an environment with real values has none', () => {
    expect(placeholdersOf(resolveEnvironment(renderFixture))).toEqual([]);
  });

  test('every stack of an environment with placeholders carries a guard that fails the plan with the list', () => {
    for (const parsed of [synthCluster(dev).parsed, synthPlatform(dev).parsed]) {
      const guards = Object.entries(resourcesOfType(parsed, 'terraform_data')).filter(([id]) => id.startsWith('placeholder-guard'));
      expect(guards).toHaveLength(1);
      const precondition = (guards[0][1].lifecycle as { precondition: { condition: string; error_message: string }[] }).precondition[0];
      // The condition refers to the list (a condition that refers to nothing is refused by init), and fails while it has entries.
      const local = /^\$\{\(length\(local\.([A-Za-z0-9_-]+)\) < 1\)\}$/.exec(precondition.condition);
      expect(local).not.toBeNull();
      const list = (parsed as unknown as { locals: Record<string, string[]> }).locals[local![1]];
      expect(list).toContain('access.host: kubeflow.dev.example.com (a documentation domain)');
      expect(precondition.error_message).toMatch(/^Environment "dev" still holds sample values; replace them in environments\/dev\.ts before deploying:\n- /);
      expect(precondition.error_message).toContain('- access.host: kubeflow.dev.example.com');
    }
  });

  test('no guard when nothing is left to replace', () => {
    expect(Object.keys(resourcesOfType(synthCluster(renderFixture).parsed, 'terraform_data')).filter((id) => id.startsWith('placeholder-guard'))).toEqual([]);
  });
});
