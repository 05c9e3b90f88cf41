import { ConfigProblem, show } from './config-error';

/** Collects problems instead of stopping at the first, so one run reports them all. */
export class Checker {
  public readonly problems: ConfigProblem[] = [];

  fail(setting: string, value: unknown, accepted: string): undefined {
    this.problems.push({ setting, value: show(value), accepted });
    return undefined;
  }

  record(setting: string, value: unknown): Record<string, unknown> | undefined {
    if (isObject(value)) return value;
    return this.fail(setting, value, 'expected an object');
  }

  optionalRecord(setting: string, value: unknown): Record<string, unknown> {
    if (value === undefined) return {};
    return this.record(setting, value) ?? {};
  }

  oneOf<T extends string>(setting: string, value: unknown, options: readonly T[], fallback?: T): T | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T;
    return this.fail(setting, value, `accepted: ${options.map((o) => JSON.stringify(o)).join(', ')}`);
  }

  text(setting: string, value: unknown, pattern: RegExp, accepted: string, fallback?: string): string | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'string' && pattern.test(value)) return value;
    return this.fail(setting, value, accepted);
  }

  integer(setting: string, value: unknown, min: number, max: number, fallback?: number): number | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    const kind = typeof value === 'number' && value < 0 && min >= 0 ? 'a count cannot be negative; ' : '';
    return this.fail(setting, value, `${kind}accepted: a whole number from ${min} to ${max}`);
  }

  bool(setting: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.fail(setting, value, 'accepted: true or false');
    return fallback;
  }

  list(setting: string, value: unknown, fallback?: readonly unknown[]): readonly unknown[] | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (Array.isArray(value)) return value;
    return this.fail(setting, value, 'expected a list');
  }
}

/** A plain object (not null, not a list): what an object setting must be. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
