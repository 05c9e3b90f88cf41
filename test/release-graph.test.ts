import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Testing } from 'cdktf';
import type { FeatureName, PlatformFeature } from '../constructs/lib/feature';
import { GraphNode, ReleaseGraphError, orderFeatures, transitiveAfter } from '../constructs/lib/release-graph';
import { EnvironmentConfig, ENVIRONMENTS, loadEnvironments, resolveEnvironment } from '../environments';
import { renderReleaseGraph, BEGIN, END, withReleaseGraph } from '../scripts/docs/release-graph';
import { ClusterStack } from '../stacks/cluster-stack';
import { PLATFORM_FEATURES } from '../stacks/platform-features';
import { PlatformStack } from '../stacks/platform-stack';
import { teamGreetingFeature } from './fixtures/hypothetical-feature/feature';
import { devWith } from './helpers';

const n = (name: string, after: string[] = []): GraphNode => ({ name, after });

describe('orderFeatures', () => {
  test('puts every node after what it names, keeping the list order where the graph allows', () => {
    expect(orderFeatures([n('c', ['b']), n('a'), n('b', ['a']), n('d')]).map((x) => x.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(orderFeatures([n('x'), n('y'), n('z')]).map((x) => x.name)).toEqual(['x', 'y', 'z']);
  });

  test('refuses unknown names, duplicates, self-references and cycles, naming them', () => {
    expect(() => orderFeatures([n('a', ['ghost'])])).toThrow(new ReleaseGraphError('"a" comes after "ghost", which is not a feature; known: a'));
    expect(() => orderFeatures([n('a'), n('a')])).toThrow('"a" is declared twice');
    expect(() => orderFeatures([n('a', ['a'])])).toThrow('"a" lists itself in after');
    expect(() => orderFeatures([n('a', ['c']), n('b', ['a']), n('c', ['b']), n('d')])).toThrow('release graph: cycle: a → c → b → a');
  });

  test('transitiveAfter follows the chain', () => {
    expect([...transitiveAfter([n('a'), n('b', ['a']), n('c', ['b'])], 'c')].sort()).toEqual(['a', 'b']);
  });
});

interface Synth {
  readonly stack: PlatformStack;
  readonly parsed: Record<string, Record<string, Record<string, { '//'?: { metadata?: { path?: string } }; depends_on?: string[] }>>>;
}

function synth(config: EnvironmentConfig, features: readonly PlatformFeature[] = PLATFORM_FEATURES): Synth {
  const env = resolveEnvironment(config);
  const app: App = Testing.app();
  const cluster = new ClusterStack(app, `${env.name}-cluster`, { env });
  const stack = new PlatformStack(app, `${env.name}-platform`, { env, cluster, features });
  app.synth();
  const parsed = JSON.parse(readFileSync(join(app.outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8')) as Synth['parsed'];
  return { stack, parsed };
}

/** The feature → feature edges of the synthesized `depends_on` lists. */
function observedEdges({ stack, parsed }: Synth): Set<string> {
  const owner = new Map<string, string | undefined>();
  const bodies: [string, { depends_on?: string[] }][] = [];
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, byName] of Object.entries(parsed[kind] ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
        const id = body['//']?.metadata?.path?.split('/')[1];
        owner.set(address, id === undefined ? undefined : stack.featureConstructIds.get(id));
        bodies.push([address, body]);
      }
    }
  }
  const edges = new Set<string>();
  for (const [address, body] of bodies) {
    for (const dependency of body.depends_on ?? []) {
      const from = owner.get(address);
      const to = owner.get(dependency.replace(/^\$\{|\}$/g, ''));
      if (from && to && from !== to) edges.add(`${from} → ${to}`);
    }
  }
  return edges;
}

/** Where the synthesized stack and the declared graph disagree: edges nobody declared, declared edges nothing waits on. */
function graphProblems(synthed: Synth, features: readonly PlatformFeature[]): string[] {
  const installed = new Set<string>(Object.keys(synthed.stack.features));
  const declared = new Set<string>();
  for (const f of features) {
    if (!installed.has(f.name)) continue;
    for (const a of f.after) if (installed.has(a)) declared.add(`${f.name} → ${a}`);
  }
  const observed = observedEdges(synthed);
  return [
    ...[...observed].filter((e) => !declared.has(e)).map((e) => `undeclared: ${e}`),
    ...[...declared].filter((e) => !observed.has(e)).map((e) => `declared but nothing waits: ${e}`),
  ];
}

describe('the declared release graph is what lands', () => {
  const configs: [string, EnvironmentConfig][] = [
    ...ENVIRONMENTS.map((c): [string, EnvironmentConfig] => [c.name, c]),
    ['dev without the access layer', devWith({ access: undefined, profiles: [], notebooks: { enabled: false } })],
  ];

  test.each(configs)('%s: depends_on between features equals the declared after lists', (_name, config) => {
    const synthed = synth(config);
    expect(Object.keys(synthed.stack.features).length).toBeGreaterThan(5);
    expect(graphProblems(synthed, PLATFORM_FEATURES)).toEqual([]);
  });

  test('a declared edge nothing waits on, and an undeclared one, are both reported', () => {
    const dev = ENVIRONMENTS[0];
    const extra = PLATFORM_FEATURES.map((f) => (f.name === 'scrape' ? { ...f, after: [...f.after, 'trainer' as FeatureName] } : f));
    expect(graphProblems(synth(dev, extra), extra)).toEqual(['declared but nothing waits: scrape → trainer']);
    const declaredWithoutStores = PLATFORM_FEATURES.map((f) => (f.name === 'katib' ? { ...f, after: f.after.filter((a) => a !== 'stores') } : f)) as PlatformFeature[];
    expect(graphProblems(synth(dev), declaredWithoutStores)).toEqual(['undeclared: katib → stores']);
    const hidden = PLATFORM_FEATURES.map((f) => (f.name === 'profiles' ? { ...f, after: ['dashboard' as FeatureName] } : f)) as PlatformFeature[];
    expect(() => synth(dev, hidden)).toThrow('profiles: the feature "istio" is read but not listed in its after list. Fix: add "istio" to after in profiles\'s feature.ts');
  });

  test('a feature that reads an undeclared feature fails at synth time, naming the fix', () => {
    const broken = PLATFORM_FEATURES.map((f) => (f.name === 'katib' ? { ...f, after: f.after.filter((a) => a !== 'stores') } : f)) as PlatformFeature[];
    expect(() => synth(ENVIRONMENTS[0], broken)).toThrow('katib: the feature "stores" is read but not listed in its after list');
  });
});

describe('adding a component: one folder and one line', () => {
  test('the hypothetical feature is built after Istio, and its graph edge lands', () => {
    const features = [...PLATFORM_FEATURES, teamGreetingFeature];
    const synthed = synth(ENVIRONMENTS[0], features);
    expect(synthed.stack.features['team-greeting']).toBeDefined();
    expect(graphProblems(synthed, features)).toEqual([]);
    expect(observedEdges(synthed)).toContain('team-greeting → istio');
    const block = renderReleaseGraph(features, loadEnvironments(ENVIRONMENTS));
    expect(block).toContain('| `team-greeting` | `istio` | yes | yes | yes | a ConfigMap greeting the team (worked example) |');
  });
});

describe('docs/architecture.md', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'architecture.md'), 'utf8');

  test('its release graph is generated from the feature list (run npm run docs:graph when this fails)', () => {
    const block = renderReleaseGraph(PLATFORM_FEATURES, loadEnvironments(ENVIRONMENTS));
    expect(withReleaseGraph(doc, block)).toBe(doc);
    expect(doc).toContain('| `mysql` | `namespaces` | — | — | yes |');
  });

  test('a changed list changes the block, and missing markers are an error', () => {
    const block = renderReleaseGraph(PLATFORM_FEATURES.filter((f) => f.name !== 'pipelines-advisories'), loadEnvironments(ENVIRONMENTS));
    expect(withReleaseGraph(doc, block)).not.toBe(doc);
    expect(() => withReleaseGraph(doc.replace(BEGIN, ''), block)).toThrow('markers');
    expect(doc.indexOf(END)).toBeGreaterThan(doc.indexOf(BEGIN));
  });
});
