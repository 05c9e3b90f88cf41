import type { EnvironmentConfig } from '../../environments';
import { renderFixture } from '../fixtures/render-environment';
import * as checks from './checks';
import { dataStoreProblems } from './data-store-checks';
import { RenderedEnvironment, renderEnvironment } from '../../scripts/render/render';
import { renderTools } from '../../scripts/render/tools';

/**
 * A fork without the access layer (no sign-in, no dashboard, no profiles) still
 * passes every render rule: the Kubeflow cluster roles that the dashboard
 * brings otherwise come in a release of their own, so the applications' roles
 * have something to aggregate into.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;

const { access: _access, profiles: _profiles, ...withoutAccess } = renderFixture;
const noAccess: EnvironmentConfig = { ...withoutAccess, name: 'noaccess' };

maybe('an environment without the access layer', () => {
  let rendered: RenderedEnvironment;
  beforeAll(() => {
    rendered = renderEnvironment(noAccess);
  });

  test('passes every render rule', () => {
    for (const [name, fn] of Object.entries({ ...checks, dataStoreProblems })) {
      if (typeof fn === 'function' && name.endsWith('Problems')) expect({ name, problems: (fn as (r: RenderedEnvironment) => string[])(rendered) }).toEqual({ name, problems: [] });
    }
  });

  test('gets the Kubeflow cluster roles from a release of their own, and no dashboard', () => {
    const names = rendered.releases.map((r) => r.name);
    expect(names).toContain('kubeflow-roles');
    expect(names).not.toContain('dashboard');
    const roles = rendered.releases.find((r) => r.name === 'kubeflow-roles')!.objects.map((o) => o.metadata.name);
    expect(roles).toEqual(expect.arrayContaining(['kubeflow-admin', 'kubeflow-edit', 'kubeflow-view']));
  });
});
