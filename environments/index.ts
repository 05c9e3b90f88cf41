import { checkAcrossEnvironments } from './across-environments';
import { ConfigError } from './config-error';
import { dev } from './dev';
import { prod } from './prod';
import { staging } from './staging';
import type { EnvironmentConfig } from './types';
import { ResolveOptions, ResolvedEnvironment, resolveEnvironment } from './validate';

export { ConfigError } from './config-error';
export type { ConfigProblem } from './config-error';
export type { EnvironmentConfig } from './types';
export type { ResolveOptions, ResolvedEnvironment, ResolvedGpuPool, ResolvedPlatform } from './validate';
export type { ResolvedDataStores } from './data-stores';
export { RULES } from './rules';
export { environmentSchema } from './schema';
export { resolveEnvironment } from './validate';

/** Every environment this repository deploys, in promotion order. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];

/** Every broken environment at once: one `ConfigError` each, plus rules between environments. */
export class EnvironmentsError extends Error {
  public readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'EnvironmentsError';
    this.errors = errors;
  }
}

/**
 * Validates every environment and the rules between them (unique names, hosts
 * and state accounts; overlapping networks are warnings, see
 * `across-environments.ts`), reporting all broken environments together.
 * Throws an `EnvironmentsError` before any stack is built.
 */
export function loadEnvironments(configs: readonly EnvironmentConfig[] = ENVIRONMENTS, options: ResolveOptions = {}): ResolvedEnvironment[] {
  const resolved: ResolvedEnvironment[] = [];
  const errors: ConfigError[] = [];
  for (const config of configs) {
    try {
      resolved.push(resolveEnvironment(config, options));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      errors.push(error);
    }
  }
  const names = new Set<string>();
  for (const env of resolved) {
    if (names.has(env.name)) {
      errors.push(new ConfigError(env.name, [{ setting: 'name', value: JSON.stringify(env.name), accepted: 'another environment already has this name: names must be unique' }]));
    }
    names.add(env.name);
  }
  const across = checkAcrossEnvironments(resolved);
  errors.push(...across.errors);
  if (errors.length > 0) throw new EnvironmentsError(errors);
  return resolved.map((env) => {
    const more = across.warnings.get(env.name);
    return more ? { ...env, warnings: [...env.warnings, ...more] } : env;
  });
}
