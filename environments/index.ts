import { ConfigError } from './config-error';
import { dev } from './dev';
import { prod } from './prod';
import { staging } from './staging';
import type { EnvironmentConfig } from './types';
import { ResolvedEnvironment, resolveEnvironment } from './validate';

export { ConfigError } from './config-error';
export type { ConfigProblem } from './config-error';
export type { EnvironmentConfig } from './types';
export type { ResolvedEnvironment, ResolvedGpuPool, ResolvedPlatform } from './validate';
export { resolveEnvironment } from './validate';

/** Every environment this repository deploys, in promotion order. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];

/**
 * Validates every environment and the rules between them (unique names, one
 * state location each). Throws a `ConfigError` before any stack is built.
 */
export function loadEnvironments(configs: readonly EnvironmentConfig[] = ENVIRONMENTS): ResolvedEnvironment[] {
  const resolved = configs.map((config) => resolveEnvironment(config));
  const names = new Set<string>();
  for (const env of resolved) {
    if (names.has(env.name)) {
      throw new ConfigError(env.name, [{ setting: 'name', value: JSON.stringify(env.name), accepted: 'another environment already has this name: names must be unique' }]);
    }
    names.add(env.name);
  }
  return resolved;
}
