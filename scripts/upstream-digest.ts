/**
 * A digest over the files inside an upstream archive, so that two packages of
 * the same content agree whatever their packaging: a chart packaged from its
 * tag by our mirror and the one its publisher pushed, or a tree packed with
 * `git archive` from one folder and GitHub's tarball of the whole repository.
 *
 * What it covers: every regular file and symlink under the archive's single
 * top-level folder (stripped), or under `subpath` of it, by relative path and
 * sha256 (symlinks by target); `.git/` and `.github/` are left out (the mirror
 * omits them, GitHub's tarballs carry `.github`). What it ignores: archive
 * order, timestamps, owners, modes, compression.
 */
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const LEFT_OUT = new Set(['.git', '.github']);

/** `relative/path\0sha256` lines of a folder, sorted. */
export function folderEntries(dir: string, prefix = ''): string[] {
  const entries: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (prefix === '' && LEFT_OUT.has(name)) continue;
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) entries.push(`${rel}\0link:${readlinkSync(path)}`);
    else if (stat.isDirectory()) entries.push(...folderEntries(path, rel));
    else if (stat.isFile()) entries.push(`${rel}\0${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
  }
  return entries;
}

/** The digest of a folder's files (see above). */
export function folderDigest(dir: string): string {
  return createHash('sha256').update(folderEntries(dir).sort().join('\n')).digest('hex');
}

/** The content digest of a `.tgz`/`.tar.gz` archive with one top-level folder; `subpath` narrows it to a folder inside. */
export function archiveDigest(archive: string, subpath = '.'): string {
  const dir = mkdtempSync(join(tmpdir(), 'upstream-digest-'));
  try {
    execFileSync('tar', ['-xzf', archive, '-C', dir, '--strip-components=1']);
    return folderDigest(subpath === '.' ? dir : join(dir, subpath));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
