import { z } from 'zod';
import { NON_PUBLIC_RANGES, overlaps, parseAddressOrCidr, parseCidr } from '../cidr';

/**
 * Builders for the environment schema. Each gives a zod schema whose error text
 * says what is accepted, in the words this project's errors always used, so one
 * declaration carries a setting's type, range and error message. Descriptions and
 * defaults for the generated reference (`npm run docs:settings`) go in `.meta()`:
 * `description` (what the setting does) and, for defaults that depend on other
 * settings, `defaultText` (how the default is chosen).
 */

/** What the settings reference reads from a schema's metadata. */
export interface SettingMeta {
  /** What the setting does; first sentence of the reference row. */
  readonly description?: string;
  /** The default in words, where it depends on other settings (stage, region, the access layer). */
  readonly defaultText?: string;
  /** The accepted values in words, where the type alone does not say it (patterns, catalogs). */
  readonly accepts?: string;
  /** The type in words, where the schema checks the form in a rule (the reference cannot see it). */
  readonly typeText?: string;
  /** A required setting that must be absent in this variant (refused with its own message). */
  readonly forbidden?: boolean;
}

declare module 'zod' {
  interface GlobalMeta extends SettingMeta {}
}

/** `accepted: a whole number from min to max`; negative counts say so first. */
export function integer(min: number, max: number) {
  const message = (input: unknown) =>
    `${typeof input === 'number' && input < 0 && min >= 0 ? 'a count cannot be negative; ' : ''}accepted: a whole number from ${min} to ${max}`;
  const error = (iss: { input?: unknown }) => message(iss.input);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** One of a fixed list of strings: `accepted: "a", "b"`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `accepted: ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

/** Text matching a pattern; `accepted` is the whole message. */
export function text(pattern: RegExp, accepted: string) {
  return z.string({ error: accepted }).regex(pattern, { error: accepted }).meta({ accepts: accepted.replace(/^accepted: /, '') });
}

export function bool() {
  return z.boolean({ error: 'accepted: true or false' });
}

export function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: 'expected a list' });
}

/**
 * An object that refuses names it does not declare; the problem lists the names
 * accepted here (the resolver adds "did you mean").
 */
export function object<T extends z.ZodRawShape>(shape: T) {
  const accepted = Object.keys(shape).filter((k) => !(shape[k] as z.ZodType).meta()?.forbidden);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown setting: accepted here: ${accepted.join(', ')}` : 'expected an object'),
  });
}

/** Objects told apart by `mode` (or another tag): a bad tag is refused with the tags accepted. */
export function variants<const K extends string, T extends readonly [z.ZodObject, ...z.ZodObject[]]>(tag: K, options: T) {
  return z.discriminatedUnion(tag, options as unknown as [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]], {
    error: (iss) => {
      if (iss.code === 'invalid_union' && 'options' in iss && Array.isArray(iss.options)) {
        return `accepted: ${iss.options.map((o) => JSON.stringify(o)).join(', ')}`;
      }
      return 'expected an object';
    },
  }) as unknown as z.ZodDiscriminatedUnion<T extends readonly z.ZodType[] ? [...T] : never>;
}

/** A setting that this variant refuses, with the reason. */
export function forbidden(reason: string) {
  return z.undefined({ error: reason }).optional().meta({ forbidden: true });
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const EMAIL = /^[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}$/;
export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const DNS_NAME = /^(?=.{4,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$/;
export const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;

export const ZONES = ['1', '2', '3'] as const;
export function zoneList() {
  return list(oneOf(ZONES)).superRefine((zones, ctx) => {
    zones.forEach((z, i) => {
      if (zones.indexOf(z) !== i) ctx.addIssue({ code: 'custom', path: [i], input: z, message: 'listed twice: remove the duplicate' });
    });
  });
}

/** A list of GUIDs without duplicates (case-insensitive). */
export function guidList(accepted: string) {
  return list(text(UUID, accepted)).superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id.toLowerCase())) ctx.addIssue({ code: 'custom', path: [i], input: id, message: 'listed twice: remove the duplicate' });
      seen.add(id.toLowerCase());
    });
  });
}

/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length];
}

/**
 * Public IPv4 addresses or CIDR ranges (API server authorized ranges, Key Vault firewall):
 * `min` to `max` of them, none wider than /8, none in a non-public range.
 */
export function publicRanges(min: number, max: number) {
  const item = 'accepted: an IPv4 address or a CIDR range with no host bits set, e.g. "203.0.113.0/24"';
  return z.array(z.string({ error: item }), { error: 'expected a list' }).superRefine((items, ctx) => {
    if (items.length < min || items.length > max) {
      ctx.addIssue({ code: 'custom', input: items, message: `accepted: ${min} to ${max} public IPv4 addresses or CIDR ranges` });
      return;
    }
    items.forEach((item, i) => {
      const range = parseAddressOrCidr(item);
      const fail = (message: string) => ctx.addIssue({ code: 'custom', path: [i], input: item, message });
      if (!range) return fail(item);
      if (range.prefix < 8) return fail('a range this wide opens the endpoint to much of the internet: use /8 or narrower');
      const reserved = NON_PUBLIC_RANGES.find((r) => overlaps(r.range, range));
      if (reserved) fail(`overlaps non-public range ${reserved.name}: list the public egress addresses of your offices and runners`);
    });
  }).meta({ accepts: `${min} to ${max} public IPv4 addresses or CIDR ranges, none wider than /8` });
}

/** An IPv4 CIDR range with no host bits set. */
export function cidr(example = '10.20.0.0/16') {
  const message = `accepted: an IPv4 CIDR range with no host bits set, e.g. "${example}"`;
  return z.string({ error: message }).refine((v) => parseCidr(v) !== undefined, { error: message }).meta({ accepts: 'an IPv4 CIDR range (no host bits set)' });
}

/**
 * The resolved form of a slice whose defaults `K` depend on other settings: the schema
 * leaves them optional (the file may omit them), resolution always fills them in.
 */
export type Filled<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]-?: Exclude<T[P], undefined> };
