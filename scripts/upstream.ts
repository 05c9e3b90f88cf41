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
import { dirname, join, relative, resolve } from 'path';
import { TREE_MARKER, UPSTREAM_WORK_DIR } from '../constructs/upstream';
import { ARGO_WORKFLOWS, CHARTS, ChartPin, KUBEFLOW_DISTRIBUTION, TREES, TreePin, chartFile, treeFile } from '../constructs/versions';
import { runCommand } from './run-command';

const ROOT = resolve(__dirname, '..');
const LOCK_FILE = join(ROOT, 'upstream.lock.json');

export interface Artifact {
  /** Path inside the cache, e.g. `charts/istiod-1.30.3.tgz`. */
  readonly file: string;
  /** Where it comes from, for the lock and for `fetch`. */
  readonly source: string;
  readonly kind: 'chart' | 'tree';
}

/** Every artifact the version catalog pins. */
export function pinnedArtifacts(): Artifact[] {
  const charts = Object.values(CHARTS as Record<string, ChartPin>).map((pin) => ({
    file: chartFile(pin),
    source: `${pin.repository} ${pin.chart} ${pin.version}`,
    kind: 'chart' as const,
  }));
  const trees = TREES.map((pin) => ({ file: treeFile(pin), source: `${pin.repository} ${pin.ref}`, kind: 'tree' as const }));
  return [...charts, ...trees];
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface Lock {
  readonly comment: string;
  readonly artifacts: Record<string, { sha256: string; source: string }>;
}

function readLock(): Lock {
  return JSON.parse(readFileSync(LOCK_FILE, 'utf8')) as Lock;
}

/** Problems of a cache against the lock: missing files, wrong checksums, pins without a lock entry. */
export function verifyCache(cache: string, lock: Lock = readLock()): string[] {
  const problems: string[] = [];
  for (const artifact of pinnedArtifacts()) {
    const locked = lock.artifacts[artifact.file];
    const path = join(cache, artifact.file);
    if (!locked) problems.push(`${artifact.file}: pinned in constructs/versions.ts but not in upstream.lock.json (run \`npm run upstream -- fetch\` online, or \`lock\` on a verified mirror)`);
    else if (!existsSync(path)) problems.push(`${artifact.file}: missing from ${cache} (run \`npm run upstream -- fetch\`, or set KUBEFLOW_UPSTREAM_CACHE to a mirror)`);
    else {
      const actual = sha256Of(path);
      if (actual !== locked.sha256) problems.push(`${artifact.file}: sha256 ${actual} does not match the lock (${locked.sha256})`);
    }
  }
  return problems;
}

/** Kustomize remote references of the distribution to Argo Workflows, rewritten to the local copy. */
export function rewriteArgoReferences(text: string, fromDir: string, argoDir: string): string {
  const remote = new RegExp(`${ARGO_WORKFLOWS.repository.replace(/[.]/g, '\\.')}/(manifests/[A-Za-z0-9/_.-]+)\\?ref=${ARGO_WORKFLOWS.ref.replace(/[.]/g, '\\.')}`, 'g');
  return text.replace(remote, (_match, sub: string) => relative(fromDir, join(argoDir, sub)));
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

function unpackTree(cache: string, pin: TreePin, work: string, sha: string): string {
  const target = join(work, 'trees', pin.name);
  const marker = join(target, TREE_MARKER);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === sha) return target;
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

function prepareLocked(cache: string, work: string): { work: string; rewritten: number } {
  const problems = verifyCache(cache);
  if (problems.length > 0) throw new Error(`upstream cache ${cache} failed verification:\n  ${problems.join('\n  ')}`);
  const lock = readLock();
  mkdirSync(join(work, 'charts'), { recursive: true });
  for (const artifact of pinnedArtifacts().filter((a) => a.kind === 'chart')) {
    const target = join(work, artifact.file);
    if (!existsSync(target) || sha256Of(target) !== lock.artifacts[artifact.file].sha256) copyFileSync(join(cache, artifact.file), target);
  }
  // Trees used as they are (no references to rewrite): unpacked, then marked with their checksum.
  for (const pin of TREES.filter((t) => t !== KUBEFLOW_DISTRIBUTION && t !== ARGO_WORKFLOWS)) {
    const sha = lock.artifacts[treeFile(pin)].sha256;
    const dir = unpackTree(cache, pin, work, sha);
    writeFileSync(join(dir, TREE_MARKER), `${sha}\n`);
  }
  const argoDir = unpackTree(cache, ARGO_WORKFLOWS, work, lock.artifacts[treeFile(ARGO_WORKFLOWS)].sha256);
  const distSha = lock.artifacts[treeFile(KUBEFLOW_DISTRIBUTION)].sha256;
  const distDir = unpackTree(cache, KUBEFLOW_DISTRIBUTION, work, distSha);
  let rewritten = 0;
  if (!existsSync(join(distDir, TREE_MARKER))) {
    for (const file of kustomizationFiles(distDir)) {
      const text = readFileSync(file, 'utf8');
      const next = rewriteArgoReferences(text, dirname(file), argoDir);
      if (next !== text) {
        writeFileSync(file, next);
        rewritten++;
      }
    }
    writeFileSync(join(argoDir, TREE_MARKER), `${lock.artifacts[treeFile(ARGO_WORKFLOWS)].sha256}\n`);
    // Written last: a plan accepts the tree only once it is complete.
    writeFileSync(join(distDir, TREE_MARKER), `${distSha}\n`);
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
    artifacts[artifact.file] = { sha256: sha256Of(path), source: artifact.source };
  }
  const lock: Lock = { comment: 'Checksums of the upstream artifacts pinned in constructs/versions.ts, as `npm run upstream -- fetch` saw them. Commit this file.', artifacts };
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
      const problems = verifyCache(cache);
      for (const p of problems) console.error(`✗ ${p}`);
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
        const target = cmd[0] === 'curl' ? cmd[cmd.indexOf('--output') + 1] : undefined;
        if (target && existsSync(target)) continue;
        console.log(`$ ${cmd.join(' ')}`);
        if (!dryRun) execFileSync(cmd[0], cmd.slice(1), { stdio: 'inherit' });
      }
      if (dryRun) return 0;
      const before = readLock().artifacts;
      const changed = pinnedArtifacts().filter((a) => before[a.file]?.sha256 !== sha256Of(join(cache, a.file))).map((a) => a.file);
      if (changed.length === 0) {
        console.log('✓ every artifact matches upstream.lock.json');
        return 0;
      }
      if (argv.includes('--frozen-lock')) {
        console.error(`✗ these artifacts differ from upstream.lock.json (or are not in it): ${changed.join(', ')}. Run \`npm run upstream -- fetch\` locally, review and commit the lock.`);
        return 1;
      }
      writeLock(cache);
      console.log(`✓ wrote upstream.lock.json (${changed.length} new or changed: ${changed.join(', ')}): review the diff and commit it`);
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
