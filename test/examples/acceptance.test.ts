import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { ENVIRONMENTS, resolveEnvironment } from '../../environments';
import type { EnvironmentConfig } from '../../environments/types';
import { AcceptanceIo, Executor, HELP, acceptance, parseArgs } from '../../scripts/acceptance/cli';
import { CommandResult, Kube } from '../../scripts/acceptance/stages';

/**
 * The acceptance run's stage logic against recorded API responses (hand-written
 * from the shapes Katib 0.19, Trainer 2.3, KServe 0.20 and batch/v1 return; see
 * fixtures/acceptance). A fake kubectl answers each call from the fixtures.
 */
const FIX = join(__dirname, 'fixtures', 'acceptance');
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8');
const logs = JSON.parse(fixture('logs.json')) as Record<string, string>;
const dev = ENVIRONMENTS.find((e) => e.name === 'dev') as EnvironmentConfig;

type Answer = CommandResult | ((args: readonly string[], input?: string) => CommandResult);
const okOut = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });

/** A fake kubectl: the first matching rule answers; sequences advance one per call. Records every call. */
function fakeKube(overrides: { match: RegExp; answers: Answer[] }[] = []) {
  const calls: { args: string[]; input?: string }[] = [];
  const rules = [
    ...overrides,
    { match: /^auth can-i /, answers: [okOut('yes\n')] },
    { match: /^get namespace /, answers: [okOut('namespace/ml-team\n')] },
    { match: /^(create|label) namespace /, answers: [okOut('ok\n')] },
    { match: /^apply /, answers: [okOut('applied\n')] },
    { match: /^get experiments/, answers: [okOut(fixture('experiment-running.json')), okOut(fixture('experiment-succeeded.json'))] },
    { match: /^get trainjobs/, answers: [okOut(fixture('trainjob-complete.json'))] },
    { match: /^get inferenceservices/, answers: [okOut(fixture('isvc-ready.json'))] },
    { match: /^get job /, answers: [okOut(fixture('job-complete.json'))] },
    { match: /^logs job\/t1-data/, answers: [okOut(`generating\n${logs.data}\n`)] },
    { match: /^logs job\/t1-register/, answers: [okOut(`${logs.register}\n`)] },
    { match: /^logs job\/t1-predict/, answers: [okOut(`${logs.predict}\n`)] },
    { match: /^delete /, answers: [okOut('deleted\n')] },
  ];
  const used = new Map<RegExp, number>();
  const kube: Kube = {
    kubectl: async (args, input) => {
      calls.push({ args: [...args], input });
      const line = args.join(' ');
      const rule = rules.find((r) => r.match.test(line));
      if (!rule) return { code: 1, stdout: '', stderr: `unexpected call: kubectl ${line}` };
      const n = used.get(rule.match) ?? 0;
      used.set(rule.match, n + 1);
      const answer = rule.answers[Math.min(n, rule.answers.length - 1)];
      return typeof answer === 'function' ? answer(args, input) : answer;
    },
  };
  return { kube, calls };
}

function io(kube: Kube, options: { tools?: Record<string, number> } = {}) {
  const out: string[] = [];
  let now = Date.parse('2026-12-06T15:00:00Z');
  const exec: Executor = async (command) => ({ code: options.tools?.[command] ?? 0, stdout: '', stderr: '' });
  const value: AcceptanceIo = {
    exec,
    clock: { now: () => now, sleep: async (ms) => { now += ms; } },
    out: (line) => out.push(line),
    environments: () => [resolveEnvironment(dev)],
    signIn: async () => ({ kube, dispose: () => undefined }),
    pollSeconds: 10,
  };
  return { io: value, out };
}

test('--help documents the command, its options and prerequisites', async () => {
  const { io: value, out } = io(fakeKube().kube);
  expect(await acceptance(['dev', '--help'], value)).toBe(0);
  expect(out.join('\n')).toBe(HELP);
  expect(HELP).toMatch(/--profile NAME/);
  expect(HELP).toMatch(/--keep/);
  expect(HELP).toMatch(/kubelogin/);
});

test('arguments: unknown options and missing values are refused by name', () => {
  expect(parseArgs(['dev', '--profile', 'ml-team', '--keep'])).toEqual({ env: 'dev', profile: 'ml-team', keep: true, help: false });
  expect(() => parseArgs(['dev', '--profil', 'x'])).toThrow(/unknown option --profil/);
  expect(() => parseArgs(['dev', '--profile'])).toThrow(/--profile needs a value/);
});

test('a full run in a profile passes every stage, trains with Katib\'s best values on the pool\'s runtime, and cleans up', async () => {
  const { kube, calls } = fakeKube();
  const { io: value, out } = io(kube);
  expect(await acceptance(['dev', '--profile', 'ml-team', '--run-id', 't1'], value)).toBe(0);
  const text = out.join('\n');
  for (const stage of ['permissions', 'namespace', 'data', 'tune (Katib)', 'train (Trainer)', 'register (Model Registry)', 'serve (KServe)', 'predict']) {
    expect(text).toMatch(new RegExp(`✓ pass\\s+${stage.replace(/[()]/g, '\\$&')}\\s+\\d+s`));
  }
  expect(text).toContain('best lr=0.0213 hidden=48 accuracy=0.9531');
  expect(text).toContain('predictions [0,1]');
  // Progress while Katib runs, with the time spent against the limit.
  expect(text).toMatch(/experiments\.kubeflow\.org t1-tune: Created=True, Running=True \(0s of 2700s\)/);
  const trainJob = calls.map((c) => c.input ?? '').map((y) => (y ? parse(y) as { kind: string; spec?: { runtimeRef?: { name: string }; trainer?: { command: string[] } }; metadata: { labels: Record<string, string> } } : undefined)).find((o) => o?.kind === 'TrainJob');
  expect(trainJob?.spec?.runtimeRef?.name).toBe('torch-distributed-t4spot');
  expect(trainJob?.spec?.trainer?.command.slice(3, 7)).toEqual(['train', '--lr', '0.0213', '--hidden']);
  expect(trainJob?.metadata.labels['ml-workflow/run']).toBe('t1');
  const deletes = calls.filter((c) => c.args[0] === 'delete');
  expect(deletes).toHaveLength(1);
  expect(deletes[0].args).toEqual(expect.arrayContaining(['-n', 'ml-team', '-l', 'ml-workflow/run=t1']));
  expect(calls.some((c) => c.args[0] === 'create' && c.args[1] === 'namespace')).toBe(false);
});

test('without --profile the run uses a scratch namespace and deletes it; --keep keeps everything', async () => {
  const scratch = fakeKube();
  expect(await acceptance(['dev', '--run-id', 't1'], io(scratch.kube).io)).toBe(0);
  expect(scratch.calls.find((c) => c.args[0] === 'create')?.args).toEqual(['create', 'namespace', 't1']);
  expect(scratch.calls.filter((c) => c.args[0] === 'delete').map((c) => c.args.slice(0, 3))).toEqual([['delete', 'namespace', 't1']]);
  const kept = fakeKube();
  const { io: value, out } = io(kept.kube);
  expect(await acceptance(['dev', '--profile', 'ml-team', '--run-id', 't1', '--keep'], value)).toBe(0);
  expect(kept.calls.filter((c) => c.args[0] === 'delete')).toEqual([]);
  expect(out.join('\n')).toContain('kept: everything labelled ml-workflow/run=t1');
});

test('a failed TrainJob fails its stage with what to look at, skips the rest, and still cleans up', async () => {
  const { kube, calls } = fakeKube([{ match: /^get trainjobs/, answers: [okOut(fixture('trainjob-failed.json'))] }]);
  const { io: value, out } = io(kube);
  expect(await acceptance(['dev', '--profile', 'ml-team', '--run-id', 't1'], value)).toBe(1);
  const text = out.join('\n');
  expect(text).toMatch(/✗ FAIL\s+train \(Trainer\)\s+\d+s\s+trainjobs\.trainer\.kubeflow\.org t1-train Failed: FailedJobs jobset failed with failed job node-0/);
  expect(text).toMatch(/– skipped\s+register \(Model Registry\)/);
  expect(text).toMatch(/look at \(train \(Trainer\)\): kubectl get pods -n ml-team -l jobset\.sigs\.k8s\.io\/jobset-name=t1-train; a Pending pod on GPU pool t4spot/);
  expect(calls.some((c) => c.args[0] === 'delete')).toBe(true);
});

test('a stage that never finishes fails at its time limit', async () => {
  const { kube } = fakeKube([{ match: /^get experiments/, answers: [okOut(fixture('experiment-running.json'))] }]);
  const { io: value, out } = io(kube);
  expect(await acceptance(['dev', '--profile', 'ml-team', '--run-id', 't1'], value)).toBe(1);
  expect(out.join('\n')).toMatch(/✗ FAIL\s+tune \(Katib\)\s+2700s\s+experiments\.kubeflow\.org t1-tune not Succeeded within the time limit of 2700s/);
});

test('missing tools are refused before anything runs, naming each and where to get it', async () => {
  const { kube, calls } = fakeKube();
  const { io: value } = io(kube, { tools: { kubelogin: 127, az: 127 } });
  await expect(acceptance(['dev'], value)).rejects.toThrow(/missing prerequisites: kubelogin \(not found; install: .*\); az \(not found/);
  expect(calls).toEqual([]);
});

test('missing permissions are refused before anything is created', async () => {
  const { kube, calls } = fakeKube([{ match: /^auth can-i create trainjobs/, answers: [{ code: 1, stdout: 'no\n', stderr: '' }] }]);
  const { io: value, out } = io(kube);
  expect(await acceptance(['dev', '--profile', 'ml-team', '--run-id', 't1'], value)).toBe(1);
  expect(out.join('\n')).toMatch(/✗ FAIL\s+permissions\s+0s\s+you may not create trainjobs\.trainer\.kubeflow\.org in namespace ml-team/);
  expect(calls.some((c) => c.args[0] === 'apply')).toBe(false);
});

test('an unknown environment or profile is refused with what is accepted', async () => {
  const { io: value } = io(fakeKube().kube);
  await expect(acceptance(['qa'], value)).rejects.toThrow(/environment "qa" is not in environments\/; accepted: dev/);
  await expect(acceptance(['dev', '--profile', 'other'], value)).rejects.toThrow(/--profile is "other"; environment dev has profiles ml-team/);
});
