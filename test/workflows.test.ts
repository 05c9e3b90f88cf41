import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { loadEnvironments } from '../environments';
import { STAGE_ORDER, environmentsJson } from '../scripts/environments';

const dir = join(__dirname, '..', '.github', 'workflows');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Record<string, any>;
const pr = load('pull-request.yml');
const deploy = load('deploy.yml');
const deployStack = load('deploy-stack.yml');
const stacks = loadEnvironments().flatMap((e) => [`${e.name}-cluster`, `${e.name}-platform`]);

describe('pull-request workflow', () => {
  test('tests, synth and checkov through .ci/run; the preview does not wait for them', () => {
    expect(pr.jobs.checks.steps.map((s: Record<string, string>) => s.run ?? s.uses)).toContain('bash .ci/run');
    const preview = pr.jobs.preview;
    expect(preview.needs).toBeUndefined();
    expect(preview.steps.find((s: Record<string, string>) => s.run?.includes('npm run preview')).run).toContain('--format markdown');
    expect(preview.steps.at(-1).with.script).toContain('upsert-comment.js');
    expect(preview.steps.at(-1).if).toContain('always()');
  });

  test('plans every stack from the environments command, only with Azure credentials, one at a time per stack', () => {
    const plan = pr.jobs.plan;
    expect(plan.strategy.matrix.include).toBe('${{ fromJSON(needs.environments.outputs.plan) }}');
    expect(pr.jobs.environments.steps.at(-1).run).toBe('npm run --silent environments -- --github-output "$GITHUB_OUTPUT"');
    expect(plan.if).toBe("vars.AZURE_CLIENT_ID != ''");
    expect(plan.concurrency).toEqual({ group: 'terraform-${{ matrix.stack }}', 'cancel-in-progress': false });
    expect(plan.permissions['id-token']).toBe('write');
    expect(plan.steps.map((s: Record<string, string>) => s.uses).filter(Boolean)).toContain('azure/login@v2');
  });
});

describe('deploy workflow', () => {
  const jobs = deploy.jobs as Record<string, { needs?: string | string[]; if?: string; strategy?: { matrix: { include: string } }; with?: Record<string, string> }>;

  test('by stage, dev then staging then prod, each stage cluster then platform, environments from the command', () => {
    const order: string[] = [];
    const needsOf = (j: string) => [jobs[j].needs ?? []].flat();
    let current: string | undefined = Object.keys(jobs).find((j) => needsOf(j).length === 1 && needsOf(j)[0] === 'environments');
    while (current) {
      order.push(current);
      const previous: string = current;
      current = Object.keys(jobs).find((j) => needsOf(j).includes(previous));
    }
    expect(order).toEqual(STAGE_ORDER.flatMap((stage) => [`${stage}-cluster`, `${stage}-platform`]));
    for (const job of order) {
      const [stage, layer] = job.split('-');
      expect(jobs[job].strategy!.matrix.include).toBe(`\${{ fromJSON(needs.environments.outputs.${stage}) }}`);
      expect(jobs[job].with).toEqual({ stack: `\${{ matrix.environment }}-${layer}`, environment: '${{ matrix.environment }}', runner: `\${{ matrix.${layer}Runner }}` });
      expect(jobs[job].if).toContain(`needs.environments.outputs.${stage} != '[]'`);
    }
  });

  test('each stack runs in its GitHub environment (reviewers gate staging and prod), one deploy at a time per stack', () => {
    expect(deployStack.jobs.deploy.environment).toBe('${{ inputs.environment }}');
    expect(deployStack.jobs.deploy.concurrency.group).toBe('terraform-${{ inputs.stack }}');
  });

  test('no secret in the workflows: OIDC federation through variables', () => {
    for (const file of ['pull-request.yml', 'deploy.yml', 'deploy-stack.yml']) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).not.toMatch(/secrets\.|ARM_CLIENT_SECRET|client-secret/);
    }
  });
});

describe('the environments command (what the workflows read)', () => {
  test('every stack of environments/ is planned; private platform stacks on runners inside the network', () => {
    const json = environmentsJson(loadEnvironments());
    expect(json.plan.map((p) => p.stack).sort()).toEqual([...stacks].sort());
    for (const entry of json.plan) {
      const env = loadEnvironments().find((e) => e.name === entry.environment)!;
      const inside = entry.stack.endsWith('-platform') && env.apiAccess.mode === 'private';
      expect(JSON.parse(entry.runner)).toEqual(inside ? ['self-hosted', `kubeflow-${env.name}`] : 'ubuntu-24.04');
    }
  });
});
