/**
 * Upstream artifacts, pinned and local: the charts and source trees the
 * platform stacks install, verified against `upstream.lock.json`.
 *
 *   npm run upstream -- verify            check the cache against the lock
 *   npm run upstream -- prepare           verify, then unpack into .cache/upstream-work (what plans read)
 *   npm run upstream -- fetch [--frozen-lock] [--dry-run]   download what the cache lacks (online), record checksums in the lock
 *   npm run upstream -- lock              write the lock from what is in the cache
 *
 * The cache is KUBEFLOW_UPSTREAM_CACHE (or --cache DIR), default .cache/upstream.
 * CI points it at ../shared/upstream; air-gapped teams at their own mirror.
 */
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { basename, dirname, join, relative, resolve } from 'path';
import { CHART_MARKER_SUFFIX, TREE_MARKER, UPSTREAM_WORK_DIR } from '../constructs/lib/upstream';
import { ARGO_WORKFLOWS, CHARTS, ChartPin, KUBEFLOW_PIPELINES, TREES, TreePin, chartFile, treeFile } from '../catalog/versions';
import { runCommand } from './run-command';
import { archiveDigest } from './upstream-digest';

const ROOT = resolve(__dirname, '..');
const LOCK_FILE = join(ROOT, 'upstream.lock.json');

export interface Artifact {
  /** Path inside the cache, e.g. `charts/istiod-1.30.3.tgz`. */
  readonly file: string;
  /** Where it comes from, for the lock and for `fetch`. */
  readonly source: string;
  readonly kind: 'chart' | 'tree';
  /** The folder inside the archive its content digest covers. */
  readonly contentPath: string;
}

/** Every artifact the version catalog pins. */
export function pinnedArtifacts(): Artifact[] {
  const charts = Object.values(CHARTS as Record<string, ChartPin>).map((pin) => ({
    file: chartFile(pin),
    source: `${pin.repository} ${pin.chart} ${pin.version}`,
    kind: 'chart' as const,
    contentPath: '.',
  }));
  const trees = TREES.map((pin) => ({ file: treeFile(pin), source: `${pin.repository} ${pin.ref}`, kind: 'tree' as const, contentPath: pin.contentPath ?? '.' }));
  return [...charts, ...trees];
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface LockEntry {
  /** sha256 of the archive the lock was written from (our mirror's, or the publisher's after a \`fetch\`). */
  readonly sha256: string;
  /** Digest of the files inside (scripts/upstream-digest.ts), the same whoever packaged them: what plans check. */
  readonly contentSha256?: string;
  readonly source: string;
}

interface Lock {
  readonly comment: string;
  readonly artifacts: Record<string, LockEntry>;
}

function readLock(): Lock {
  return JSON.parse(readFileSync(LOCK_FILE, 'utf8')) as Lock;
}

/** An artifact whose archive differs from the locked one while its files are the same (packaged elsewhere). */
export interface Repackaged {
  readonly file: string;
  readonly sha256: string;
}

/**
 * Checks a cache against the lock: an artifact passes when its archive is the
 * locked one, or when the files inside are (its content digest matches: the
 * same chart or tree, packaged by someone else). Problems: missing files,
 * different content, pins without a lock entry.
 */
export function checkCache(cache: string, lock: Lock = readLock()): { problems: string[]; repackaged: Repackaged[] } {
  const problems: string[] = [];
  const repackaged: Repackaged[] = [];
  for (const artifact of pinnedArtifacts()) {
    const locked = lock.artifacts[artifact.file];
    const path = join(cache, artifact.file);
    if (!locked) problems.push(`${artifact.file}: pinned in catalog/versions.ts but not in upstream.lock.json (run \`npm run upstream -- fetch\` online, or \`lock\` on a verified mirror)`);
    else if (!existsSync(path)) problems.push(`${artifact.file}: missing from ${cache} (run \`npm run upstream -- fetch\`, or set KUBEFLOW_UPSTREAM_CACHE to a mirror)`);
    else {
      const actual = sha256Of(path);
      if (actual === locked.sha256) continue;
      const content = locked.contentSha256 ? archiveDigest(path, artifact.contentPath) : undefined;
      if (content !== undefined && content === locked.contentSha256) repackaged.push({ file: artifact.file, sha256: actual });
      else problems.push(`${artifact.file}: sha256 ${actual} does not match the lock (${locked.sha256})${content ? `, nor do the files inside (content ${content}, locked ${locked.contentSha256})` : ''}`);
    }
  }
  return { problems, repackaged };
}

/** Problems of a cache against the lock (see checkCache). */
export function verifyCache(cache: string, lock: Lock = readLock()): string[] {
  return checkCache(cache, lock).problems;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Kustomize remote references of Pipelines to Argo Workflows at the ref KFP names
 * (`ARGO_WORKFLOWS.referencedAs`), rewritten to the local copy of the pinned tree.
 * The whole URL goes, query included: KFP 2.17.0 appends `&timeout=60s` to one of
 * them, and a rewrite that stopped at the ref would leave `…&timeout=60s` on a path.
 */
export function rewriteArgoReferences(text: string, fromDir: string, argoDir: string): string {
  const remote = new RegExp(`${escape(ARGO_WORKFLOWS.repository)}/(manifests/[A-Za-z0-9/_.-]+)\\?ref=${escape(ARGO_WORKFLOWS.referencedAs)}(?:&[A-Za-z0-9_]+=[A-Za-z0-9_.%-]*)*(?=\\s|$|["'])`, 'gm');
  return text.replace(remote, (_match, sub: string) => relative(fromDir, join(argoDir, sub)));
}

/** Remote resources (URLs) left in a kustomization: a plan would need the network for each. */
export function remoteReferences(text: string): string[] {
  return [...text.matchAll(/^\s*-\s*["']?((?:https?:\/\/|git@|github\.com\/)[^\s"']+)/gm)].map((m) => m[1]);
}

function kustomizationFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...kustomizationFiles(path));
    else if (/^kustomization\.ya?ml$/.test(entry)) found.push(path);
  }
  return found;
}

function unpackTree(cache: string, pin: TreePin, work: string, digest: string): string {
  const target = join(work, 'trees', pin.name);
  const marker = join(target, TREE_MARKER);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === digest) return target;
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // Tarballs hold one top-level folder (named after the repository and version): strip it.
  execFileSync('tar', ['-xzf', join(cache, treeFile(pin)), '-C', staging, '--strip-components=1']);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return target;
}

/** Runs `fn` holding a lock folder, so that parallel test workers prepare the work folder once. */
function withLock<T>(dir: string, fn: () => T): T {
  mkdirSync(dirname(dir), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${dir} has been locked for 2 minutes: remove it if no other prepare is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Verifies the cache, then unpacks trees and copies charts into the work folder that plans read. */
export function prepare(cache: string, work: string = join(ROOT, UPSTREAM_WORK_DIR)): { work: string; rewritten: number } {
  return withLock(`${work}.lock`, () => prepareLocked(cache, work));
}

/** Writes a tree's marker (its locked content digest), which plans check; written last, once the tree is complete. */
function markVerified(dir: string, digest: string): void {
  writeFileSync(join(dir, TREE_MARKER), `${digest}\n`);
}

/**
 * Makes the Pipelines tree's Argo Workflows references local and refuses a tree
 * that still loads anything remotely (a KFP bump naming another Argo ref, say).
 */
export function localizePipelines(kfpDir: string, argoDir: string): number {
  let rewritten = 0;
  const left: string[] = [];
  for (const file of kustomizationFiles(kfpDir)) {
    const text = readFileSync(file, 'utf8');
    const next = rewriteArgoReferences(text, dirname(file), argoDir);
    if (next !== text) {
      writeFileSync(file, next);
      rewritten++;
    }
    left.push(...remoteReferences(next).map((ref) => `${relative(kfpDir, file)}: ${ref}`));
  }
  if (left.length > 0) {
    throw new Error(`the ${KUBEFLOW_PIPELINES.name} ${KUBEFLOW_PIPELINES.version} tree still loads remote resources after its Argo Workflows references at ${ARGO_WORKFLOWS.referencedAs} were made local:\n  ${left.join('\n  ')}\nSet ARGO_WORKFLOWS.referencedAs in catalog/versions.ts to the ref these name (plans must not need the network).`);
  }
  return rewritten;
}

function prepareLocked(cache: string, work: string): { work: string; rewritten: number } {
  const problems = verifyCache(cache);
  if (problems.length > 0) throw new Error(`upstream cache ${cache} failed verification:\n  ${problems.join('\n  ')}`);
  const lock = readLock();
  mkdirSync(join(work, 'charts'), { recursive: true });
  const digestOf = (file: string) => {
    const digest = lock.artifacts[file].contentSha256;
    if (!digest) throw new Error(`upstream.lock.json has no content digest for ${file}: run \`npm run upstream -- lock\` on a verified cache and commit the lock`);
    return digest;
  };
  for (const artifact of pinnedArtifacts().filter((a) => a.kind === 'chart')) {
    const source = join(cache, artifact.file);
    const target = join(work, artifact.file);
    if (!existsSync(target) || sha256Of(target) !== sha256Of(source)) copyFileSync(source, target);
    // Plans check the marker: the verified content, and the sha256 of the very file they install.
    writeFileSync(`${target}${CHART_MARKER_SUFFIX}`, `${digestOf(artifact.file)} ${sha256Of(target)}\n`);
  }
  let rewritten = 0;
  for (const pin of TREES) {
    const sha = digestOf(treeFile(pin));
    const dir = unpackTree(cache, pin, work, sha);
    if (existsSync(join(dir, TREE_MARKER))) continue;
    // Pipelines loads Argo Workflows remotely: point it at the local Argo tree (by name, so the order of TREES does not matter).
    if (pin === KUBEFLOW_PIPELINES) rewritten = localizePipelines(dir, join(work, 'trees', ARGO_WORKFLOWS.name));
    markVerified(dir, sha);
  }
  return { work, rewritten };
}

/** The commands `fetch` runs, one per artifact: Helm for charts, a GitHub tarball for trees. */
export function fetchCommands(cache: string): string[][] {
  const commands: string[][] = [];
  for (const pin of Object.values(CHARTS as Record<string, ChartPin>)) {
    const dest = join(cache, 'charts');
    commands.push(pin.repository.startsWith('oci://')
      ? ['helm', 'pull', `${pin.repository}/${pin.chart}`, '--version', pin.version, '--destination', dest]
      : ['helm', 'pull', pin.chart, '--repo', pin.repository, '--version', pin.version, '--destination', dest]);
  }
  for (const pin of TREES) {
    const url = `${pin.repository.replace('https://github.com/', 'https://codeload.github.com/')}/tar.gz/${pin.ref}`;
    commands.push(['curl', '--fail', '--location', '--silent', '--show-error', '--output', join(cache, treeFile(pin)), url]);
  }
  return commands;
}

export function writeLock(cache: string): Lock {
  const artifacts: Lock['artifacts'] = {};
  for (const artifact of pinnedArtifacts()) {
    const path = join(cache, artifact.file);
    if (!existsSync(path)) throw new Error(`${artifact.file} is missing from ${cache}: nothing to lock`);
    artifacts[artifact.file] = { sha256: sha256Of(path), contentSha256: archiveDigest(path, artifact.contentPath), source: artifact.source };
  }
  const lock: Lock = { comment: 'Checksums of the upstream artifacts pinned in catalog/versions.ts, as `npm run upstream -- fetch` saw them: sha256 of the archive, and contentSha256 of the files inside (what plans check; the same for a repackaged copy). Commit this file.', artifacts };
  writeFileSync(LOCK_FILE, `${JSON.stringify(lock, null, 2)}\n`);
  return lock;
}

const HELP = `Usage: npm run upstream -- <verify|prepare|fetch|lock> [--cache DIR] [--dry-run]

  verify    check every pinned chart and tree in the cache against upstream.lock.json
  prepare   verify, then unpack into ${UPSTREAM_WORK_DIR}/ (plans read charts and kustomize trees there)
  fetch     download every pinned artifact missing from the cache (helm pull, GitHub tarballs) and write
            the checksums it saw into the lock; --frozen-lock fails instead of changing the lock (CI),
            --dry-run prints the downloads
  lock      write upstream.lock.json from the artifacts in the cache

Cache: --cache DIR, else KUBEFLOW_UPSTREAM_CACHE, else .cache/upstream.
`;

function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    process.stdout.write(HELP);
    return argv.length === 0 ? 1 : 0;
  }
  const cacheFlag = argv.indexOf('--cache');
  const cache = resolve(cacheFlag >= 0 ? argv[cacheFlag + 1] : process.env.KUBEFLOW_UPSTREAM_CACHE ?? join(ROOT, '.cache', 'upstream'));
  const command = argv[0];
  switch (command) {
    case 'verify': {
      const { problems, repackaged } = checkCache(cache);
      for (const p of problems) console.error(`✗ ${p}`);
      for (const r of repackaged) console.log(`  ${r.file}: another archive (sha256 ${r.sha256}) of the locked files (content digest matches)`);
      if (problems.length === 0) console.log(`✓ ${pinnedArtifacts().length} artifacts in ${cache} match upstream.lock.json`);
      return problems.length === 0 ? 0 : 1;
    }
    case 'prepare': {
      const { work, rewritten } = prepare(cache);
      console.log(`✓ verified ${pinnedArtifacts().length} artifacts from ${cache}; prepared ${relative(ROOT, work)}${rewritten ? ` (${rewritten} Argo references made local)` : ''}`);
      return 0;
    }
    case 'fetch': {
      mkdirSync(join(cache, 'charts'), { recursive: true });
      mkdirSync(join(cache, 'trees'), { recursive: true });
      const dryRun = argv.includes('--dry-run');
      for (const cmd of fetchCommands(cache)) {
        // Already in the cache (a CI cache restored by the lock's hash): checked below like the rest.
        const target = cmd[0] === 'curl' ? cmd[cmd.indexOf('--output') + 1] : join(cmd[cmd.indexOf('--destination') + 1], `${basename(cmd[2])}-${cmd[cmd.indexOf('--version') + 1]}.tgz`);
        if (existsSync(target)) continue;
        console.log(`$ ${cmd.join(' ')}`);
        if (!dryRun) execFileSync(cmd[0], cmd.slice(1), { stdio: 'inherit' });
      }
      if (dryRun) return 0;
      const { problems, repackaged } = checkCache(cache);
      for (const r of repackaged) console.log(`  ${r.file}: the publisher's archive (sha256 ${r.sha256}) holds the locked files (content digest matches)`);
      if (problems.length === 0 && repackaged.length === 0) {
        console.log('✓ every artifact matches upstream.lock.json');
        return 0;
      }
      if (argv.includes('--frozen-lock')) {
        // Frozen: the same files are enough (plans check the content digest); anything else fails.
        if (problems.length === 0) {
          console.log(`✓ every artifact holds the files upstream.lock.json records (${repackaged.length} packaged differently)`);
          return 0;
        }
        for (const p of problems) console.error(`✗ ${p}`);
        console.error('These artifacts are not what upstream.lock.json records. Run `npm run upstream -- fetch` locally, review and commit the lock.');
        return 1;
      }
      writeLock(cache);
      const changed = [...problems, ...repackaged.map((r) => `${r.file} (same files, new archive)`)];
      console.log(`✓ wrote upstream.lock.json (${changed.length} new or changed):\n  ${changed.join('\n  ')}\nreview the diff and commit it`);
      return 0;
    }
    case 'lock':
      writeLock(cache);
      console.log(`✓ wrote upstream.lock.json from ${cache}`);
      return 0;
    default:
      process.stderr.write(`unknown command "${command}"\n${HELP}`);
      return 1;
  }
}

if (require.main === module) runCommand(main);
