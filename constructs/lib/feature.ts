import { Construct } from 'constructs';
import type { ResolvedEnvironment } from '../../environments';
import type { ClusterConnection } from './cluster-connection';
import { ComponentError, PROVIDED_OUTSIDE, ProvidedOutside } from './prerequisites';
import { GraphNode, orderFeatures } from './release-graph';

/**
 * What each platform feature hands to the features installed after it, by
 * feature name. Each feature folder adds its own entry (`declare module`
 * in its `feature.ts`), so this file never imports a feature.
 */
export interface FeatureOutputs {}

/**
 * What the environment's cluster stack built that the platform features read
 * (identities, servers, the AKS cluster), by name. Each feature with a cluster
 * part adds its entry the same way; the cluster stack satisfies the interface.
 */
export interface ClusterParts {}

export type FeatureName = keyof FeatureOutputs & string;

/** Whether an environment installs a feature, expects it from another team, or goes without. */
export type FeatureSource = 'install' | 'external' | 'none';

/** One capability of the platform stack: its place in the release graph and how it is built. */
export interface PlatformFeature<N extends FeatureName = FeatureName> extends GraphNode {
  readonly name: N;
  /** One line for the generated release graph (`docs/architecture.md`). */
  readonly summary: string;
  /**
   * The page that documents it, from the repository root (`docs/components/<name>.md`
   * for a component); it names the feature's folder (`constructs/<folder>/`).
   */
  readonly doc: string;
  /** Features installed before this one; the only features `build` may read. */
  readonly after: readonly FeatureName[];
  /** Whether the environment installs it (`external`: another team does; dependants trust it and wait for nothing). */
  readonly source: (env: ResolvedEnvironment) => FeatureSource | boolean;
  readonly build: (ctx: FeatureContext) => FeatureOutputs[N];
}

/** What a feature's `build` receives. */
export interface FeatureContext {
  /** The platform stack: the scope every feature's constructs are created in (their IDs are a contract). */
  readonly scope: Construct;
  readonly env: ResolvedEnvironment;
  readonly cluster: ClusterParts;
  readonly connection: ClusterConnection;
  /** A feature named in `after`, when this environment installs it. */
  installed<K extends FeatureName>(name: K): FeatureOutputs[K] | undefined;
  /** A feature named in `after` that must be there: installed, or `PROVIDED_OUTSIDE` when another team installs it. */
  prerequisite<K extends FeatureName>(name: K): FeatureOutputs[K] | ProvidedOutside;
  /** Like `prerequisite`, but `undefined` when the environment goes without it. */
  optionalPrerequisite<K extends FeatureName>(name: K): FeatureOutputs[K] | ProvidedOutside | undefined;
  /** A feature named in `after` that this project must install here. */
  need<K extends FeatureName>(name: K): FeatureOutputs[K];
  /** A part of the cluster stack that this environment's settings guarantee. */
  clusterPart<K extends keyof ClusterParts>(name: K): NonNullable<ClusterParts[K]>;
}

function sourceOf(feature: PlatformFeature, env: ResolvedEnvironment): FeatureSource {
  const source = feature.source(env);
  if (source === true) return 'install';
  if (source === false) return 'none';
  return source;
}

/** What `buildFeatures` built. */
export interface BuiltFeatures {
  readonly outputs: Partial<FeatureOutputs>;
  /** The feature each top-level construct of the stack belongs to, by construct id (for the release-graph checks). */
  readonly constructIds: ReadonlyMap<string, FeatureName>;
}

/**
 * Builds the features an environment installs, in release-graph order. A
 * feature reads only what its `after` list names; reading anything else, or a
 * prerequisite the environment does not provide, is a `ComponentError` at
 * synth time (environment validation refuses such environments first).
 */
export function buildFeatures(
  features: readonly PlatformFeature[],
  base: Omit<FeatureContext, 'installed' | 'prerequisite' | 'optionalPrerequisite' | 'need' | 'clusterPart'>,
): BuiltFeatures {
  const constructIds = new Map<string, FeatureName>();
  const built: Partial<Record<FeatureName, unknown>> = {};
  const sources = new Map<string, FeatureSource>(features.map((f) => [f.name, sourceOf(f, base.env)]));
  for (const feature of orderFeatures(features)) {
    if (sources.get(feature.name) !== 'install') continue;
    const declared = (name: FeatureName): void => {
      if (!feature.after.includes(name)) {
        throw new ComponentError(feature.name, `the feature "${name}"`, 'is read but not listed in its after list', `add "${name}" to after in ${feature.name}'s feature.ts`);
      }
    };
    const ctx: FeatureContext = {
      ...base,
      installed: (name) => {
        declared(name);
        return built[name] as never;
      },
      prerequisite: (name) => {
        declared(name);
        if (sources.get(name) === 'external') return PROVIDED_OUTSIDE;
        if (built[name] === undefined) {
          throw new ComponentError(feature.name, `platform.components (${name})`, 'is neither installed nor external', `install ${name} or mark it external`);
        }
        return built[name] as never;
      },
      optionalPrerequisite: (name) => {
        declared(name);
        if (sources.get(name) === 'external') return PROVIDED_OUTSIDE;
        return built[name] as never;
      },
      need: (name) => {
        declared(name);
        if (built[name] === undefined) {
          throw new ComponentError(feature.name, `the feature "${name}"`, 'is not installed in this environment', `enable ${name} for this environment`);
        }
        return built[name] as never;
      },
      clusterPart: (name) => {
        const part = base.cluster[name];
        if (part === undefined || part === null) {
          throw new ComponentError(feature.name, `the cluster stack's ${String(name)}`, 'is missing', 'the environment settings that create it (validation should have refused this environment)');
        }
        return part as never;
      },
    };
    const before = new Set(base.scope.node.children.map((c) => c.node.id));
    built[feature.name] = feature.build(ctx);
    for (const child of base.scope.node.children) {
      if (!before.has(child.node.id)) constructIds.set(child.node.id, feature.name);
    }
  }
  return { outputs: built as Partial<FeatureOutputs>, constructIds };
}
