/**
 * Each platform feature on its own: built in a stack holding only it and what
 * its `after` list reaches, it creates its constructs, reads nothing else,
 * and the stack loads. A feature that quietly needs a feature it does not
 * declare fails here (issue 18: tests follow the features).
 */
import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Testing } from 'cdktf';
import type { PlatformFeature } from '../constructs/lib/feature';
import { transitiveAfter } from '../constructs/lib/release-graph';
import { resolveEnvironment } from '../environments';
import { prod } from '../environments/prod';
import { ClusterStack } from '../stacks/cluster-stack';
import { PLATFORM_FEATURES } from '../stacks/platform-features';
import { PlatformStack } from '../stacks/platform-stack';

// prod installs every feature but kubeflow-roles (it has an access layer); dev without access brings that one.
const env = resolveEnvironment(prod);

function alone(feature: PlatformFeature): { stack: PlatformStack; features: readonly PlatformFeature[] } {
  const needed = transitiveAfter(PLATFORM_FEATURES, feature.name);
  const features = PLATFORM_FEATURES.filter((f) => f === feature || needed.has(f.name));
  const app: App = Testing.app();
  const cluster = new ClusterStack(app, 'prod-cluster', { env });
  const stack = new PlatformStack(app, 'prod-platform', { env, cluster, features });
  Testing.synth(stack);
  return { stack, features };
}

describe.each(PLATFORM_FEATURES.filter((f) => f.source(env) === true || f.source(env) === 'install').map((f) => [f.name, f] as const))('feature %s', (_name, feature) => {
  test('builds with only the features its after list reaches, and creates constructs of its own', () => {
    const { stack, features } = alone(feature);
    expect(stack.features[feature.name]).toBeDefined();
    const own = [...stack.featureConstructIds].filter(([, f]) => f === feature.name).map(([id]) => id);
    expect(own.length).toBeGreaterThan(0);
    expect(Object.keys(stack.features).every((name) => features.some((f) => f.name === name))).toBe(true);
  });

  test('has a one-line summary for the generated graph', () => {
    expect(feature.summary).toMatch(/^[^\n|]{8,90}$/);
  });
});

test('every feature of the list is installed by prod but the Kubeflow roles (the dashboard brings them there)', () => {
  const notInProd = PLATFORM_FEATURES.filter((f) => !(f.source(env) === true || f.source(env) === 'install')).map((f) => f.name);
  expect(notInProd).toEqual(['kubeflow-roles']);
});

/** Every feature module of the repository (and the worked example), with the folder it lives in. */
function featureModules(): Array<{ folder: string; feature: PlatformFeature }> {
  const root = join(__dirname, '..');
  const files = [
    ...readdirSync(join(root, 'constructs'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, 'constructs', d.name, 'feature.ts')))
      .map((d) => `constructs/${d.name}`),
    'test/fixtures/hypothetical-feature',
  ];
  return files.flatMap((folder) =>
    Object.values(require(join(root, folder, 'feature.ts')) as Record<string, unknown>)
      .filter((v): v is PlatformFeature => typeof v === 'object' && v !== null && 'name' in v && 'build' in v)
      .map((feature) => ({ folder, feature })),
  );
}

describe('each feature names its page, and the page names its folder', () => {
  const modules = featureModules();

  test('every listed feature is found in a feature folder', () => {
    const found = new Set(modules.map((m) => m.feature));
    expect(PLATFORM_FEATURES.filter((f) => !found.has(f)).map((f) => f.name)).toEqual([]);
  });

  test.each(modules.map((m) => [m.feature.name, m] as const))('%s', (_name, { folder, feature }) => {
    const page = join(__dirname, '..', feature.doc);
    expect(feature.doc).toMatch(/^docs\/[a-z0-9/-]+\.md$/);
    expect(existsSync(page)).toBe(true);
    expect(readFileSync(page, 'utf8')).toContain(`${folder}/`);
  });
});
