import { stringify } from 'yaml';
import {
  WORKFLOW_PERMISSIONS, WorkflowPlan, inferenceService, katibExperiment, modelVolumeClaim, predictUrl, stepJob, trainJob,
} from '../../examples/ml-workflow/workflow';

/**
 * The acceptance run's stages, over a `Kube` (real: kubectl with the user's
 * kubelogin credentials; tests: recorded API responses). Each stage creates
 * the workflow's objects as the signed-in user, waits for them with a time
 * limit and reports what to look at when it fails.
 */

export interface CommandResult { readonly code: number; readonly stdout: string; readonly stderr: string }

/** How the stages reach the cluster: `kubectl <args>`, optionally with stdin. */
export interface Kube {
  kubectl(args: readonly string[], input?: string): Promise<CommandResult>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export interface StageResult {
  readonly stage: string;
  readonly status: 'pass' | 'fail' | 'skipped';
  readonly seconds: number;
  readonly detail: string;
  /** What to look at when it failed. */
  readonly hint?: string;
}

export interface RunContext {
  readonly kube: Kube;
  readonly plan: WorkflowPlan;
  readonly clock: Clock;
  /** Progress lines (a spinner line per poll in a terminal). */
  readonly progress: (line: string) => void;
  /** Seconds between polls. @default 10 */
  readonly pollSeconds?: number;
  /** Create the namespace (scratch run) and delete it at cleanup. */
  readonly scratchNamespace: boolean;
}

type Json = Record<string, unknown>;

export class StageError extends Error {
  constructor(message: string, public readonly hint: string) {
    super(message);
  }
}

async function ok(ctx: RunContext, args: readonly string[], input?: string): Promise<string> {
  const r = await ctx.kube.kubectl(args, input);
  if (r.code !== 0) throw new StageError(`kubectl ${args.slice(0, 3).join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`, 'the kubectl error above; `kubectl auth can-i --list -n <namespace>` shows what you may do');
  return r.stdout;
}

/** Applies an object labelled with the run, so that cleanup finds it. */
async function apply(ctx: RunContext, obj: Json): Promise<void> {
  const metadata = obj.metadata as { labels?: Record<string, string> };
  const labelled = { ...obj, metadata: { ...metadata, labels: { ...(metadata.labels ?? {}), 'app.kubernetes.io/part-of': 'ml-workflow', 'ml-workflow/run': ctx.plan.runId } } };
  await ok(ctx, ['apply', '-n', ctx.plan.namespace, '-f', '-'], stringify(labelled));
}

function conditionTrue(obj: Json, type: string): { message?: string; reason?: string } | undefined {
  const conditions = ((obj.status as { conditions?: { type: string; status: string; message?: string; reason?: string }[] } | undefined)?.conditions) ?? [];
  return conditions.find((c) => c.type === type && c.status === 'True');
}

/**
 * Polls an object until a condition is true, fails on a failure condition or at the time limit.
 * Returns the object as last seen.
 */
export async function waitFor(ctx: RunContext, kind: string, name: string, success: string, failure: readonly string[], limitSeconds: number, hint: string): Promise<Json> {
  const start = ctx.clock.now();
  const poll = (ctx.pollSeconds ?? 10) * 1000;
  for (;;) {
    const r = await ctx.kube.kubectl(['get', kind, name, '-n', ctx.plan.namespace, '-o', 'json']);
    const elapsed = Math.round((ctx.clock.now() - start) / 1000);
    if (r.code === 0) {
      const obj = JSON.parse(r.stdout) as Json;
      if (conditionTrue(obj, success)) return obj;
      for (const f of failure) {
        const c = conditionTrue(obj, f);
        if (c) throw new StageError(`${kind} ${name} ${f}: ${c.reason ?? ''} ${c.message ?? ''}`.trim(), hint);
      }
      const latest = ((obj.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(', ') || 'no conditions yet';
      ctx.progress(`  ${kind} ${name}: ${latest} (${elapsed}s of ${limitSeconds}s)`);
    } else {
      ctx.progress(`  ${kind} ${name}: not found yet (${elapsed}s of ${limitSeconds}s)`);
    }
    if (ctx.clock.now() - start + poll > limitSeconds * 1000) {
      throw new StageError(`${kind} ${name} not ${success} within the time limit of ${limitSeconds}s`, hint);
    }
    await ctx.clock.sleep(poll);
  }
}

async function logsOf(ctx: RunContext, job: string): Promise<string> {
  return ok(ctx, ['logs', `job/${job}`, '-n', ctx.plan.namespace, '--tail', '50']);
}

async function runJob(ctx: RunContext, step: string, args: readonly string[], limitSeconds: number): Promise<string> {
  const job = stepJob(ctx.plan, step, args);
  await apply(ctx, job);
  const name = `${ctx.plan.runId}-${step}`;
  await waitFor(ctx, 'job', name, 'Complete', ['Failed'], limitSeconds, `kubectl logs job/${name} -n ${ctx.plan.namespace}; kubectl describe job/${name} -n ${ctx.plan.namespace}`);
  return logsOf(ctx, name);
}

const lastJsonLine = (text: string): Json => {
  const line = text.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new StageError('the step printed no result', 'the step\'s log');
  return JSON.parse(line) as Json;
};

export interface Stage {
  readonly name: string;
  /** Time limit in seconds. */
  readonly limitSeconds: number;
  run(ctx: RunContext, state: Map<string, string>): Promise<string>;
}

/** The stages in order; each returns a one-line detail for the table. */
export function stages(): Stage[] {
  return [
    {
      name: 'permissions',
      limitSeconds: 60,
      async run(ctx) {
        const denied: string[] = [];
        const checks = [...(ctx.scratchNamespace ? [{ verb: 'create', what: 'namespaces', ns: false }] : []),
          ...WORKFLOW_PERMISSIONS.flatMap((p) => p.verbs.map((verb) => ({ verb, what: p.group ? `${p.resource}.${p.group}` : p.resource, ns: true })))]
          .filter((c) => !c.what.startsWith('runs.'));
        for (const c of checks) {
          const r = await ctx.kube.kubectl(['auth', 'can-i', c.verb, c.what, ...(c.ns ? ['-n', ctx.plan.namespace] : [])]);
          if (r.stdout.trim() !== 'yes') denied.push(`${c.verb} ${c.what}`);
        }
        if (denied.length > 0) {
          throw new StageError(`you may not ${denied.join(', ')} in namespace ${ctx.plan.namespace}`, 'ask the profile owner to add you as a contributor (edit), or run with --profile <a profile you own>; docs/access.md');
        }
        return `${checks.length} permissions granted`;
      },
    },
    {
      name: 'namespace',
      limitSeconds: 60,
      async run(ctx) {
        if (!ctx.scratchNamespace) {
          await ok(ctx, ['get', 'namespace', ctx.plan.namespace, '-o', 'name']);
          return `profile namespace ${ctx.plan.namespace}`;
        }
        await ok(ctx, ['create', 'namespace', ctx.plan.namespace]);
        await ok(ctx, ['label', 'namespace', ctx.plan.namespace, `ml-workflow/run=${ctx.plan.runId}`]);
        return `scratch namespace ${ctx.plan.namespace}`;
      },
    },
    {
      name: 'data',
      limitSeconds: 15 * 60,
      async run(ctx, state) {
        const result = lastJsonLine(await runJob(ctx, 'data', ['data', '--out', '/tmp/data'], this.limitSeconds));
        state.set('fingerprint', String(result.fingerprint));
        return `dataset ${String(result.fingerprint).slice(0, 12)}…, positive ${String(result.positive_fraction)}`;
      },
    },
    {
      name: 'tune (Katib)',
      limitSeconds: 45 * 60,
      async run(ctx, state) {
        const experiment = katibExperiment(ctx.plan) as { metadata: { name: string } };
        await apply(ctx, experiment);
        const done = await waitFor(ctx, 'experiments.kubeflow.org', experiment.metadata.name, 'Succeeded', ['Failed'], this.limitSeconds,
          `kubectl get trials -n ${ctx.plan.namespace}; the Katib UI (Experiments (AutoML)); kubectl logs -n kubeflow deploy/katib-controller`);
        const optimal = ((done.status as Json).currentOptimalTrial ?? {}) as { parameterAssignments?: { name: string; value: string }[]; observation?: { metrics?: { name: string; latest: string }[] } };
        const params = Object.fromEntries((optimal.parameterAssignments ?? []).map((p) => [p.name, p.value]));
        if (!params.lr || !params.hidden) throw new StageError('the experiment succeeded without an optimal trial', `kubectl get experiment ${experiment.metadata.name} -n ${ctx.plan.namespace} -o yaml`);
        state.set('lr', params.lr);
        state.set('hidden', params.hidden);
        const accuracy = optimal.observation?.metrics?.find((m) => m.name === 'accuracy')?.latest ?? '?';
        return `best lr=${params.lr} hidden=${params.hidden} accuracy=${accuracy}`;
      },
    },
    {
      name: 'train (Trainer)',
      limitSeconds: 45 * 60,
      async run(ctx, state) {
        await apply(ctx, modelVolumeClaim(ctx.plan));
        const job = trainJob(ctx.plan, { lr: state.get('lr') ?? '0.01', hidden: state.get('hidden') ?? '32' }) as { metadata: { name: string } };
        await apply(ctx, job);
        const where = ctx.plan.training.kind === 'gpu' ? `GPU pool ${ctx.plan.training.pool}` : 'CPU';
        await waitFor(ctx, 'trainjobs.trainer.kubeflow.org', job.metadata.name, 'Complete', ['Failed'], this.limitSeconds,
          `kubectl get pods -n ${ctx.plan.namespace} -l jobset.sigs.k8s.io/jobset-name=${job.metadata.name}; a Pending pod on ${where} means the pool is scaling from zero or its quota is used (kubectl describe pod); the GPU dashboard in Grafana`);
        return `runtime ${ctx.plan.training.runtime} on ${where}`;
      },
    },
    {
      name: 'register (Model Registry)',
      limitSeconds: 10 * 60,
      async run(ctx) {
        const result = lastJsonLine(await runJob(ctx, 'register', ['register', '--name', 'xor-classifier', '--version', ctx.plan.runId, '--uri', `pvc://${ctx.plan.modelVolume.claim}/model.pt`], this.limitSeconds));
        return `model version ${String(result.modelVersion)}`;
      },
    },
    {
      name: 'serve (KServe)',
      limitSeconds: 20 * 60,
      async run(ctx) {
        const isvc = inferenceService(ctx.plan) as { metadata: { name: string } };
        await apply(ctx, isvc);
        await waitFor(ctx, 'inferenceservices.serving.kserve.io', isvc.metadata.name, 'Ready', [], this.limitSeconds,
          `kubectl describe inferenceservice ${isvc.metadata.name} -n ${ctx.plan.namespace}; kubectl logs -n ${ctx.plan.namespace} -l serving.kserve.io/inferenceservice=${isvc.metadata.name} -c kserve-container`);
        return `InferenceService ${isvc.metadata.name} ready`;
      },
    },
    {
      name: 'predict',
      limitSeconds: 10 * 60,
      async run(ctx) {
        const result = lastJsonLine(await runJob(ctx, 'predict', ['predict', '--url', predictUrl(ctx.plan)], this.limitSeconds));
        const predictions = result.predictions as unknown[] | undefined;
        if (!Array.isArray(predictions)) throw new StageError(`the model answered ${JSON.stringify(result)}`, 'the predictor\'s log');
        return `predictions ${JSON.stringify(predictions)}`;
      },
    },
  ];
}

/** Runs the stages in order; after a failure the rest are skipped. */
export async function runStages(ctx: RunContext, list: readonly Stage[] = stages()): Promise<StageResult[]> {
  const results: StageResult[] = [];
  const state = new Map<string, string>();
  let failed = false;
  for (const stage of list) {
    if (failed) {
      results.push({ stage: stage.name, status: 'skipped', seconds: 0, detail: 'an earlier stage failed' });
      continue;
    }
    const start = ctx.clock.now();
    ctx.progress(`▶ ${stage.name} (time limit ${Math.round(stage.limitSeconds / 60)} min)`);
    try {
      const detail = await stage.run(ctx, state);
      results.push({ stage: stage.name, status: 'pass', seconds: Math.round((ctx.clock.now() - start) / 1000), detail });
    } catch (error) {
      failed = true;
      const hint = error instanceof StageError ? error.hint : 'the error above';
      results.push({ stage: stage.name, status: 'fail', seconds: Math.round((ctx.clock.now() - start) / 1000), detail: (error as Error).message, hint });
    }
  }
  return results;
}

/** Deletes what the run created (its labelled objects, or the whole scratch namespace). */
export async function cleanup(ctx: RunContext): Promise<string[]> {
  const problems: string[] = [];
  const run = async (args: string[]) => {
    const r = await ctx.kube.kubectl(args);
    if (r.code !== 0) problems.push(`kubectl ${args.join(' ')}: ${r.stderr.trim().split('\n')[0]}`);
  };
  if (ctx.scratchNamespace) {
    await run(['delete', 'namespace', ctx.plan.namespace, '--wait=false', '--ignore-not-found']);
  } else {
    await run(['delete', 'inferenceservices.serving.kserve.io,trainjobs.trainer.kubeflow.org,experiments.kubeflow.org,jobs.batch,persistentvolumeclaims', '-n', ctx.plan.namespace, '-l', `ml-workflow/run=${ctx.plan.runId}`, '--ignore-not-found', '--wait=false']);
  }
  return problems;
}

/** The pass/fail table. */
export function table(results: readonly StageResult[]): string {
  const rows = results.map((r) => [r.status === 'pass' ? '✓ pass' : r.status === 'fail' ? '✗ FAIL' : '– skipped', r.stage, `${r.seconds}s`, r.detail]);
  const header = ['result', 'stage', 'time', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  for (const r of results.filter((x) => x.hint)) out.push('', `look at (${r.stage}): ${r.hint}`);
  return out.join('\n');
}
