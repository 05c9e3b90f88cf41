import 'cdktf/lib/testing/adapters/jest';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdktf';
import { EnvironmentConfig, ResolvedEnvironment, resolveEnvironment } from '../environments';
import { dev } from './fixtures/environments';
import { addEnvironment } from '../stacks/app';
import { ClusterStack } from '../stacks/cluster-stack';
import { PlatformStack } from '../stacks/platform-stack';

/** A synthesized stack, parsed. */
export type { SynthJson } from '../scripts/render/render';
import type { SynthJson } from '../scripts/render/render';

/** A copy of the dev environment with changes, for option tests. */
export function devWith(changes: Partial<EnvironmentConfig>): EnvironmentConfig {
  return { ...dev, ...changes };
}

export function synthCluster(config: EnvironmentConfig): { json: string; parsed: SynthJson; env: ResolvedEnvironment; stack: ClusterStack } {
  const env = resolveEnvironment(config);
  const app = Testing.app();
  const stack = new ClusterStack(app, `${env.name}-cluster`, { env });
  const json = Testing.synth(stack);
  return { json, parsed: JSON.parse(json) as SynthJson, env, stack };
}

/** All resources of one type, by logical id. */
export function resourcesOfType(parsed: SynthJson, type: string): Record<string, Record<string, unknown>> {
  return parsed.resource[type] ?? {};
}

/** The single resource of a type; fails the test when there are none or several. */
/** The one resource of a type with this `name`. */
export function byName(parsed: SynthJson, type: string, name: string): Record<string, unknown> {
  const all = Object.values(resourcesOfType(parsed, type)).filter((r) => r.name === name);
  if (all.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${all.length}`);
  return all[0];
}

export function onlyResource(parsed: SynthJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOfType(parsed, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/** Synthesizes an environment's platform stack (and the cluster stack it reads from). */
export function synthPlatform(config: EnvironmentConfig): { json: string; parsed: SynthJson; env: ResolvedEnvironment; stack: PlatformStack; cluster: SynthJson } {
  const env = resolveEnvironment(config);
  const app = Testing.app();
  const { platform } = addEnvironment(app, env);
  // A full synth resolves the cross-stack references (remote state, outputs) as `cdktf synth` does.
  app.synth();
  const json = readFileSync(join(app.outdir, 'stacks', platform.node.id, 'cdk.tf.json'), 'utf8');
  // The cluster stack as `cdktf synth` writes it: with the outputs the platform stack reads.
  const cluster = JSON.parse(readFileSync(join(app.outdir, 'stacks', `${env.name}-cluster`, 'cdk.tf.json'), 'utf8')) as SynthJson;
  return { json, parsed: JSON.parse(json) as SynthJson, env, stack: platform, cluster };
}

export interface HelmReleaseJson {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly repository?: string;
  readonly version?: string;
  readonly values: string[];
  readonly depends_on?: string[];
}

/** Helm releases of a synthesized stack by release name. */
export function releasesByName(parsed: SynthJson): Record<string, HelmReleaseJson & { address: string }> {
  const result: Record<string, HelmReleaseJson & { address: string }> = {};
  for (const [id, r] of Object.entries(resourcesOfType(parsed, 'helm_release'))) {
    const release = r as unknown as HelmReleaseJson;
    result[release.name] = { ...release, address: `helm_release.${id}` };
  }
  return result;
}

/** The values of a release whose values are plain JSON (published charts). */
export function releaseValues(release: HelmReleaseJson): Record<string, unknown> {
  return JSON.parse(release.values[0]) as Record<string, unknown>;
}
