import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { archiveDigest } from '../scripts/upstream-digest';

/** Packs files under one top-level folder, as a mirror or a publisher would. */
function pack(top: string, files: Record<string, string>, mtime: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'digest-src-'));
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, top, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
    utimesSync(full, mtime, mtime);
  }
  const out = join(dir, `${top}-${mtime}.tgz`);
  execFileSync('tar', ['-czf', out, '-C', dir, top]);
  return out;
}

const chart = { 'Chart.yaml': 'name: x\nversion: 1.0.0\n', 'values.yaml': 'image: {tag: 1.0.0}\n', 'templates/a.yaml': 'kind: A\n' };

test('same files, other packaging (top folder, timestamps, archive bytes): same digest', () => {
  const a = pack('x', chart, 1_000_000);
  const b = pack('x-1.0.0', chart, 2_000_000);
  expect(archiveDigest(a)).toBe(archiveDigest(b));
});

test('one file differs: another digest', () => {
  expect(archiveDigest(pack('x', chart, 1))).not.toBe(archiveDigest(pack('x', { ...chart, 'values.yaml': 'image: {tag: 1.0.1}\n' }, 1)));
});

test("a repository tarball and a mirror of one folder agree on that folder; .github is left out", () => {
  const mirror = pack('repo-v1', { 'manifests/base/k.yaml': 'a\n' }, 1);
  const github = pack('repo-abc123', { 'manifests/base/k.yaml': 'a\n', 'README.md': 'r\n', '.github/workflows/ci.yml': 'on: push\n' }, 5);
  expect(archiveDigest(mirror, 'manifests')).toBe(archiveDigest(github, 'manifests'));
  const whole = pack('dist', { 'a.yaml': 'a\n' }, 1);
  const wholeWithGithub = pack('dist-0d1a', { 'a.yaml': 'a\n', '.github/x.yml': 'x\n' }, 1);
  expect(archiveDigest(whole)).toBe(archiveDigest(wholeWithGithub));
});
