import { ITerraformDependable } from 'cdktf';

/**
 * Marks a prerequisite that exists in the cluster but is not managed by this
 * project (installed by another team or tool). A component given this marker
 * trusts that it is there and adds no dependency.
 */
/** Anything other resources can wait for: a construct's `ready` list. */
export interface Dependable {
  readonly ready: readonly ITerraformDependable[];
}

export const PROVIDED_OUTSIDE = Object.freeze({ providedOutside: true as const });
export type ProvidedOutside = typeof PROVIDED_OUTSIDE;

/** Something a component needs: the construct that installs it, or `PROVIDED_OUTSIDE`. */
export type Prerequisite<T extends { readonly ready: readonly ITerraformDependable[] }> = T | ProvidedOutside;

export function isProvidedOutside(value: unknown): value is ProvidedOutside {
  return typeof value === 'object' && value !== null && (value as { providedOutside?: unknown }).providedOutside === true;
}

/** The resources a component must wait for, for each of its prerequisites. */
export function readinessOf(...prerequisites: readonly (Prerequisite<{ readonly ready: readonly ITerraformDependable[] }> | undefined)[]): ITerraformDependable[] {
  const result: ITerraformDependable[] = [];
  for (const p of prerequisites) {
    if (p === undefined || isProvidedOutside(p)) continue;
    result.push(...p.ready);
  }
  return result;
}

/**
 * Thrown when a component is built with a missing prerequisite or a
 * contradictory setting: before anything is planned or applied.
 */
export class ComponentError extends Error {
  constructor(component: string, setting: string, problem: string, fix: string) {
    super(`${component}: ${setting} ${problem}. Fix: ${fix}`);
    this.name = 'ComponentError';
  }
}
