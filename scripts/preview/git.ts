import { execFile, execFileSync } from 'child_process';
import { promisify } from 'util';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const run = promisify(execFile);

async function synthesizeIn(dir: string, outdir: string): Promise<void> {
  const env = { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' };
  if (existsSync(join(dir, 'scripts', 'build.mjs'))) {
    // A separate bundle per checkout, so two syntheses can run side by side.
    await run('node', ['scripts/build.mjs'], { cwd: dir, env });
    await run('node', ['dist/main.js'], { cwd: dir, env });
  } else {
    await run(join(dir, 'node_modules', '.bin', 'tsx'), ['main.ts'], { cwd: dir, env });
  }
}

/**
 * Synthesizes a git revision of this repository into `outdir`, in a temporary
 * worktree that borrows this checkout's node_modules. Without a revision, the
 * working tree as it is.
 */
export async function synthesizeRevision(repoRoot: string, revision: string | undefined, outdir: string): Promise<void> {
  if (revision === undefined) {
    await synthesizeIn(repoRoot, outdir);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kf-preview-'));
  const worktree = join(dir, 'tree');
  try {
    execFileSync('git', ['-C', repoRoot, 'worktree', 'add', '--quiet', '--detach', worktree, revision], { stdio: ['ignore', 'ignore', 'inherit'] });
    symlinkSync(join(repoRoot, 'node_modules'), join(worktree, 'node_modules'), 'dir');
    await synthesizeIn(worktree, outdir);
  } finally {
    try {
      execFileSync('git', ['-C', repoRoot, 'worktree', 'remove', '--force', worktree], { stdio: 'ignore' });
    } catch {
      // The worktree was never created (bad revision): nothing to remove.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
