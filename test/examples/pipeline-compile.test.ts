import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, resolveEnvironment } from '../../environments';
import { workflowPlan } from '../../examples/ml-workflow/workflow';
import { KUBEFLOW_PIPELINES as PIPELINES } from '../../catalog/versions';

/**
 * The compiled pipelines `npm run examples:check` writes (.ci/run runs it
 * before the tests): one per environment, compiled by the pinned SDK, carrying
 * that environment's placement. Outside CI without a compiled pipeline the
 * checks are skipped with a notice.
 */
const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, '.cache', 'ml-workflow');
const requirements = readFileSync(join(ROOT, 'examples', 'ml-workflow', 'requirements.txt'), 'utf8');
const compiled = ENVIRONMENTS.every((e) => existsSync(join(OUT, e.name, 'pipeline.yaml')));
if (!compiled && process.env.CI) throw new Error('no compiled pipeline in .cache/ml-workflow: run npm run examples:check first (.ci/run does)');
const maybe = compiled ? describe : describe.skip;
if (!compiled) test.skip('compiled pipeline checks skipped: run npm run examples:check (needs python3 and PyPI)', () => undefined);

test('the SDK is pinned exactly, with hashes, at the minor of the pinned Pipelines backend', () => {
  const kfp = /^kfp==(\d+)\.(\d+)\.(\d+) \\$/m.exec(requirements);
  expect(kfp).not.toBeNull();
  const [major, minor] = PIPELINES.version.split('.');
  expect(`${kfp?.[1]}.${kfp?.[2]}`).toBe(`${major}.${minor}`);
  const pins = requirements.split('\n').filter((l) => /^[A-Za-z0-9]/.test(l));
  expect(pins.length).toBeGreaterThan(5);
  expect(pins.filter((l) => !/^[A-Za-z0-9_.-]+(\[[^\]]*\])?==[^ ]+ \\$/.test(l))).toEqual([]);
  // Every pin is followed by at least one hash.
  expect(requirements.split(/\n(?=[A-Za-z0-9])/).filter((block) => /^[A-Za-z0-9]/.test(block) && !/--hash=sha256:[0-9a-f]{64}/.test(block))).toEqual([]);
});

maybe.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('compiled pipeline of %s', (name, config) => {
  const docs = () => parseAllDocuments(readFileSync(join(OUT, name, 'pipeline.yaml'), 'utf8')).map((d) => d.toJSON() as Record<string, unknown>);
  const plan = workflowPlan(resolveEnvironment(config));

  test('is KFP IR schema 2.1.0 from the pinned SDK', () => {
    const spec = docs()[0];
    const pinned = /^kfp==([^ ]+) /m.exec(requirements)?.[1];
    expect(spec.schemaVersion).toBe('2.1.0');
    expect(spec.sdkVersion).toBe(`kfp-${pinned}`);
  });

  test('has the stages in order: data, tune, best trial, train, register, serve, predict', () => {
    const spec = docs()[0] as { root: { dag: { tasks: Record<string, { dependentTasks?: string[]; taskInfo: { name: string } }> } } };
    const tasks = spec.root.dag.tasks;
    const names = Object.values(tasks).map((t) => t.taskInfo.name);
    expect(names).toEqual(expect.arrayContaining(['prepare data', 'tune (Katib)', 'best trial', `train (TrainJob on ${plan.training.runtime})`, 'register (Model Registry)', 'serve (KServe)', 'predict once']));
    const byName = Object.fromEntries(Object.entries(tasks).map(([id, t]) => [t.taskInfo.name, { id, deps: t.dependentTasks ?? [] }]));
    expect(byName['serve (KServe)'].deps).toContain(byName['register (Model Registry)'].id);
    expect(byName['register (Model Registry)'].deps).toContain(byName[`train (TrainJob on ${plan.training.runtime})`].id);
  });

  test('every step runs the pinned image with requests (profile quotas refuse pods without)', () => {
    const executors = ((docs()[0] as { deploymentSpec: { executors: Record<string, { container: { image: string; resources?: { resourceCpuRequest?: string; resourceMemoryRequest?: string } } }> } }).deploymentSpec.executors);
    for (const e of Object.values(executors)) {
      expect(e.container.image).toBe(plan.image);
      expect(e.container.resources?.resourceCpuRequest).toBe(plan.resources.step.cpu);
      expect(e.container.resources?.resourceMemoryRequest).toBe(plan.resources.step.memory);
    }
  });

  test('the TrainJob it creates carries this environment\'s runtime and pool placement', () => {
    const spec = docs()[0] as { root: { dag: { tasks: Record<string, { taskInfo: { name: string }; inputs?: { parameters?: Record<string, { runtimeValue?: { constant?: unknown } }> } }> } } };
    const train = Object.values(spec.root.dag.tasks).find((t) => t.taskInfo.name.startsWith('train ('));
    const manifest = JSON.parse(String(train?.inputs?.parameters?.manifest?.runtimeValue?.constant)) as { spec: { runtimeRef: { name: string }; runtimePatches: { trainingRuntimeSpec: { template: { spec: { replicatedJobs: { template: { spec: { template: { spec: { nodeSelector?: object; tolerations?: object[] } } } } }[] } } } }[] } };
    expect(manifest.spec.runtimeRef.name).toBe(plan.training.runtime);
    const pod = manifest.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.nodeSelector ?? {}).toEqual(plan.training.nodeSelector);
    expect(pod.tolerations ?? []).toEqual(plan.training.tolerations);
  });
});
