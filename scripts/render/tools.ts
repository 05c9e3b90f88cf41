import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join, resolve } from 'path';

/**
 * The binaries and upstream cache the render tests need. `.ci/run` installs
 * Helm and kustomize from the Go module proxy into .cache/bin and points
 * KUBEFLOW_UPSTREAM_CACHE at ../shared/upstream. Elsewhere the render tests
 * are skipped with a notice, except under CI, where a missing tool is an error.
 */
export const ROOT = resolve(__dirname, '..', '..');

function binary(envVar: string, name: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  const local = join(ROOT, '.cache', 'bin', name);
  return existsSync(local) ? local : name;
}

export const HELM = binary('HELM_BIN', 'helm');
export const KUSTOMIZE = binary('KUSTOMIZE_BIN', 'kustomize');

function works(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
}

/** The upstream cache: KUBEFLOW_UPSTREAM_CACHE, else .cache/upstream, else ../shared/upstream next to the repository. */
export function upstreamCache(): string | undefined {
  const candidates = [process.env.KUBEFLOW_UPSTREAM_CACHE, join(ROOT, '.cache', 'upstream'), resolve(ROOT, '..', 'shared', 'upstream')];
  return candidates.find((c): c is string => c !== undefined && existsSync(join(c, 'charts')));
}

export interface RenderTools {
  readonly available: boolean;
  readonly reason?: string;
}

let cached: RenderTools | undefined;

export function renderTools(): RenderTools {
  if (cached) return cached;
  const missing: string[] = [];
  if (!works(HELM, ['version', '--short'])) missing.push(`helm (HELM_BIN=${HELM})`);
  if (!works(KUSTOMIZE, ['version'])) missing.push(`kustomize (KUSTOMIZE_BIN=${KUSTOMIZE})`);
  if (!upstreamCache()) missing.push('the upstream cache (KUBEFLOW_UPSTREAM_CACHE)');
  cached = missing.length === 0 ? { available: true } : { available: false, reason: `missing ${missing.join(', ')}` };
  if (!cached.available && process.env.CI) throw new Error(`render tests need ${cached.reason}; .ci/run installs them`);
  return cached;
}
