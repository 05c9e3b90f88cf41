/** Helm values: plain data, merged and serialized for `helm_release.values`. */
export type Values = { readonly [key: string]: unknown };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `override` into `base`, recursively for objects; lists and scalars in
 * `override` replace those in `base`. Used to apply each component's escape
 * hatch last.
 */
export function mergeValues(base: Values, override: Values | undefined): Values {
  if (!override) return base;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return result;
}
