/**
 * Renders a synthesized `helm_release` to its Kubernetes objects for the
 * data-loss check, with the render tests' machinery (scripts/render/render.ts):
 * `helm template` of the real chart from the verified upstream work folder,
 * and bundle values built with kustomize from the verified trees. Without
 * helm, kustomize or the upstream cache the check is skipped with a note;
 * the preview never fails for it.
 */
import { spawnSync } from 'child_process';
import type { ResolvedEnvironment } from '../../environments';
import { renderStacks } from '../render/render';
import { HELM, KUSTOMIZE, upstreamCache } from '../render/tools';
import type { SynthJson } from '../render/render';
import { StackJson } from './synthesized';
import { DataLossCheck, ReleaseRenderer } from './volumes';

type Body = Record<string, unknown>;

/** Helm renders with the cluster's Kubernetes version; charts gate few objects on it, and none of the claims. */
const FALLBACK_KUBERNETES = '1.33';

function works(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
}

/** What is missing to render releases, or undefined when everything is there. */
export function missingRenderTools(): string | undefined {
  const missing: string[] = [];
  if (!works(HELM, ['version', '--short'])) missing.push(`helm (HELM_BIN=${HELM})`);
  if (!works(KUSTOMIZE, ['version'])) missing.push(`kustomize (KUSTOMIZE_BIN=${KUSTOMIZE})`);
  if (!upstreamCache()) missing.push('the upstream cache (KUBEFLOW_UPSTREAM_CACHE)');
  return missing.length > 0 ? `missing ${missing.join(', ')}` : undefined;
}

/** The renderer: each release rendered alone, with the overlays of its stack and the Kubernetes version of its cluster. */
export function helmRenderer(): ReleaseRenderer {
  return (release: Body, stack: StackJson, kubernetesVersion?: string) => {
    const platform = { resource: { helm_release: { preview: release } }, data: stack.data ?? {} } as unknown as SynthJson;
    // renderStacks reads only the Kubernetes version of the environment.
    const env = { kubernetesVersion: kubernetesVersion ?? FALLBACK_KUBERNETES } as unknown as ResolvedEnvironment;
    return renderStacks(env, platform, platform).releases.flatMap((r) => r.objects);
  };
}

/** The check `npm run preview` runs: rendering when the tools are there, a note otherwise. */
export function dataLossCheck(): DataLossCheck {
  const missing = missingRenderTools();
  return missing ? { unavailable: missing } : { render: helmRenderer() };
}
