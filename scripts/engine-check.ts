/**
 * Loads every synthesized stack in a real Terraform engine (OpenTofu, built by
 * `.ci/run` from the Go module proxy) and fails on any configuration error:
 * the errors that stop `init` before it needs a provider (a precondition that
 * refers to nothing, `${…}` in `replace_triggered_by`, an unknown block or
 * argument of the language, a bad reference syntax, a duplicate name …).
 *
 *   npm run engine:check -- cdktf.out/stacks/*
 *
 * How: each stack's JSON is copied to a scratch folder without its `backend`
 * block (the backend needs credentials to initialise; its keys are checked by
 * our own tests) and the engine's `providers` command loads it. `providers`
 * decodes the whole configuration, module tree included, exactly as `init` and
 * `plan` do, then lists the providers it needs without installing any: it
 * fails on configuration errors, and only on them. Provider-side checks
 * (attribute names and types of a provider's schema) need the real providers:
 * `docs/verification.md` says how a maintainer runs them.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join, resolve } from 'path';
import { runCommand } from './run-command';

const ROOT = resolve(__dirname, '..');

/** The OpenTofu binary: TOFU_BIN, else the one `.ci/run` builds into .cache/bin, else `tofu` on PATH. */
export function tofuBinary(): string {
  if (process.env.TOFU_BIN) return process.env.TOFU_BIN;
  const local = join(ROOT, '.cache', 'bin', 'tofu');
  return existsSync(local) ? local : 'tofu';
}

/** Whether the engine runs here (for tests that skip without it). */
export function engineAvailable(binary = tofuBinary()): boolean {
  return spawnSync(binary, ['version'], { encoding: 'utf8', env: engineEnv(emptyCliConfig()) }).status === 0;
}

export interface EngineResult {
  readonly stack: string;
  readonly ok: boolean;
  /** The engine's diagnostics, source excerpts shortened (a stack's JSON can be one long line). */
  readonly output: string;
}

let cliConfig: string | undefined;

/** A CLI configuration with an empty filesystem mirror: nothing is ever fetched, no registry is asked. */
function emptyCliConfig(): string {
  if (cliConfig) return cliConfig;
  const dir = mkdtempSync(join(tmpdir(), 'engine-check-'));
  mkdirSync(join(dir, 'mirror'));
  cliConfig = join(dir, 'cli.tfrc');
  writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = "${join(dir, 'mirror')}"\n  }\n}\ndisable_checkpoint = true\n`);
  return cliConfig;
}

function engineEnv(config: string): NodeJS.ProcessEnv {
  return { ...process.env, TF_CLI_CONFIG_FILE: config, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_INPUT: '0' };
}

/** Loads one stack's synthesized JSON (an object, as cdktf wrote it) in the engine. */
export function loadInEngine(stack: string, config: Record<string, unknown>, binary = tofuBinary()): EngineResult {
  const copy = JSON.parse(JSON.stringify(config)) as { terraform?: { backend?: unknown } };
  if (copy.terraform) delete copy.terraform.backend;
  const dir = mkdtempSync(join(tmpdir(), `engine-${stack}-`));
  try {
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(copy, null, 2));
    const run = spawnSync(binary, ['providers', '-no-color'], { cwd: dir, encoding: 'utf8', env: engineEnv(emptyCliConfig()), maxBuffer: 64 * 1024 * 1024 });
    if (run.error) throw new Error(`cannot run ${binary}: ${run.error.message} (.ci/run builds OpenTofu into .cache/bin; or set TOFU_BIN)`);
    const output = `${run.stdout}${run.stderr}`.split('\n').map((l) => (l.length > 240 ? `${l.slice(0, 240)} …` : l)).join('\n').trim();
    return { stack, ok: run.status === 0, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads each stack folder (`cdktf.out/stacks/<stack>`) in the engine. */
export function checkStacks(dirs: readonly string[], binary = tofuBinary()): EngineResult[] {
  return dirs.map((dir) => loadInEngine(basename(dir), JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>, binary));
}

function engineVersion(binary: string): string {
  const run = spawnSync(binary, ['version'], { encoding: 'utf8', env: engineEnv(emptyCliConfig()) });
  return (run.stdout ?? '').split('\n')[0] || binary;
}

if (require.main === module) {
  runCommand((argv) => {
    if (argv.length === 0 || argv.includes('--help')) {
      process.stdout.write('Usage: npm run engine:check -- cdktf.out/stacks/<stack> …\n  loads each synthesized stack in OpenTofu (TOFU_BIN, else .cache/bin/tofu, else tofu) and fails on configuration errors\n');
      return argv.length === 0 ? 1 : 0;
    }
    const binary = tofuBinary();
    const results = checkStacks(argv, binary);
    const failed = results.filter((r) => !r.ok);
    for (const r of failed) console.error(`✗ ${r.stack}: the engine refuses the configuration\n${r.output}\n`);
    if (failed.length > 0) {
      console.error(`${failed.length} of ${results.length} stacks fail to load in ${engineVersion(binary)}: ${failed.map((r) => r.stack).join(', ')}`);
      return 1;
    }
    console.log(`${results.length} stacks load in ${engineVersion(binary)}: ${results.map((r) => r.stack).join(', ')}`);
    return 0;
  });
}
