import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

function synthesizeIn(dir: string, outdir: string): void {
  const env = { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' };
  if (existsSync(join(dir, 'scripts', 'build.mjs'))) {
    execFileSync('node', ['scripts/build.mjs'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('node', ['dist/main.js'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    execFileSync(join(dir, 'node_modules', '.bin', 'tsx'), ['main.ts'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/**
 * Synthesizes a git revision of this repository into `outdir`, in a temporary
 * worktree that borrows this checkout's node_modules. Without a revision, the
 * working tree as it is.
 */
export function synthesizeRevision(repoRoot: string, revision: string | undefined, outdir: string): void {
  if (revision === undefined) {
    synthesizeIn(repoRoot, outdir);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kf-preview-'));
  const worktree = join(dir, 'tree');
  try {
    execFileSync('git', ['-C', repoRoot, 'worktree', 'add', '--quiet', '--detach', worktree, revision], { stdio: ['ignore', 'ignore', 'inherit'] });
    symlinkSync(join(repoRoot, 'node_modules'), join(worktree, 'node_modules'), 'dir');
    synthesizeIn(worktree, outdir);
  } finally {
    try {
      execFileSync('git', ['-C', repoRoot, 'worktree', 'remove', '--force', worktree], { stdio: 'ignore' });
    } catch {
      // The worktree was never created (bad revision): nothing to remove.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
