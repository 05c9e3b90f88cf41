import { Precondition } from 'cdktf';
import lock from '../../upstream.lock.json';
import { ChartPin, KUBEFLOW_DISTRIBUTION, TreePin, chartFile, treeFile } from '../../catalog/versions';

/**
 * Where upstream artifacts are read from at plan time. Charts and the
 * distribution are never fetched by Terraform: `npm run upstream -- prepare`
 * verifies the cached packages against `upstream.lock.json` and unpacks them
 * into this folder (inside the repository, ignored by git); every helm release
 * installs its chart from here and every kustomize overlay renders from here.
 */
export const UPSTREAM_WORK_DIR = '.cache/upstream-work';

/** The command named in every plan-time error about missing artifacts. */
export const PREPARE_COMMAND = 'npm run upstream -- prepare';

/** Marker written into a verified, unpacked tree: holds the tarball's sha256. */
export const TREE_MARKER = '.upstream-verified';

// cdktf runs Terraform in cdktf.out/stacks/<stack>; the repository root is three levels up.
// Charts and file() checks take an absolute path (the helm provider resolves
// chart paths against its own working directory); kustomize overlays take the
// relative one: the kustomize inside kbst/kustomization 0.9.8 refuses an
// absolute directory as a resource ("new root … cannot be absolute").
const FROM_STACK = '${abspath(path.module)}/../../..';
/** The repository root seen from a stack's folder, as kustomize overlays need it. */
export const FROM_STACK_RELATIVE = '../../..';

interface LockEntry {
  /** sha256 of the archive the lock was written from. */
  readonly sha256: string;
  /** Digest of the files inside (scripts/upstream-digest.ts): what plans check, whoever packaged the archive. */
  readonly contentSha256?: string;
  readonly source: string;
}

const ARTIFACTS: Readonly<Record<string, LockEntry>> = (lock as { artifacts: Record<string, LockEntry> }).artifacts;

/** The locked checksum of an artifact of the cache; throws when the lock lacks it. */
export function lockedSha256(file: string): string {
  const entry = ARTIFACTS[file];
  if (!entry) {
    throw new Error(`upstream.lock.json has no entry for ${file}: after changing a pin in catalog/versions.ts, run \`npm run upstream -- fetch\` (online) and commit the lock it writes`);
  }
  return entry.sha256;
}

/**
 * The locked content digest of an artifact: what `prepare` writes into its
 * marker once the artifact verified, and what plans check. Throws when the
 * lock lacks it.
 */
export function lockedDigest(file: string): string {
  const digest = ARTIFACTS[file]?.contentSha256;
  if (!digest) {
    throw new Error(`upstream.lock.json has no content digest for ${file}: run \`npm run upstream -- lock\` on a verified cache (or \`fetch\` online) and commit the lock`);
  }
  return digest;
}

/** The marker `prepare` writes beside a chart in the work folder: `<content digest> <sha256 of that chart file>`. */
export const CHART_MARKER_SUFFIX = '.verified';

/** Every artifact file of the lock (for the verify command and tests). */
export function lockedArtifacts(): Readonly<Record<string, LockEntry>> {
  return ARTIFACTS;
}

/**
 * A pinned chart's package in the work folder, and the plan-time check that it
 * is the verified one: its marker holds the locked content digest and the
 * sha256 of this very file (so a package swapped after \`prepare\` fails too).
 */
export function localChart(pin: ChartPin): { readonly chart: string; readonly precondition: Precondition } {
  const file = chartFile(pin);
  const digest = lockedDigest(file);
  const path = `${FROM_STACK}/${UPSTREAM_WORK_DIR}/${file}`;
  const marker = `split(" ", trimspace(file("${path}${CHART_MARKER_SUFFIX}")))`;
  return {
    chart: path,
    precondition: {
      condition: `\${try(${marker}[0] == "${digest}" && ${marker}[1] == filesha256("${path}"), false)}`,
      errorMessage: `Chart ${pin.chart} ${pin.version} is missing from ${UPSTREAM_WORK_DIR} or does not match upstream.lock.json (content ${digest}). Run \`${PREPARE_COMMAND}\` in the repository (it verifies the cache; \`npm run upstream -- fetch\` fills it when online).`,
    },
  };
}

/** The unpacked folder of a tree in the work folder (an absolute path at plan time, for file()). */
export function treeDirectory(pin: TreePin): string {
  return `${FROM_STACK}/${UPSTREAM_WORK_DIR}/trees/${pin.name}`;
}

/**
 * A path inside a verified tree, for a kustomize overlay's `resources`:
 * relative to the stack's folder, where Terraform runs.
 */
export function treeResourcePath(pin: TreePin, path: string): string {
  return `${FROM_STACK_RELATIVE}/${UPSTREAM_WORK_DIR}/trees/${pin.name}/${path}`;
}

/** A path inside the verified distribution tree, for kustomize. */
export function distributionPath(path: string): string {
  return treeResourcePath(KUBEFLOW_DISTRIBUTION, path);
}

/**
 * The plan-time check that a tree was unpacked from a verified tarball: the
 * marker `prepare` writes last holds the content digest from upstream.lock.json.
 */
export function treePrecondition(pin: TreePin, label = `The upstream tree ${pin.name} ${pin.version}`): Precondition {
  const sha = lockedDigest(treeFile(pin));
  const marker = `${treeDirectory(pin)}/${TREE_MARKER}`;
  return {
    condition: `\${try(trimspace(file("${marker}")), "missing") == "${sha}"}`,
    errorMessage: `${label} is not prepared in ${UPSTREAM_WORK_DIR} or does not match upstream.lock.json. Run \`${PREPARE_COMMAND}\` in the repository; no git and no network are needed at plan time.`,
  };
}

/** The plan-time check that the distribution tree was unpacked from the locked tarball. */
export function distributionPrecondition(): Precondition {
  return treePrecondition(KUBEFLOW_DISTRIBUTION, `The Kubeflow distribution ${KUBEFLOW_DISTRIBUTION.release} (${KUBEFLOW_DISTRIBUTION.version})`);
}
