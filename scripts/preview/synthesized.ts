import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';

/** One synthesized stack, as cdktf writes it. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly [key: string]: unknown;
}

/**
 * Every stack of a `cdktf.out` folder, by name. The stacks are those of the
 * folder's `manifest.json` (the last synthesis): cdktf never deletes the
 * folder of a stack that no longer exists, and a stale one must not look
 * unchanged. Without a manifest, every folder under `stacks/`.
 */
export function loadSynthesized(outdir: string): Record<string, StackJson> {
  const stacksDir = join(outdir, 'stacks');
  if (!existsSync(stacksDir)) throw new Error(`${outdir} has no stacks/ folder: synthesize it first (npm run synth)`);
  const manifest = join(outdir, 'manifest.json');
  const names = existsSync(manifest)
    ? Object.keys((JSON.parse(readFileSync(manifest, 'utf8')) as { stacks: Record<string, unknown> }).stacks)
    : readdirSync(stacksDir);
  const result: Record<string, StackJson> = {};
  for (const name of names.sort()) {
    const file = join(stacksDir, name, 'cdk.tf.json');
    if (existsSync(file)) result[name] = JSON.parse(readFileSync(file, 'utf8')) as StackJson;
  }
  return result;
}

/** `type.name` → resource body, without cdktf's `//` metadata. */
export function resourcesOf(stack: StackJson | undefined, kind: 'resource' | 'data' = 'resource'): Map<string, Record<string, unknown>> {
  const map = new Map<string, Record<string, unknown>>();
  for (const [type, byName] of Object.entries(stack?.[kind] ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const { ['//']: _metadata, ...rest } = body;
      map.set(`${kind === 'data' ? 'data.' : ''}${type}.${name}`, rest);
    }
  }
  return map;
}

/** Leaf values by dotted path (`a.b.0.c`); arrays of scalars are one leaf. */
export function flatten(value: unknown, prefix = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) {
    out.set(prefix, JSON.stringify(value));
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, prefix ? `${prefix}.${i}` : String(i), out));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(prefix, '{}');
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

/** Paths whose leaf differs between two values. */
export function changedPaths(before: unknown, after: unknown): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => a.get(p) !== b.get(p)).sort();
}
