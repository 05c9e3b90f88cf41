/** One broken rule: which setting, what it holds, what would be accepted. */
export interface ConfigProblem {
  /** Path of the setting in the environment file, e.g. `gpuPools[0].vmSize`. */
  readonly setting: string;
  /** The value found, as it would print in the file. */
  readonly value: string;
  /** What the setting accepts, or how to fix it. */
  readonly accepted: string;
}

/**
 * Thrown when an environment file breaks a rule. Carries every problem found, so one run
 * shows them all; raised before any stack is built, so nothing is deployed.
 */
export class ConfigError extends Error {
  public readonly environment: string;
  public readonly problems: readonly ConfigProblem[];

  constructor(environment: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.setting}: got ${p.value}; ${p.accepted}`);
    super(`Environment "${environment}" is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.environment = environment;
    this.problems = problems;
  }
}

/** Renders a value the way it would be written in a TypeScript environment file. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
