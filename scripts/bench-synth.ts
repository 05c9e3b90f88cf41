/**
 * `npm run bench`: wall time to synthesize every environment, as a ratio to the
 * stock cdktf TypeScript setup (ts-node, type-checking, one resource group in
 * one stack), both run the same way, interleaved, in this one command.
 * Figures on shared machines are noisy: read the ratio of medians, not seconds.
 *
 *   npm run bench -- --runs 7
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { describeRuns, median, timeCommand } from './timing';

const ROOT = resolve(__dirname, '..');
const TARGET_RATIO = 0.5;
/** What `npm run synth` runs, without npm's own start-up. */
const SYNTH = 'node scripts/build.mjs && node dist/main.js';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a whole number of 1 or more, got ${process.argv[index + 1]}`);
  return value;
}

/** The stock `cdktf init --template=typescript` layout, with one azurerm resource. */
function writeStockProject(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.ts'), [
    "import { Construct } from 'constructs';",
    "import { App, TerraformStack } from 'cdktf';",
    "import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';",
    "import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';",
    '',
    'class MyStack extends TerraformStack {',
    '  constructor(scope: Construct, id: string) {',
    '    super(scope, id);',
    "    new AzurermProvider(this, 'azurerm', { features: [{}] });",
    "    new ResourceGroup(this, 'rg', { name: 'rg-stock', location: 'westeurope' });",
    '  }',
    '}',
    '',
    'const app = new App();',
    "new MyStack(app, 'stock');",
    'app.synth();',
    '',
  ].join('\n'));
  // The compiler options of the stock template.
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      alwaysStrict: true, declaration: true, experimentalDecorators: true, inlineSourceMap: true, inlineSources: true,
      lib: ['es2018'], module: 'CommonJS', noEmitOnError: true, noFallthroughCasesInSwitch: true, noImplicitAny: true,
      noImplicitReturns: true, noImplicitThis: true, noUnusedLocals: true, noUnusedParameters: true, resolveJsonModule: true,
      strict: true, strictNullChecks: true, strictPropertyInitialization: true, stripInternal: true, target: 'ES2018',
      incremental: true, skipLibCheck: true,
    },
    include: ['**/*.ts'],
    exclude: ['node_modules', 'cdktf.out'],
  }, null, 2));
}

function timeRun(command: string, args: string[], cwd: string, outdir: string): number {
  rmSync(outdir, { recursive: true, force: true });
  return timeCommand(command, args, cwd, { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' });
}

const HELP = `usage: bench [--runs N]

Wall time to synthesize every environment (${SYNTH}) against the stock cdktf
TypeScript setup (ts-node, one resource), interleaved, after one warm-up:
medians of N runs each (default 5) and their ratio (target: at most ${TARGET_RATIO}).
`;

function main(): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const runs = argument('runs', 5);
  const scratch = mkdtempSync(join(tmpdir(), 'kf-bench-'));
  // Inside the repository, so the stock project resolves the same node_modules.
  const stockDir = join(ROOT, '.cache', 'bench-stock');
  writeStockProject(stockDir);
  const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
  const ours: number[] = [];
  const stock: number[] = [];
  try {
    // One warm-up each (file cache), then interleaved runs.
    timeRun('sh', ['-c', SYNTH], ROOT, join(scratch, 'ours'));
    timeRun(bin('ts-node'), ['main.ts'], stockDir, join(scratch, 'stock'));
    for (let i = 0; i < runs; i++) {
      ours.push(timeRun('sh', ['-c', SYNTH], ROOT, join(scratch, 'ours')));
      stock.push(timeRun(bin('ts-node'), ['main.ts'], stockDir, join(scratch, 'stock')));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const ratio = median(ours) / median(stock);
  console.log(`runs: ${runs} each, interleaved, after one warm-up`);
  console.log(`this project, every environment (${SYNTH}):  ${describeRuns(ours)}`);
  console.log(`stock cdktf, one resource (ts-node main.ts):  ${describeRuns(stock)}`);
  console.log(`ratio: ${ratio.toFixed(2)} (target: at most ${TARGET_RATIO})`);
}

main();
