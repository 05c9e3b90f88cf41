import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { loadEnvironments } from '../environments';

const dir = join(__dirname, '..', '.github', 'workflows');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Record<string, any>;
const pr = load('pull-request.yml');
const deploy = load('deploy.yml');
const deployStack = load('deploy-stack.yml');
const stacks = loadEnvironments().flatMap((e) => [`${e.name}-cluster`, `${e.name}-platform`]);

describe('pull-request workflow', () => {
  test('tests, synth and checkov through .ci/run, then the preview posted as one updated comment', () => {
    const steps = pr.jobs.checks.steps.map((s: Record<string, string>) => s.run ?? s.uses);
    expect(steps).toContain('bash .ci/run');
    expect(steps.find((s: string) => s.includes('npm run preview'))).toContain('--format markdown');
    expect(pr.jobs.checks.steps.at(-1).with.script).toContain('upsert-comment.js');
  });

  test('a plan per stack in a matrix, only with Azure credentials, one at a time per stack', () => {
    const plan = pr.jobs.plan;
    expect(plan.strategy.matrix.include.map((m: { stack: string }) => m.stack).sort()).toEqual([...stacks].sort());
    expect(plan.if).toBe("vars.AZURE_CLIENT_ID != ''");
    expect(plan.concurrency).toEqual({ group: 'terraform-${{ matrix.stack }}', 'cancel-in-progress': false });
    expect(plan.permissions['id-token']).toBe('write');
    expect(plan.steps.map((s: Record<string, string>) => s.uses).filter(Boolean)).toContain('azure/login@v2');
  });

  test('private environments plan their platform stack on runners inside the network', () => {
    const envs = loadEnvironments();
    for (const entry of pr.jobs.plan.strategy.matrix.include as { stack: string; runner: string }[]) {
      const env = envs.find((e) => entry.stack.startsWith(`${e.name}-`))!;
      const needsInside = entry.stack.endsWith('-platform') && env.apiAccess.mode === 'private';
      expect(JSON.parse(entry.runner)).toEqual(needsInside ? ['self-hosted', `kubeflow-${env.name}`] : 'ubuntu-24.04');
    }
  });
});

describe('deploy workflow', () => {
  const jobs = deploy.jobs as Record<string, { needs?: string; with: { stack: string; environment: string } }>;

  test('deploys every stack, platform after cluster, dev then staging then prod', () => {
    const order: string[] = [];
    let current = Object.keys(jobs).find((j) => !jobs[j].needs);
    while (current) {
      order.push(jobs[current].with.stack);
      const next: string | undefined = Object.keys(jobs).find((j) => jobs[j].needs === current);
      current = next;
    }
    expect(order).toEqual(['dev-cluster', 'dev-platform', 'staging-cluster', 'staging-platform', 'prod-cluster', 'prod-platform']);
  });

  test('each stack runs in its GitHub environment (reviewers gate staging and prod)', () => {
    for (const job of Object.values(jobs)) expect(job.with.environment).toBe(job.with.stack.split('-')[0]);
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
