import 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';
import { EnvironmentConfig, ResolvedEnvironment, resolveEnvironment } from '../environments';
import { dev } from '../environments/dev';
import { ClusterStack } from '../stacks/cluster-stack';

/** A synthesized stack, parsed. */
export interface SynthJson {
  readonly terraform: Record<string, unknown>;
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown; sensitive?: boolean }>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

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
export function onlyResource(parsed: SynthJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOfType(parsed, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}
