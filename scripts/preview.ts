/**
 * `npm run preview`: what changes between two versions of this project, per
 * environment and stack, offline: resources added, changed, replaced and
 * removed; chart and upstream-release versions; values and patches; and each
 * cluster's cost envelope.
 *
 *   npm run preview -- --base origin/main                 # a revision against the working tree
 *   npm run preview -- --base v1.2.0 --head HEAD          # two revisions
 *   npm run preview -- --before old/cdktf.out --after cdktf.out
 *   ... --format markdown --output preview.md             # for a pull-request comment
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { summarize } from './preview/diff';
import { synthesizeRevision } from './preview/git';
import { dataLossCheck } from './preview/release-objects';
import { renderMarkdown, renderText } from './preview/render';
import { loadSynthesized } from './preview/synthesized';

interface Options {
  readonly before?: string;
  readonly after?: string;
  readonly base?: string;
  readonly head?: string;
  readonly format: 'markdown' | 'text';
  readonly output?: string;
}

const USAGE = 'usage: preview (--before DIR --after DIR | --base REV [--head REV]) [--format markdown|text] [--output FILE]';

const HELP = `${USAGE}

What changes between two versions of this project, per environment and stack,
offline: resources created, updated, replaced and deleted; node pools AKS
rotates; ⚠️ for changes that destroy data (CRDs and their objects, namespaces,
stateful Azure resources, the PersistentVolumeClaims of Helm releases
uninstalled or changed, a moved state, removed stacks and environments; the
volumes need helm, kustomize and the upstream cache, and are skipped with a
note without them);
chart and upstream versions; values and patches; each cluster's hourly cost at
its region's prices (catalog/price-table.json; "unknown" where a price
is missing).

  --before DIR, --after DIR   two synthesized cdktf.out folders
  --base REV [--head REV]     two git revisions (head: the working tree), synthesized here
  --format markdown|text      markdown for a pull-request comment (default: text)
  --output FILE               write there instead of standard output
`;

export function parseArgs(argv: readonly string[]): Options {
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined || value.startsWith('--')) throw new Error(`${USAGE}\n(bad argument near "${flag}")`);
    const name = flag.slice(2);
    if (!['before', 'after', 'base', 'head', 'format', 'output'].includes(name)) throw new Error(`${USAGE}\n(unknown option --${name})`);
    options[name] = value;
  }
  const format = options.format ?? 'text';
  if (format !== 'markdown' && format !== 'text') throw new Error(`--format takes "markdown" or "text", got "${format}"`);
  const folders = options.before !== undefined || options.after !== undefined;
  if (folders && (options.before === undefined || options.after === undefined)) throw new Error(`--before and --after go together\n${USAGE}`);
  if (folders && (options.base !== undefined || options.head !== undefined)) throw new Error(`compare folders or revisions, not both\n${USAGE}`);
  if (!folders && options.base === undefined) throw new Error(USAGE);
  return { ...options, format } as Options;
}

export async function runPreview(options: Options, repoRoot: string = resolve(__dirname, '..')): Promise<string> {
  let title: string;
  let before;
  let after;
  if (options.before !== undefined && options.after !== undefined) {
    before = loadSynthesized(options.before);
    after = loadSynthesized(options.after);
    title = `Preview: ${options.before} → ${options.after}`;
  } else {
    const scratch = mkdtempSync(join(tmpdir(), 'kf-preview-out-'));
    try {
      // Both versions at once: two cores, two processes.
      await Promise.all([
        synthesizeRevision(repoRoot, options.base, join(scratch, 'base')),
        synthesizeRevision(repoRoot, options.head, join(scratch, 'head')),
      ]);
      before = loadSynthesized(join(scratch, 'base'));
      after = loadSynthesized(join(scratch, 'head'));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    title = `Preview: ${options.base} → ${options.head ?? 'working tree'}`;
  }
  const summary = summarize(before, after, title, dataLossCheck());
  return options.format === 'markdown' ? renderMarkdown(summary) : renderText(summary);
}

if (require.main === module) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  (async () => {
    const options = parseArgs(process.argv.slice(2));
    const output = await runPreview(options);
    if (options.output) writeFileSync(options.output, output);
    else process.stdout.write(output);
  })().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
