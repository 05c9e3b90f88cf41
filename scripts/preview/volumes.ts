/**
 * Data that goes when a Helm release is uninstalled or upgraded: the
 * PersistentVolumeClaims in its rendered objects. Helm deletes every object of
 * an uninstalled release, and on an upgrade every object the new manifest no
 * longer has, except objects annotated `helm.sh/resource-policy: keep`. A
 * deleted claim takes its disk with it under the default StorageClass (reclaim
 * policy Delete). The rendering itself (real charts, verified upstream trees)
 * is passed in: see scripts/preview/release-objects.ts.
 */
import { StackJson, resourcesOf } from './synthesized';

type Body = Record<string, unknown>;

/** The part of a rendered Kubernetes object the check reads. */
export interface RenderedObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
  readonly spec?: unknown;
}

/** Renders one synthesized `helm_release` of a stack (for a cluster at a Kubernetes version) to its objects; throws when it cannot. */
export type ReleaseRenderer = (release: Body, stack: StackJson, kubernetesVersion?: string) => readonly RenderedObject[];

/** How the data-loss check runs: with a renderer, or skipped with the reason (a missing tool or cache). */
export interface DataLossCheck {
  readonly render?: ReleaseRenderer;
  /** Why the releases cannot be rendered, e.g. "missing helm (HELM_BIN=helm)". */
  readonly unavailable?: string;
}

/**
 * What lives on each store volume the stacks install, by claim name (read
 * from the rendered Kubeflow 26.03.1 bundles). A claim missing here is still
 * flagged, as "data of release X".
 */
export const STORE_VOLUMES: Readonly<Record<string, string>> = {
  'katib-mysql': 'Katib\'s experiment database, with its experiments, trials and their metrics',
  'mysql-pv-claim': 'Pipelines\' in-cluster MySQL, with runs, experiments, schedules and ML Metadata lineage',
  'seaweedfs-pvc': 'Pipelines\' in-cluster artifact store (SeaweedFS), with run artifacts and outputs',
  'metadata-postgres': 'Model Registry\'s database, with registered models, versions and artifacts',
};

export const KEEP_ANNOTATION = 'helm.sh/resource-policy';

export interface VolumeFindings {
  /** Claims deleted with their data: ⚠️ sentences. */
  readonly warnings: string[];
  /** Claims Helm keeps, and releases that could not be rendered: plain sentences. */
  readonly notes: string[];
}

function sizeOf(obj: RenderedObject): string {
  const spec = obj.spec as { resources?: { requests?: { storage?: unknown } } } | undefined;
  const size = spec?.resources?.requests?.storage;
  return size === undefined ? 'size not set' : String(size);
}

function claimsOf(objects: readonly RenderedObject[], namespace: string): Map<string, RenderedObject> {
  return new Map(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => [`${o.metadata.namespace ?? namespace}/${o.metadata.name}`, o]));
}

function kept(obj: RenderedObject): boolean {
  return obj.metadata.annotations?.[KEEP_ANNOTATION] === 'keep';
}

function describe(obj: RenderedObject, key: string, release: string): string {
  return `PersistentVolumeClaim \`${key}\` (${sizeOf(obj)}: ${STORE_VOLUMES[obj.metadata.name] ?? `data of release ${release}`})`;
}

function verdict(obj: RenderedObject, subject: string, findings: VolumeFindings, how: string): void {
  if (kept(obj)) findings.notes.push(`${subject} is kept by Helm (${KEEP_ANNOTATION}: keep): delete it by hand if you mean to.`);
  else findings.warnings.push(`${how} deletes ${subject}, and its disk with the data (the default StorageClass deletes the volume).`);
}

/** Fields of a claim's spec that Kubernetes refuses to change once the claim exists (only the requested size may grow). */
export const IMMUTABLE_CLAIM_FIELDS = ['storageClassName', 'accessModes', 'volumeMode', 'selector', 'volumeName'] as const;

function claimSpecField(obj: RenderedObject, field: (typeof IMMUTABLE_CLAIM_FIELDS)[number]): unknown {
  return (obj.spec as Record<string, unknown> | undefined)?.[field];
}

/** Whether a change of the release's body makes Terraform replace it (uninstall, then install). */
function replaced(old: Body, now: Body): boolean {
  return old.name !== now.name || (old.namespace ?? 'default') !== (now.namespace ?? 'default');
}

/**
 * The claims a stack's change deletes or leaves kept: releases uninstalled
 * (gone from the stack or replaced) lose every claim; releases upgraded lose
 * the claims their new manifest no longer renders.
 */
export function volumeFindings(before: StackJson, after: StackJson, render: ReleaseRenderer, kubernetesVersion: { before?: string; after?: string } = {}): VolumeFindings {
  const findings: VolumeFindings = { warnings: [], notes: [] };
  const releasesAfter = resourcesOf(after);
  for (const [address, old] of resourcesOf(before)) {
    if (!address.startsWith('helm_release.')) continue;
    const now = releasesAfter.get(address);
    if (now && JSON.stringify(old) === JSON.stringify(now)) continue;
    const name = String(old.name);
    const namespace = String(old.namespace ?? 'default');
    const safely = (body: Body, stack: StackJson, which: 'before' | 'after'): readonly RenderedObject[] | undefined => {
      try {
        return render(body, stack, kubernetesVersion[which]);
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        findings.notes.push(`Release \`${name}\` (${which}) could not be rendered, so its PersistentVolumeClaims are not checked: ${reason}.`);
        return undefined;
      }
    };
    const objectsBefore = safely(old, before, 'before');
    if (!objectsBefore) continue;
    const claimsBefore = claimsOf(objectsBefore, namespace);
    if (claimsBefore.size === 0) continue;
    if (!now || replaced(old, now)) {
      const how = now ? `Replacing release \`${name}\` (uninstall, then install)` : `Uninstalling release \`${name}\``;
      for (const [key, obj] of claimsBefore) verdict(obj, describe(obj, key, name), findings, how);
      continue;
    }
    const objectsAfter = safely(now, after, 'after');
    if (!objectsAfter) continue;
    const claimsAfter = claimsOf(objectsAfter, namespace);
    for (const [key, obj] of claimsBefore) {
      const next = claimsAfter.get(key);
      if (!next) verdict(obj, describe(obj, key, name), findings, `Upgrading release \`${name}\`, which no longer renders it,`);
      else {
        const changed = IMMUTABLE_CLAIM_FIELDS.filter((f) => JSON.stringify(claimSpecField(obj, f)) !== JSON.stringify(claimSpecField(next, f)));
        if (changed.length > 0) {
          findings.warnings.push(`Upgrading release \`${name}\` changes ${changed.map((f) => `\`${f}\` (${JSON.stringify(claimSpecField(obj, f)) ?? 'unset'} → ${JSON.stringify(claimSpecField(next, f)) ?? 'unset'})`).join(', ')} of ${describe(obj, key, name)}: Kubernetes refuses that on an existing claim, so the apply of \`${name}\` fails until the claim is moved by hand (docs/components/data-stores.md, "Keep by default, delete on purpose").`);
        }
      }
    }
  }
  return findings;
}
