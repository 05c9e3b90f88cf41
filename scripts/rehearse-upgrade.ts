/**
 * `npm run rehearse -- <env> --from <git-rev>`: the upgrade rehearsal of an
 * environment's in-cluster stores (docs/components/data-stores.md, "Upgrading
 * an environment whose in-cluster stores predate this"). On the same local
 * control plane as the platform rehearsal (scripts/rehearse.ts):
 *
 *   1. synthesizes `<git-rev>` in a temporary git worktree (its node_modules
 *      borrowed when its lock file pins nothing differently, else its own
 *      `npm ci`; its own `npm run upstream -- prepare`) and applies its
 *      `<env>-platform`, with AKS's default StorageClass stood in first;
 *   2. stands in for the cloud disks: a static PersistentVolume per store
 *      claim, bound to it as AKS's provisioner binds one (class, size, access
 *      mode of the claim, reclaim policy Delete), labelled so it can be found;
 *   3. runs the documented migration for each store claim through the API;
 *   4. plans and applies today's stack on the same state: every store claim
 *      must be Bound to the same PersistentVolume (name and uid) on class
 *      `kubeflow-store`, its workloads scaled back, and a second plan clean.
 *
 * Before that, on a control plane of its own, the same upgrade without step 3:
 * the apply must fail on every store claim ("spec is immutable"). And offline,
 * the preview's volume check (scripts/preview/volumes.ts) must name those claims.
 */
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { AZURE_DISK_PROVISIONER, STORE_STORAGE_CLASS } from '../constructs/stores/store-volumes';
import { loadEnvironments } from '../environments';
import { chooseEngine } from './prerequisites';
import { dataLossCheck } from './preview/release-objects';
import { KEEP_ANNOTATION, STORE_VOLUMES, volumeFindings } from './preview/volumes';
import type { StackJson as PreviewStackJson } from './preview/synthesized';
import {
  ApiTarget, ControlPlane, Json, StackJson, apiGet, apiPost, apiRequest, applyLine, applyWithRaceRetries, binDir, copyStack,
  engineRun, ensureBinaries, outputsState, rehearsalOverride, remoteOutputs, standIn, startControlPlane, until,
} from './rehearse';

const ROOT = resolve(__dirname, '..');

/** The label every stand-in object of the rehearsal carries; the disks carry `disk`. */
export const STAND_IN_LABEL = 'rehearsal.kubeflow-aks/stand-in';

/** AKS's default StorageClass (`default`): Azure Disk CSI, Standard SSD, disks deleted with their claims. */
export const AKS_DEFAULT_CLASS = 'default';

/** The stand-in for AKS's default class, as AKS creates it, marked default so a claim without a class gets it on creation. */
export function aksDefaultStorageClass(): Json {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: AKS_DEFAULT_CLASS, labels: { [STAND_IN_LABEL]: 'aks-default-class' }, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: AZURE_DISK_PROVISIONER,
    parameters: { skuname: 'StandardSSD_LRS' },
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

// ---------------------------------------------------------------------------
// Arguments

export interface RehearseArgs {
  readonly env?: string;
  readonly keep: boolean;
  /** The git revision an upgrade rehearsal starts from. */
  readonly from?: string;
  readonly help: boolean;
}

/** `<env> [--keep] [--from <git-rev>]`, in any order. */
export function parseRehearseArgs(argv: readonly string[]): RehearseArgs {
  const positional: string[] = [];
  let from: string | undefined;
  let keep = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--from') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error('--from takes a git revision (a commit, tag or branch), e.g. --from af96e05');
      from = value;
    } else if (a.startsWith('--from=')) from = a.slice('--from='.length);
    else if (a === '--keep') keep = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}: expected <env> [--keep] [--from <git-rev>]`);
    else positional.push(a);
  }
  if (positional.length > 1) throw new Error(`one environment at a time, got ${positional.join(', ')}`);
  if (from === '') throw new Error('--from takes a git revision (a commit, tag or branch), e.g. --from af96e05');
  return { env: positional[0], keep, from, help };
}

// ---------------------------------------------------------------------------
// The old revision's worktree

interface LockJson { readonly packages?: Record<string, { version?: string; integrity?: string }> }

/**
 * Whether a revision can borrow this checkout's node_modules: every package its lock file
 * installs is installed here at the same version and integrity (extra packages here are fine).
 */
export function lockReusable(old: LockJson, now: LockJson): boolean {
  const here = now.packages ?? {};
  return Object.entries(old.packages ?? {}).every(([path, p]) => path === '' || (here[path]?.version === p.version && here[path]?.integrity === p.integrity));
}

interface Revision {
  readonly commit: string;
  readonly tree: string;
  readonly borrowedModules: boolean;
  remove(): void;
}

function sh(cmd: string, args: string[], cwd: string, what: string): void {
  console.log(`$ (${cwd}) ${cmd} ${args.join(' ')}`);
  const run = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' }, maxBuffer: 64 * 1024 * 1024 });
  if (run.error || run.status !== 0) throw new Error(`${what} failed (${run.error?.message ?? `exit ${run.status}`}):\n${`${run.stdout ?? ''}${run.stderr ?? ''}`.slice(-4000)}`);
}

/** Checks out, installs, prepares and synthesizes a revision in a temporary worktree. */
function prepareRevision(rev: string): Revision {
  let commit: string;
  try {
    commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`--from ${rev}: no such commit in this repository (expected a commit, tag or branch)`);
  }
  const tree = join(mkdtempSync(join(tmpdir(), 'rehearsal-from-')), 'tree');
  execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--quiet', '--detach', tree, commit], { stdio: ['ignore', 'ignore', 'inherit'] });
  const remove = () => {
    try {
      execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', tree], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(join(tree, '..'), { recursive: true, force: true });
  };
  try {
    const pkg = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    if (!pkg.scripts?.upstream) throw new Error(`--from ${rev}: that revision has no \`npm run upstream\` (it predates the upstream cache), so its platform stack cannot be applied offline`);
    const lock = (dir: string) => JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as LockJson;
    const borrowedModules = lockReusable(lock(tree), lock(ROOT));
    if (borrowedModules) symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
    else sh('npm', ['ci', '--no-audit', '--no-fund'], tree, `npm ci of ${rev}`);
    sh('npm', ['run', 'upstream', '--', 'prepare'], tree, `npm run upstream -- prepare of ${rev}`);
    sh('npm', ['run', 'synth'], tree, `npm run synth of ${rev}`);
    return { commit, tree, borrowedModules, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Claims, disks and workloads (pure)

export interface ClaimJson {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly uid: string; readonly annotations?: Record<string, string> };
  readonly spec: {
    readonly storageClassName?: string;
    readonly accessModes?: readonly string[];
    readonly volumeMode?: string;
    readonly volumeName?: string;
    readonly resources?: { readonly requests?: { readonly storage?: string } };
  };
  readonly status?: { readonly phase?: string };
}

export interface VolumeJson {
  readonly metadata: { readonly name: string; readonly uid: string; readonly labels?: Record<string, string> };
  readonly spec: {
    readonly storageClassName?: string;
    readonly persistentVolumeReclaimPolicy?: string;
    readonly claimRef?: { readonly namespace?: string; readonly name?: string; readonly uid?: string };
    readonly csi?: { readonly driver: string; readonly volumeHandle: string };
  };
  readonly status?: { readonly phase?: string };
}

export interface WorkloadJson {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly replicas?: number; readonly template: { readonly spec?: { readonly volumes?: readonly { readonly persistentVolumeClaim?: { readonly claimName: string } }[] } } };
}

const key = (o: { metadata: { namespace: string; name: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;

/** The store claims among a cluster's claims: those the preview knows as stores (STORE_VOLUMES). */
export function storeClaimsOf(claims: readonly ClaimJson[]): ClaimJson[] {
  return claims.filter((c) => Object.hasOwn(STORE_VOLUMES, c.metadata.name)).sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * The stand-in for the Azure disk AKS's provisioner creates for a claim: a CSI
 * PersistentVolume named as the provisioner names it, with the claim's class,
 * size, access modes and volume mode, reclaim policy Delete (AKS's default
 * class), and bound to the claim (claimRef with its uid), as a provisioned
 * volume is: the claim's class waits for a consumer, and no pod ever runs here.
 */
export function standInDisk(claim: ClaimJson): Json {
  const size = claim.spec.resources?.requests?.storage;
  const where = `claim ${key(claim)}`;
  if (!claim.spec.storageClassName) throw new Error(`${where} has no storageClassName: the stand-in of AKS's default class (${AKS_DEFAULT_CLASS}) was not in place when it was created`);
  if (!size) throw new Error(`${where} requests no storage size`);
  const name = `pvc-${claim.metadata.uid}`;
  const subscription = createHash('sha256').update('rehearsal').digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels: { [STAND_IN_LABEL]: 'disk' }, annotations: { 'pv.kubernetes.io/provisioned-by': AZURE_DISK_PROVISIONER } },
    spec: {
      capacity: { storage: size },
      accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
      volumeMode: claim.spec.volumeMode ?? 'Filesystem',
      storageClassName: claim.spec.storageClassName,
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
      csi: { driver: AZURE_DISK_PROVISIONER, volumeHandle: `/subscriptions/${subscription}/resourceGroups/mc_rehearsal/providers/Microsoft.Compute/disks/${name}`, fsType: 'ext4' },
    },
  };
}

/** The Deployments and StatefulSets whose pods mount the claim. */
export function workloadsMounting(claim: { namespace: string; name: string }, workloads: readonly WorkloadJson[]): WorkloadJson[] {
  return workloads.filter((w) => w.metadata.namespace === claim.namespace && (w.spec.template.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.name));
}

/** One request of the migration, and the documented command it stands for. */
export interface ApiCall {
  readonly method: 'PATCH' | 'DELETE';
  readonly path: string;
  readonly contentType?: string;
  readonly body?: Json;
  /** The kubectl command of docs/components/data-stores.md this request is. */
  readonly command: string;
}

const STRATEGIC = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';

/**
 * The documented migration of one store claim as API requests, in order: its disk kept
 * when the claim goes (Retain), its workloads scaled to 0, the claim deleted (the caller
 * waits until it is gone), and the disk re-pointed at the claim the release recreates,
 * on the store class.
 */
export function migrationCalls(claim: { namespace: string; name: string }, volume: string, workloads: readonly { kind: WorkloadJson['kind']; name: string }[], storeClass: string = STORE_STORAGE_CLASS): ApiCall[] {
  const { namespace: ns, name } = claim;
  const retain = { spec: { persistentVolumeReclaimPolicy: 'Retain' } };
  const repoint = { spec: { storageClassName: storeClass, claimRef: { namespace: ns, name, uid: null, resourceVersion: null } } };
  return [
    { method: 'PATCH', path: `/api/v1/persistentvolumes/${volume}`, contentType: STRATEGIC, body: retain, command: `kubectl patch pv ${volume} -p '${JSON.stringify(retain)}'` },
    ...workloads.map((w): ApiCall => {
      const plural = w.kind === 'Deployment' ? 'deployments' : 'statefulsets';
      return { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/${plural}/${w.name}/scale`, contentType: MERGE, body: { spec: { replicas: 0 } }, command: `kubectl -n ${ns} scale ${w.kind === 'Deployment' ? 'deploy' : 'statefulset'} ${w.name} --replicas=0` };
    }),
    { method: 'DELETE', path: `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`, command: `kubectl -n ${ns} delete pvc ${name}` },
    { method: 'PATCH', path: `/api/v1/persistentvolumes/${volume}`, contentType: MERGE, body: repoint, command: `kubectl patch pv ${volume} --type=merge -p '${JSON.stringify(repoint)}'` },
  ];
}

/** A store claim's disk before the upgrade. */
export interface DiskBefore {
  /** `<namespace>/<name>` of the claim. */
  readonly claim: string;
  readonly volume: string;
  readonly volumeUid: string;
  readonly storageClassName: string;
}

/** What is wrong after the upgrade: each store claim must be Bound again to the same disk, on the store class, kept by Helm, the disk retained. */
export function migrationProblems(before: readonly DiskBefore[], claims: readonly ClaimJson[], volumes: readonly VolumeJson[], storeClass: string = STORE_STORAGE_CLASS): string[] {
  const problems: string[] = [];
  for (const b of before) {
    const claim = claims.find((c) => key(c) === b.claim);
    if (!claim) { problems.push(`claim ${b.claim} does not exist after the apply`); continue; }
    if (claim.status?.phase !== 'Bound') problems.push(`claim ${b.claim} is ${claim.status?.phase ?? 'without a phase'}, not Bound`);
    if (claim.spec.volumeName !== b.volume) problems.push(`claim ${b.claim} is bound to ${claim.spec.volumeName ?? 'no volume'}, not to its disk ${b.volume}`);
    if (claim.spec.storageClassName !== storeClass) problems.push(`claim ${b.claim} has class ${claim.spec.storageClassName ?? 'unset'}, not ${storeClass}`);
    if (claim.metadata.annotations?.[KEEP_ANNOTATION] !== 'keep') problems.push(`claim ${b.claim} lacks ${KEEP_ANNOTATION}: keep`);
    const volume = volumes.find((v) => v.metadata.name === b.volume);
    if (!volume) { problems.push(`disk ${b.volume} of ${b.claim} is gone`); continue; }
    if (volume.metadata.uid !== b.volumeUid) problems.push(`disk ${b.volume} of ${b.claim} is a new object (uid ${volume.metadata.uid}, was ${b.volumeUid})`);
    if (volume.spec.storageClassName !== storeClass) problems.push(`disk ${b.volume} has class ${volume.spec.storageClassName ?? 'unset'}, not ${storeClass}`);
    if (volume.spec.persistentVolumeReclaimPolicy !== 'Retain') problems.push(`disk ${b.volume} has reclaim policy ${volume.spec.persistentVolumeReclaimPolicy ?? 'unset'}, not Retain`);
    if (volume.spec.claimRef?.uid !== claim.metadata.uid) problems.push(`disk ${b.volume} is reserved for ${volume.spec.claimRef?.namespace}/${volume.spec.claimRef?.name} (uid ${volume.spec.claimRef?.uid ?? 'none'}), not the claim ${b.claim} (uid ${claim.metadata.uid})`);
  }
  return problems;
}

/** Workloads whose replicas the apply did not bring back to what they were before the migration scaled them to 0. */
export function replicaProblems(before: readonly { workload: string; replicas: number }[], after: readonly WorkloadJson[]): string[] {
  return before.flatMap((b) => {
    const now = after.find((w) => `${w.kind} ${key(w)}` === b.workload);
    if (!now) return [`${b.workload} is gone after the apply`];
    const replicas = now.spec.replicas ?? 1;
    return replicas === b.replicas ? [] : [`${b.workload} has ${replicas} replicas after the apply, had ${b.replicas} before the migration`];
  });
}

/**
 * The documented step after the apply: scale each store workload back to what it had before
 * the migration, where the apply did not. Helm's three-way merge restores `replicas` only
 * when the chart's manifest sets it; Pipelines' `mysql` Deployment does not (it defaults to 1),
 * so the apply leaves it at 0.
 */
export function scaleBackCalls(before: readonly { workload: string; replicas: number }[], after: readonly WorkloadJson[]): ApiCall[] {
  return before.flatMap((b): ApiCall[] => {
    const now = after.find((w) => `${w.kind} ${key(w)}` === b.workload);
    if (!now || (now.spec.replicas ?? 1) === b.replicas) return [];
    const { namespace: ns, name } = now.metadata;
    const plural = now.kind === 'Deployment' ? 'deployments' : 'statefulsets';
    return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/${plural}/${name}/scale`, contentType: MERGE, body: { spec: { replicas: b.replicas } }, command: `kubectl -n ${ns} scale ${now.kind === 'Deployment' ? 'deploy' : 'statefulset'} ${name} --replicas=${b.replicas}` }];
  });
}

/** A release whose apply Kubernetes refused because it changes an existing claim's spec. */
export interface ImmutableClaim { readonly release: string; readonly claim: string }

/** The claims an apply's output names as refused changes to an immutable spec, with the release that tried. */
export function immutableClaimsIn(output: string): ImmutableClaim[] {
  const found: ImmutableClaim[] = [];
  for (const block of output.split(/\nError: /).slice(1)) {
    const release = /with\s+helm_release\.([A-Za-z0-9_-]+),/.exec(block)?.[1] ?? 'unknown';
    for (const m of block.matchAll(/PersistentVolumeClaim\s+"([^"]+)"\s+is\s+invalid:\s+spec:\s+Forbidden:\s+spec\s+is\s+immutable/g)) {
      if (!found.some((f) => f.release === release && f.claim === m[1])) found.push({ release, claim: m[1] });
    }
  }
  return found;
}

/** The claim names (`namespace/name`) the preview's warnings name as changing an immutable field. */
export function claimsNamedImmutable(warnings: readonly string[]): string[] {
  return [...new Set(warnings.filter((w) => /Kubernetes refuses that on an existing claim/.test(w)).flatMap((w) => [...w.matchAll(/PersistentVolumeClaim `([^`]+)`/g)].map((m) => m[1])))].sort();
}

/**
 * An old revision's stack as its environment was deployed: with its real values in place,
 * the environment synthesized no placeholder guard. Revisions before the guard moved to
 * locals made it a `terraform_data` resource whose precondition refers to nothing, which
 * OpenTofu and Terraform refuse at `init` (docs/verification.md, "configuration load");
 * the copy drops it. Returns the addresses dropped; anything that depends on one is refused.
 */
export function withoutGuardResource(stack: StackJson): { stack: StackJson; dropped: string[] } {
  const guards = Object.keys(stack.resource?.terraform_data ?? {}).filter((n) => n.startsWith('placeholder-guard'));
  if (guards.length === 0) return { stack, dropped: [] };
  const dropped = guards.map((n) => `terraform_data.${n}`);
  const text = JSON.stringify({ ...stack, resource: { ...stack.resource, terraform_data: {} } });
  const user = dropped.find((a) => text.includes(a));
  if (user) throw new Error(`${user} is referenced elsewhere in the old stack: the rehearsal cannot drop it`);
  const terraformData = Object.fromEntries(Object.entries(stack.resource?.terraform_data ?? {}).filter(([n]) => !guards.includes(n)));
  const resource = { ...stack.resource, terraform_data: terraformData };
  if (Object.keys(terraformData).length === 0) delete (resource as { terraform_data?: unknown }).terraform_data;
  return { stack: { ...stack, resource }, dropped };
}

/**
 * How the preview's claims compare with the claims the apply refused: `missed` were refused
 * but not named although the preview rendered their release (a defect of the preview);
 * `unchecked` were not named because the preview says it could not render their release
 * (its documented note, e.g. for an old revision's overlay the current render machinery cannot build).
 */
export function previewGaps(refused: readonly ImmutableClaim[], named: readonly string[], notes: readonly string[], stack: StackJson, namespace = 'kubeflow'): { missed: string[]; unchecked: string[] } {
  const missed: string[] = [];
  const unchecked: string[] = [];
  for (const r of refused) {
    const claim = `${namespace}/${r.claim}`;
    if (named.includes(claim)) continue;
    const release = String(stack.resource?.helm_release?.[r.release]?.name ?? r.release);
    (notes.some((n) => n.startsWith(`Release \`${release}\` (before) could not be rendered`)) ? unchecked : missed).push(claim);
  }
  return { missed, unchecked };
}

/** Why a stack cannot be the target of the rehearsal: it has no store class release (no in-cluster store), or undefined. */
export function noStoresReason(stack: StackJson, envName: string): string | undefined {
  const releases = Object.values(stack.resource?.helm_release ?? {}).map((r) => String(r.name));
  return releases.includes('kubeflow-store-storage') ? undefined : `environment "${envName}" has no in-cluster store today (no kubeflow-store-storage release in ${envName}-platform: Pipelines, Katib with in-cluster MySQL and Model Registry are all off), so there is no store claim to migrate`;
}

// ---------------------------------------------------------------------------
// The rehearsal

export interface UpgradeSummary {
  readonly environment: string;
  readonly from: string;
  readonly engine: string;
  readonly nodeModules: 'borrowed' | 'own npm ci';
  /** Store claims the preview's volume check names as refused changes, offline; or why it could not run. */
  readonly preview: { readonly namedImmutable: readonly string[]; readonly notes: readonly string[]; readonly missed?: readonly string[]; readonly unchecked?: readonly string[] } | { readonly skipped: string };
  readonly withoutMigration: {
    /** The apply line of each pass of the old revision's apply (a race with CRD discovery is applied again, as in the platform rehearsal). */
    readonly oldApplied: readonly string[];
    readonly oldRacedCrdDiscovery: readonly string[];
    readonly planned: string;
    readonly applyFailed: boolean;
    readonly refusedClaims: readonly ImmutableClaim[];
    /** Store claims the failed apply did not name. */
    readonly storeClaimsNotNamed: readonly string[];
  };
  readonly migration: {
    readonly oldApplied: readonly string[];
    readonly oldRacedCrdDiscovery: readonly string[];
    readonly claims: readonly { claim: string; disk: string; diskUid: string; classBefore: string; workloadsScaled: readonly string[]; requests: number }[];
    readonly planned: string;
    readonly applied: readonly string[];
    readonly racedCrdDiscovery: readonly string[];
    /** The scale-back commands run after the apply, for workloads the apply left at 0. */
    readonly scaledBackAfterApply: readonly string[];
    readonly problems: readonly string[];
    readonly secondPlanClean: boolean;
  };
}

type Phase = 'without-migration' | 'migration';

interface PhaseResult {
  readonly oldApplied: string[];
  readonly oldRaced: string[];
  readonly planned: string;
  readonly storeClaims: string[];
  readonly apply: { status: number; output: string; applied: string[]; raced: string[] };
  readonly claims: UpgradeSummary['migration']['claims'];
  readonly problems: string[];
  readonly notRestoredByApply: string[];
  readonly secondPlanClean: boolean;
  readonly engineVersion: string;
}

async function listOf<T>(plane: ApiTarget, path: string): Promise<T[]> {
  const res = await apiGet(plane, path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 300)}`);
  return (JSON.parse(res.body) as { items: T[] }).items;
}

async function workloadsOf(plane: ApiTarget): Promise<WorkloadJson[]> {
  const deployments = (await listOf<Omit<WorkloadJson, 'kind'>>(plane, '/apis/apps/v1/deployments')).map((w) => ({ ...w, kind: 'Deployment' as const }));
  const statefulSets = (await listOf<Omit<WorkloadJson, 'kind'>>(plane, '/apis/apps/v1/statefulsets')).map((w) => ({ ...w, kind: 'StatefulSet' as const }));
  return [...deployments, ...statefulSets];
}

async function call(plane: ApiTarget, c: ApiCall): Promise<void> {
  console.log(`  ${c.command}`);
  const res = await apiRequest(plane, c.method, c.path, c.body, c.contentType);
  if (res.status < 200 || res.status > 299) throw new Error(`${c.command} (${c.method} ${c.path}) failed: ${res.status} ${res.body.slice(0, 500)}`);
  if (c.method === 'DELETE') await until(`${c.path} gone`, 60_000, async () => (await apiGet(plane, c.path)).status === 404);
}

function planLine(output: string): string {
  return /Plan: [^\n]+/.exec(output)?.[0] ?? (/No changes\./.test(output) ? 'No changes.' : 'no plan line');
}

/** Applies the old revision, stands in the disks, migrates (or not), and plans and applies today's stack, on a control plane of its own. */
async function rehearsePhase(phase: Phase, ctx: { envName: string; engine: string; oldSource: string; oldTree: string; newSource: string; keep: boolean }): Promise<PhaseResult> {
  const { envName, engine } = ctx;
  const stackName = `${envName}-platform`;
  const work = mkdtempSync(join(tmpdir(), `rehearsal-upgrade-${envName}-`));
  console.log(`\n=== ${phase === 'migration' ? 'with the migration' : 'without the migration (the apply must fail)'} ===`);
  const plane: ControlPlane = await startControlPlane(ensureBinaries(binDir()), work);
  try {
    const cls = await apiPost(plane, '/apis/storage.k8s.io/v1/storageclasses', aksDefaultStorageClass());
    if (cls.status !== 201) throw new Error(`creating the stand-in of AKS's default StorageClass failed: ${cls.status} ${cls.body.slice(0, 300)}`);

    // Same depth as cdktf.out/stacks/<stack> in each checkout: each stack's relative upstream paths stay its own.
    const oldDir = join(ctx.oldTree, 'cdktf.out', 'rehearsal', stackName);
    const newDir = join(ROOT, 'cdktf.out', 'rehearsal', stackName);
    const guardless = withoutGuardResource(copyStack(ctx.oldSource, oldDir));
    const oldStack = guardless.stack;
    if (guardless.dropped.length > 0) {
      writeFileSync(join(oldDir, 'cdk.tf.json'), JSON.stringify(oldStack, null, 2));
      console.log(`the old revision's placeholder guard dropped (a deployed environment holds real values): ${guardless.dropped.join(', ')}`);
    }
    const newStack = copyStack(ctx.newSource, newDir);
    const paths = { state: join(work, 'platform.tfstate'), clusterState: join(work, 'cluster.tfstate') };
    const outputs = Object.fromEntries([...new Set([...remoteOutputs(oldStack), ...remoteOutputs(newStack)])].map((o) => [o, standIn(o, plane)]));
    writeFileSync(paths.clusterState, outputsState(outputs), { mode: 0o600 });
    const tfEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', KUBECONFIG: plane.kubeconfigPath };

    // 1. The old revision, as it was deployed: with real values it synthesized no placeholder guard (dropped above, lifted in the override).
    writeFileSync(join(oldDir, 'rehearsal_override.tf.json'), JSON.stringify(rehearsalOverride(oldStack, plane, paths, false), null, 2));
    const oldInit = engineRun(engine, oldDir, ['init', '-input=false', '-no-color'], tfEnv);
    if (oldInit.status !== 0) throw new Error(`init of the old revision failed:\n${oldInit.output.slice(-4000)}`);
    const oldPlan = engineRun(engine, oldDir, ['plan', '-input=false', '-no-color', '-out=rehearsal.tfplan'], tfEnv);
    if (oldPlan.status !== 0) throw new Error(`plan of the old revision's ${stackName} failed, so no environment can have been deployed from it (pick a revision a real engine plans):\n${oldPlan.output.slice(-8000)}`);
    const old = await applyWithRaceRetries(engine, oldDir, oldStack, plane, tfEnv);
    if (old.apply.status !== 0) throw new Error(`apply of the old revision failed:\n${old.apply.output.slice(-8000)}`);

    // 2. The disks.
    const claimsBefore = storeClaimsOf(await listOf<ClaimJson>(plane, '/api/v1/persistentvolumeclaims'));
    if (claimsBefore.length === 0) throw new Error(`the old revision installs no store claim in ${envName} (expected some of ${Object.keys(STORE_VOLUMES).join(', ')}): nothing to migrate`);
    const already = claimsBefore.filter((c) => c.spec.storageClassName === STORE_STORAGE_CLASS);
    if (already.length > 0) throw new Error(`the old revision already puts ${already.map(key).join(', ')} on ${STORE_STORAGE_CLASS}: there is no migration to rehearse from it (pick a revision before the store class)`);
    for (const c of claimsBefore) {
      const created = await apiPost(plane, '/api/v1/persistentvolumes', standInDisk(c));
      if (created.status !== 201) throw new Error(`creating the stand-in disk of ${key(c)} failed: ${created.status} ${created.body.slice(0, 300)}`);
    }
    const bound = async () => storeClaimsOf(await listOf<ClaimJson>(plane, '/api/v1/persistentvolumeclaims'));
    await until('store claims bound to their stand-in disks', 90_000, async () => (await bound()).every((c) => c.status?.phase === 'Bound'));
    const volumes = await listOf<VolumeJson>(plane, `/api/v1/persistentvolumes?labelSelector=${encodeURIComponent(`${STAND_IN_LABEL}=disk`)}`);
    const disks: DiskBefore[] = (await bound()).map((c) => {
      const v = volumes.find((pv) => pv.metadata.name === c.spec.volumeName);
      if (!v) throw new Error(`claim ${key(c)} is bound to ${c.spec.volumeName}, which is not a stand-in disk`);
      return { claim: key(c), volume: v.metadata.name, volumeUid: v.metadata.uid, storageClassName: c.spec.storageClassName ?? 'unset' };
    });
    for (const d of disks) console.log(`  disk ${d.volume} (uid ${d.volumeUid}) holds ${d.claim} on class ${d.storageClassName}`);

    // 3. The migration.
    const claims: PhaseResult['claims'][number][] = [];
    const replicasBefore: { workload: string; replicas: number }[] = [];
    if (phase === 'migration') {
      const workloads = await workloadsOf(plane);
      for (const d of disks) {
        const [namespace, name] = d.claim.split('/');
        const users = workloadsMounting({ namespace, name }, workloads);
        for (const w of users) replicasBefore.push({ workload: `${w.kind} ${key(w)}`, replicas: w.spec.replicas ?? 1 });
        console.log(`migrating ${d.claim} (mounted by ${users.map((w) => `${w.kind} ${w.metadata.name}`).join(', ') || 'no workload'}):`);
        const calls = migrationCalls({ namespace, name }, d.volume, users.map((w) => ({ kind: w.kind, name: w.metadata.name })));
        for (const c of calls) await call(plane, c);
        claims.push({ claim: d.claim, disk: d.volume, diskUid: d.volumeUid, classBefore: d.storageClassName, workloadsScaled: users.map((w) => `${w.kind} ${w.metadata.name}`), requests: calls.length });
      }
    }

    // 4. Today's stack on the same state.
    writeFileSync(join(newDir, 'rehearsal_override.tf.json'), JSON.stringify(rehearsalOverride(newStack, plane, paths, false), null, 2));
    const init = engineRun(engine, newDir, ['init', '-input=false', '-no-color'], tfEnv);
    if (init.status !== 0) throw new Error(`init of today's stack failed:\n${init.output.slice(-4000)}`);
    const plan = engineRun(engine, newDir, ['plan', '-input=false', '-no-color', '-out=rehearsal.tfplan'], tfEnv);
    if (plan.status !== 0) throw new Error(`plan of today's stack failed:\n${plan.output.slice(-8000)}`);
    const replacing = plan.output.split('\n').filter((l) => /must be replaced|will be destroyed/.test(l));
    if (replacing.length > 0) console.log(`  the upgrade replaces or destroys:\n    ${replacing.join('\n    ')}`);
    let apply: PhaseResult['apply'];
    if (phase === 'without-migration') {
      const once = engineRun(engine, newDir, ['apply', '-input=false', '-no-color', 'rehearsal.tfplan'], tfEnv);
      apply = { status: once.status, output: once.output, applied: [applyLine(once.output)], raced: [] };
    } else {
      const run = await applyWithRaceRetries(engine, newDir, newStack, plane, tfEnv);
      apply = { status: run.apply.status, output: run.apply.output, applied: run.applied, raced: run.raced };
      if (apply.status !== 0) throw new Error(`apply of today's stack after the migration failed:\n${apply.output.slice(-8000)}`);
    }

    let problems: string[] = [];
    let notRestoredByApply: string[] = [];
    let secondPlanClean = false;
    if (phase === 'migration') {
      // The binder runs on its own clock: give it time to bind the recreated claims.
      await until('recreated store claims bound', 90_000, async () => (await bound()).length === disks.length && (await bound()).every((c) => c.status?.phase === 'Bound')).catch(() => undefined);
      const scaleBack = scaleBackCalls(replicasBefore, await workloadsOf(plane));
      notRestoredByApply = scaleBack.map((c) => c.command);
      if (scaleBack.length > 0) console.log('after the apply, the workloads it left at 0 are scaled back (the documented last step):');
      for (const c of scaleBack) await call(plane, c);
      problems = [
        ...migrationProblems(disks, await listOf<ClaimJson>(plane, '/api/v1/persistentvolumeclaims'), await listOf<VolumeJson>(plane, '/api/v1/persistentvolumes')),
        ...replicaProblems(replicasBefore, await workloadsOf(plane)),
      ];
      const second = engineRun(engine, newDir, ['plan', '-input=false', '-no-color', '-detailed-exitcode'], tfEnv);
      if (second.status === 1) throw new Error(`second plan failed:\n${second.output.slice(-8000)}`);
      secondPlanClean = second.status === 0;
      if (!secondPlanClean) console.log(second.output.split('\n').filter((l) => /^\s+[~+-]|will be|must be/.test(l)).slice(0, 80).join('\n'));
    }
    return {
      oldApplied: old.applied,
      oldRaced: old.raced,
      planned: planLine(plan.output),
      storeClaims: disks.map((d) => d.claim),
      apply,
      claims,
      problems,
      notRestoredByApply,
      secondPlanClean,
      engineVersion: engineRun(engine, newDir, ['version'], tfEnv).output.split('\n')[0],
    };
  } finally {
    if (ctx.keep) console.log(`kept: the control plane is stopped, but ${work} holds its data and the state`);
    plane.stop();
    if (!ctx.keep) rmSync(work, { recursive: true, force: true });
  }
}

/** The upgrade rehearsal of `<env>` from `<rev>`; returns its summary and whether it passed. */
export async function rehearseUpgrade(envName: string, rev: string, keep: boolean): Promise<{ summary: UpgradeSummary; ok: boolean }> {
  const envs = loadEnvironments();
  const env = envs.find((e) => e.name === envName);
  if (!env) throw new Error(`unknown environment "${envName}": expected one of ${envs.map((e) => e.name).join(', ')}`);
  const stackName = `${envName}-platform`;
  const newSource = join(ROOT, 'cdktf.out', 'stacks', stackName);
  if (!existsSync(join(newSource, 'cdk.tf.json'))) throw new Error(`${newSource}/cdk.tf.json is missing: run npm run synth first`);
  if (!existsSync(join(ROOT, '.cache', 'upstream-work'))) throw new Error('the upstream work folder is missing: run npm run upstream -- prepare first');
  const newStack = JSON.parse(readFileSync(join(newSource, 'cdk.tf.json'), 'utf8')) as StackJson;
  const refused = noStoresReason(newStack, envName);
  if (refused) throw new Error(refused);
  const engine = process.env.TOFU_BIN ?? chooseEngine();
  ensureBinaries(binDir());

  const revision = prepareRevision(rev);
  try {
    const oldSource = join(revision.tree, 'cdktf.out', 'stacks', stackName);
    if (!existsSync(join(oldSource, 'cdk.tf.json'))) throw new Error(`--from ${rev}: that revision synthesizes no ${stackName} (no environment "${envName}" there)`);
    const oldStack = JSON.parse(readFileSync(join(oldSource, 'cdk.tf.json'), 'utf8')) as StackJson;
    if (!noStoresReason(oldStack, envName)) throw new Error(`--from ${rev}: that revision already has the ${STORE_STORAGE_CLASS} class in ${stackName}: there is no migration to rehearse from it (pick a revision before the store class)`);

    // Offline first: what `npm run preview` says about this upgrade's claims.
    const check = dataLossCheck();
    let preview: UpgradeSummary['preview'];
    if (check.render) {
      const findings = volumeFindings(oldStack as unknown as PreviewStackJson, newStack as unknown as PreviewStackJson, check.render, { before: env.kubernetesVersion, after: env.kubernetesVersion });
      preview = { namedImmutable: claimsNamedImmutable(findings.warnings), notes: findings.notes };
      console.log(`preview names as refused claim changes: ${preview.namedImmutable.join(', ') || 'none'}`);
      for (const note of findings.notes) console.log(`  preview note: ${note}`);
    } else preview = { skipped: check.unavailable ?? 'no renderer' };

    const ctx = { envName, engine, oldSource, oldTree: revision.tree, newSource, keep };
    const without = await rehearsePhase('without-migration', ctx);
    const refusedClaims = immutableClaimsIn(without.apply.output);
    const refusedLog = join(ROOT, 'cdktf.out', 'rehearsal', `${envName}-upgrade-without-migration.log`);
    writeFileSync(refusedLog, without.apply.output);
    console.log(`the apply without the migration: ${refusedLog}`);
    const storeClaimsNotNamed = without.storeClaims.filter((c) => !refusedClaims.some((r) => r.claim === c.split('/')[1]));
    if (without.apply.status === 0 || storeClaimsNotNamed.length > 0) console.log(without.apply.output.slice(-6000));
    else console.log(`the apply without the migration failed as it must:\n  ${without.apply.output.split('\n').filter((l) => /^Error: |^\s+with helm_release\./.test(l)).map((l) => l.trim()).join('\n  ')}`);
    const migrated = await rehearsePhase('migration', ctx);

    const gaps = 'skipped' in preview ? undefined : previewGaps(refusedClaims, preview.namedImmutable, preview.notes, newStack);
    if (gaps && gaps.unchecked.length > 0) console.log(`the preview could not render the old release of ${gaps.unchecked.join(', ')} (its note says so), so it did not name them`);
    if (gaps && gaps.missed.length > 0) console.log(`✗ the preview rendered the release of ${gaps.missed.join(', ')} but did not name the refused change`);
    const previewOk = gaps === undefined || gaps.missed.length === 0;
    const summary: UpgradeSummary = {
      environment: envName,
      from: `${rev} (${revision.commit.slice(0, 12)})`,
      engine: migrated.engineVersion,
      nodeModules: revision.borrowedModules ? 'borrowed' : 'own npm ci',
      preview: gaps ? { ...preview, ...gaps } : preview,
      withoutMigration: { oldApplied: without.oldApplied, oldRacedCrdDiscovery: without.oldRaced, planned: without.planned, applyFailed: without.apply.status !== 0, refusedClaims, storeClaimsNotNamed },
      migration: { oldApplied: migrated.oldApplied, oldRacedCrdDiscovery: migrated.oldRaced, claims: migrated.claims, planned: migrated.planned, applied: migrated.apply.applied, racedCrdDiscovery: migrated.apply.raced, scaledBackAfterApply: migrated.notRestoredByApply, problems: migrated.problems, secondPlanClean: migrated.secondPlanClean },
    };
    const ok = previewOk && summary.withoutMigration.applyFailed && storeClaimsNotNamed.length === 0
      && migrated.claims.length === migrated.storeClaims.length && migrated.problems.length === 0 && migrated.secondPlanClean;
    return { summary, ok };
  } finally {
    if (keep) console.log(`kept: the old revision's worktree ${revision.tree} (git worktree remove --force ${revision.tree} when done)`);
    else revision.remove();
  }
}
