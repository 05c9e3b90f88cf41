/**
 * `npm run bench:preview`: wall time of the offline preview of every
 * environment, against the target of 5 seconds. Measures both ways the preview
 * runs: on two synthesized folders (what CI has after `npm run synth`), and
 * between two git revisions (which synthesizes both first). Each figure is the
 * median of interleaved runs, next to a bare `node` start in the same loop as
 * a yardstick for how loaded the machine is.
 *
 *   npm run bench:preview -- --runs 5
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { describeRuns, median, timeCommand } from './timing';

const ROOT = resolve(__dirname, '..');
const TARGET_SECONDS = 5;

function time(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  return timeCommand(command, args, ROOT, env);
}

const HELP = `usage: bench:preview [--runs N]

Wall time of the offline preview of every environment against the 5-second
target, on two synthesized folders and between HEAD and the working tree:
the median of N interleaved runs (default 5), next to a bare node start.
`;

function main(): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const index = process.argv.indexOf('--runs');
  const runs = index >= 0 ? Number(process.argv[index + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of 1 or more');
  const scratch = mkdtempSync(join(tmpdir(), 'kf-bench-preview-'));
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  try {
    const before = join(scratch, 'before');
    const after = join(scratch, 'after');
    const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
    // Two synthesized versions to compare: the last commit and the working tree.
    time(tsx, ['-e', `require('./scripts/preview/git').synthesizeRevision(${JSON.stringify(ROOT)}, 'HEAD', ${JSON.stringify(before)}).catch((e) => { console.error(e); process.exit(1); })`], env);
    time(tsx, ['-e', `require('./scripts/preview/git').synthesizeRevision(${JSON.stringify(ROOT)}, undefined, ${JSON.stringify(after)}).catch((e) => { console.error(e); process.exit(1); })`], env);
    const folders: number[] = [];
    const revisions: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < runs; i++) {
      node.push(time('node', ['-e', '']));
      folders.push(time(tsx, ['scripts/preview.ts', '--before', before, '--after', after, '--format', 'markdown', '--output', join(scratch, 'p.md')]));
      revisions.push(time(tsx, ['scripts/preview.ts', '--base', 'HEAD', '--format', 'markdown', '--output', join(scratch, 'r.md')], env));
    }
    const fmt = describeRuns;
    console.log(`runs: ${runs} each, interleaved`);
    console.log(`bare node start (yardstick):                 ${fmt(node)}`);
    console.log(`preview of every environment, two folders:   ${fmt(folders)}  (${(median(folders) / TARGET_SECONDS).toFixed(2)} of the ${TARGET_SECONDS} s target)`);
    console.log(`preview of every environment, HEAD vs tree:  ${fmt(revisions)}  (${(median(revisions) / TARGET_SECONDS).toFixed(2)} of the ${TARGET_SECONDS} s target)`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
