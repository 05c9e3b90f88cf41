import { spawn } from 'child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'fs';
import { homedir, tmpdir } from 'os';
import { join } from 'path';
import { ResolvedEnvironment, loadEnvironments } from '../../environments';
import { WorkflowError, workflowPlan } from '../../examples/ml-workflow/workflow';
import { runCommand } from '../run-command';
import { Clock, CommandResult, Kube, REAL_CLOCK, StageResult, cleanup, runStages, table } from './stages';

export const HELP = `npm run acceptance -- <env> [--profile NAME] [--keep] [--run-id ID]

Runs the ML workflow example (examples/ml-workflow) on a deployed environment, as you:
data → tune (Katib Experiment) → train (Trainer TrainJob on the environment's GPU runtime,
CPU when it has none) → register (Model Registry) → serve (KServe InferenceService,
standard mode) → one prediction. Prints a pass/fail table with durations and what to
look at when a stage fails; exits 1 when a stage fails.

Before: az login; az aks get-credentials -g <resource group> -n <cluster> (your kubeconfig).
The run copies that kubeconfig and converts the copy with kubelogin (-l azurecli), so it
acts with your Entra ID identity and your RBAC; your own kubeconfig is not changed.

Options
  <env>            an environment of environments/ (dev, staging, prod, or a fork's)
  --profile NAME   run in this profile's namespace (you must be its owner or a contributor
                   with edit); without it a scratch namespace <run-id> is created (needs
                   permission to create namespaces) and deleted afterwards
  --keep           keep what the run created (to look at it in the dashboard)
  --run-id ID      prefix of every object and the scratch namespace (default: accept-<time>)
  --help           this text

Refuses to start when kubectl, kubelogin or az is missing, or when \`kubectl auth can-i\`
says you may not create what the workflow needs. Time limits: data 15 min, tune 45, train
45 (a GPU pool scales up from zero), register 10, serve 20, predict 10.
docs/demo.md walks the workflow and shows where each stage appears in the dashboard.`;

export interface CliOptions { env: string; profile?: string; keep: boolean; runId?: string; help: boolean }

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { env: '', keep: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') options.help = true;
    else if (a === '--keep') options.keep = true;
    else if (a === '--profile' || a === '--run-id') {
      const value = argv[++i];
      if (!value || value.startsWith('--')) throw new Error(`${a} needs a value (see --help)`);
      if (a === '--profile') options.profile = value;
      else options.runId = value;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}; accepted: --profile NAME, --keep, --run-id ID, --help`);
    else if (!options.env) options.env = a;
    else throw new Error(`one environment only, got ${options.env} and ${a}`);
  }
  return options;
}

/** Runs a command and collects its output (never throws; a missing binary is code 127). */
export function execute(command: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export type Executor = (command: string, args: readonly string[], input?: string) => Promise<CommandResult>;

/** Tools the run needs, with where to get them. */
export const PREREQUISITES: readonly { command: string; args: string[]; install: string }[] = [
  { command: 'kubectl', args: ['version', '--client'], install: 'https://kubernetes.io/docs/tasks/tools/ (or az aks install-cli)' },
  { command: 'kubelogin', args: ['--version'], install: 'az aks install-cli, or https://azure.github.io/kubelogin/install.html' },
  { command: 'az', args: ['version'], install: 'https://learn.microsoft.com/cli/azure/install-azure-cli' },
];

export async function missingPrerequisites(exec: Executor): Promise<string[]> {
  const missing: string[] = [];
  for (const p of PREREQUISITES) {
    const r = await exec(p.command, p.args);
    if (r.code !== 0) missing.push(`${p.command} (${r.code === 127 ? 'not found' : `\`${p.command} ${p.args.join(' ')}\` exited ${r.code}`}; install: ${p.install})`);
  }
  return missing;
}

export interface AcceptanceIo {
  readonly exec: Executor;
  readonly clock: Clock;
  readonly out: (line: string) => void;
  readonly environments: () => ResolvedEnvironment[];
  /** Prepares the kubeconfig copy converted for kubelogin; returns the kubectl wrapper and a disposer. */
  readonly signIn: (exec: Executor) => Promise<{ kube: Kube; dispose: () => void }>;
  readonly pollSeconds?: number;
}

/** Copies the user's kubeconfig and converts the copy to kubelogin's azurecli mode. */
export async function kubeloginSignIn(exec: Executor): Promise<{ kube: Kube; dispose: () => void }> {
  const source = (process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config')).split(':')[0];
  if (!existsSync(source)) throw new Error(`no kubeconfig at ${source}: run az aks get-credentials -g <resource group> -n <cluster> first`);
  const dir = mkdtempSync(join(tmpdir(), 'acceptance-'));
  const kubeconfig = join(dir, 'config');
  copyFileSync(source, kubeconfig);
  const converted = await exec('kubelogin', ['convert-kubeconfig', '-l', 'azurecli', '--kubeconfig', kubeconfig]);
  if (converted.code !== 0) throw new Error(`kubelogin convert-kubeconfig failed: ${converted.stderr.trim()}`);
  const kube: Kube = { kubectl: (args, input) => exec('kubectl', ['--kubeconfig', kubeconfig, ...args], input) };
  const who = await kube.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  if (who.code !== 0) throw new Error(`cannot sign in to the cluster: ${who.stderr.trim().split('\n')[0]} (az login, then try again)`);
  return { kube, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function acceptance(argv: readonly string[], io: AcceptanceIo): Promise<number> {
  const options = parseArgs(argv);
  if (options.help) {
    io.out(HELP);
    return 0;
  }
  const envs = io.environments();
  const env = envs.find((e) => e.name === options.env);
  if (!env) throw new Error(`environment ${JSON.stringify(options.env)} is not in environments/; accepted: ${envs.map((e) => e.name).join(', ')} (see --help)`);
  const runId = options.runId ?? `accept-${Math.floor(io.clock.now() / 1000).toString(36)}`;
  let plan;
  try {
    plan = workflowPlan(env, { profile: options.profile, runId, ...(options.profile ? {} : { namespace: runId }) });
  } catch (error) {
    if (error instanceof WorkflowError) throw new Error(error.message);
    throw error;
  }
  const missing = await missingPrerequisites(io.exec);
  if (missing.length > 0) throw new Error(`missing prerequisites: ${missing.join('; ')}`);
  const { kube, dispose } = await io.signIn(io.exec);
  try {
    const ctx = { kube, plan, clock: io.clock, progress: io.out, pollSeconds: io.pollSeconds, scratchNamespace: !options.profile };
    io.out(`ML workflow acceptance on ${env.name}: namespace ${plan.namespace}, training on ${plan.training.kind === 'gpu' ? `GPU pool ${plan.training.pool}` : 'CPU'} (runtime ${plan.training.runtime}), run ${runId}`);
    const results: StageResult[] = await runStages(ctx);
    io.out('');
    io.out(table(results));
    if (options.keep) {
      io.out(`\nkept: everything labelled ml-workflow/run=${runId} in namespace ${plan.namespace} (--keep)`);
    } else {
      const problems = await cleanup(ctx);
      io.out(problems.length === 0 ? `\ncleaned up run ${runId}` : `\ncleanup left things behind: ${problems.join('; ')}`);
    }
    return results.every((r) => r.status === 'pass') ? 0 : 1;
  } finally {
    dispose();
  }
}

if (require.main === module) {
  runCommand((argv) => acceptance(argv, {
    exec: (command, args, input) => execute(command, args, process.env, input),
    clock: REAL_CLOCK,
    out: (line) => console.log(line),
    environments: () => loadEnvironments(),
    signIn: kubeloginSignIn,
  }));
}
