import { criticalPath } from '../scripts/critical-path';
import { synthPlatform } from './helpers';
import { ENVIRONMENTS } from '../environments';

/** The target: at most 4 levels of dependent releases after the cluster. */
const MAX_LEVELS = 4;

describe('deploy critical path of the platform stacks', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('%s: at most 4 levels of releases', (_name, config) => {
    const { parsed } = synthPlatform(config);
    const path = criticalPath(parsed as never);
    expect(path.levels).toBeGreaterThanOrEqual(2);
    expect(path.levels).toBeLessThanOrEqual(MAX_LEVELS);
  });

  test('the computation follows depends_on through non-release resources', () => {
    const stack = {
      resource: {
        helm_release: { a: { name: 'a' }, b: { name: 'b', depends_on: ['kubernetes_namespace_v1.ns'] }, c: { name: 'c', depends_on: ['helm_release.b', 'helm_release.a'] } },
        kubernetes_namespace_v1: { ns: { depends_on: ['helm_release.a'] } },
      },
    };
    expect(criticalPath(stack)).toEqual({ levels: 3, chain: ['a', 'b', 'c'] });
  });
});
