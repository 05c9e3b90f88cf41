import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { loadEnvironments } from '../environments';
import { contains, parseAddressOrCidr } from '../environments/cidr';
import { HOSTED_RUNNER } from '../environments/delivery';
import { PLAN_ENVIRONMENT_PREFIX, STAGE_ORDER, environmentsJson, planEnvironment, planVariable } from '../scripts/environments';

interface Step { readonly uses?: string; readonly run?: string; readonly with?: Record<string, unknown>; readonly if?: string; readonly name?: string; readonly env?: Record<string, string> }
interface Job {
  readonly 'runs-on'?: unknown;
  readonly uses?: string;
  readonly environment?: unknown;
  readonly permissions?: Record<string, string> | string;
  readonly steps?: readonly Step[];
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly strategy?: { readonly matrix: { readonly include: string } };
  readonly with?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress'?: boolean };
  readonly outputs?: Record<string, string>;
}
interface Workflow { readonly on: unknown; readonly permissions?: Record<string, string> | string; readonly concurrency?: { readonly group: string }; readonly jobs: Record<string, Job> }

const dir = join(__dirname, '..', '.github', 'workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (file: string) => readFileSync(join(dir, file), 'utf8');
const load = (file: string) => parse(text(file)) as Workflow;
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((f) => [f, load(f)]));
const pr = workflows['pull-request.yml'];
const deploy = workflows['deploy.yml'];
const deployStack = workflows['deploy-stack.yml'];
const envs = loadEnvironments();
const json = environmentsJson(envs);
const BASE_SHA = '${{ github.event.pull_request.base.sha }}';
/** The environment of a pull request's plan job: the fixed prefix, then the matrix's environment (from the base branch). */
const PLAN_JOB_ENVIRONMENT = `${PLAN_ENVIRONMENT_PREFIX}\${{ matrix.environment }}`;

function triggers(workflow: Workflow): string[] {
  const on = workflow.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys(on as Record<string, unknown>);
}

/** Triggers whose runs carry a pull request's code or its author's choices. */
const PULL_REQUEST_TRIGGERS = ['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment', 'workflow_run', 'issue_comment'];
/** Triggers that run with the base repository's write token on a pull request's behalf: not used at all. */
const WRITE_CONTEXT_TRIGGERS = ['pull_request_target', 'workflow_run', 'issue_comment'];

const isExpression = (value: unknown) => typeof value === 'string' && value.includes('${{');
const checksOutBase = (step: Step) => !step.uses?.startsWith('actions/checkout@') || step.with?.ref === BASE_SHA;

/**
 * Every way a job triggered by a pull request could reach a write-capable
 * identity or an environment's own runner, as problems ([] when none). Follows
 * reusable workflows (`uses: ./.github/workflows/…`) with the caller's permissions.
 */
function pullRequestProblems(all: Readonly<Record<string, Workflow>>): string[] {
  const problems: string[] = [];
  for (const [file, workflow] of Object.entries(all)) {
    const on = triggers(workflow);
    for (const t of on.filter((x) => WRITE_CONTEXT_TRIGGERS.includes(x))) problems.push(`${file}: trigger ${t} runs with the base repository's token on a pull request's behalf`);
    if (!on.some((t) => PULL_REQUEST_TRIGGERS.includes(t))) continue;
    if (workflow.concurrency?.group.startsWith('terraform-')) problems.push(`${file}: shares the deploys' concurrency group`);
    for (const [id, job] of Object.entries(workflow.jobs)) checkJob(`${file} › ${id}`, job, job.permissions ?? workflow.permissions, all, problems);
  }
  return problems;
}

function checkJob(where: string, job: Job, permissions: Job['permissions'], all: Readonly<Record<string, Workflow>>, problems: string[]): void {
  const body = JSON.stringify(job);
  if (job.uses) {
    const called = /^\.\/\.github\/workflows\/(.+)$/.exec(job.uses);
    const workflow = called ? all[called[1]] : undefined;
    if (!workflow) { problems.push(`${where}: calls ${job.uses}, which this check cannot follow`); return; }
    for (const [id, inner] of Object.entries(workflow.jobs)) checkJob(`${where} → ${called![1]} › ${id}`, inner, permissions, all, problems);
    return;
  }
  const runsOn = job['runs-on'];
  if (typeof runsOn !== 'string' || isExpression(runsOn) || !/^ubuntu-(\d+\.\d+|latest)$/.test(runsOn)) {
    problems.push(`${where}: runs on ${JSON.stringify(runsOn)}, not a GitHub-hosted runner named in the workflow`);
  }
  // The one environment a pull request's job may name: its plan environment, the prefix written here (never a deploy environment).
  const environment = typeof job.environment === 'object' && job.environment !== null ? (job.environment as { name?: unknown }).name : job.environment;
  if (environment !== undefined && environment !== PLAN_JOB_ENVIRONMENT) problems.push(`${where}: runs in GitHub environment ${JSON.stringify(environment)} (a deploying identity), not its plan environment ${PLAN_JOB_ENVIRONMENT}`);
  if (/vars\.AZURE_CLIENT_ID\b|secrets\./.test(body)) problems.push(`${where}: reads the deploying identity's variable or a secret`);
  if (job.concurrency?.group.startsWith('terraform-')) problems.push(`${where}: shares the deploys' concurrency group`);
  if (typeof permissions !== 'object' || permissions === null) {
    problems.push(`${where}: no explicit permissions (the repository default may grant write)`);
    return;
  }
  const steps = job.steps ?? [];
  for (const [scope, level] of Object.entries(permissions)) {
    if (level !== 'write') continue;
    if (scope === 'id-token') {
      // Only the read-only plan identity of the environment, named by the base branch's matrix.
      if (job.env?.ARM_CLIENT_ID !== '${{ vars[matrix.clientIdVariable] }}') problems.push(`${where}: id-token write without the plan identity (ARM_CLIENT_ID ${JSON.stringify(job.env?.ARM_CLIENT_ID)})`);
      // Without its plan environment the token's subject is `pull_request`, which would have to be trusted by every plan identity.
      if (environment !== PLAN_JOB_ENVIRONMENT) problems.push(`${where}: id-token write outside its plan environment ${PLAN_JOB_ENVIRONMENT} (the subject would be pull_request, shared by every environment)`);
    } else if (scope === 'pull-requests') {
      // Only a job that runs none of the pull request's code.
      if (steps.some((s) => s.run !== undefined) || !steps.every(checksOutBase)) problems.push(`${where}: pull-requests write in a job that runs the pull request's code`);
    } else {
      problems.push(`${where}: ${scope}: write`);
    }
  }
  for (const step of steps) {
    const run = step.run ?? '';
    // Either engine: the workflows run OpenTofu, a fork may switch to Terraform.
    if (/\b(terraform|tofu)\b[^\n]*\b(apply|destroy|import|force-unlock|taint|untaint)\b|\b(terraform|tofu)\b[^\n]*\bstate\s/.test(run)) problems.push(`${where}: terraform writes (${run.split('\n').find((l) => /terraform|tofu/.test(l))?.trim()})`);
    for (const line of run.split('\n').filter((l) => /\b(terraform|tofu)\b.*\splan\s/.test(l))) {
      if (!line.includes('-lock=false')) problems.push(`${where}: terraform plan without -lock=false (the plan identity cannot take the state lock)`);
    }
  }
}

describe('pull requests plan with no power (issue 19)', () => {
  test('no job triggered by a pull request reaches a write-capable identity or an environment\'s own runner', () => {
    expect(pullRequestProblems(workflows)).toEqual([]);
  });

  test('the check catches each way in', () => {
    const plan = pr.jobs.plan;
    const broken = (jobs: Record<string, Job>, extra: Partial<Workflow> = {}) => pullRequestProblems({ ...workflows, 'pull-request.yml': { ...pr, ...extra, jobs: { ...pr.jobs, ...jobs } } });
    expect(broken({ plan: { ...plan, 'runs-on': '${{ fromJSON(matrix.runner) }}' } })).toEqual([expect.stringContaining('not a GitHub-hosted runner')]);
    expect(broken({ plan: { ...plan, 'runs-on': ['self-hosted', 'kubeflow-prod'] } })).toEqual([expect.stringContaining('not a GitHub-hosted runner')]);
    expect(broken({ plan: { ...plan, environment: 'prod' } })).toEqual([expect.stringContaining('GitHub environment "prod"'), expect.stringContaining('id-token write outside its plan environment')]);
    expect(broken({ plan: { ...plan, environment: '${{ matrix.environment }}' } })).toEqual(expect.arrayContaining([expect.stringContaining('(a deploying identity)')]));
    expect(broken({ plan: { ...plan, environment: { name: 'staging' } } })).toEqual(expect.arrayContaining([expect.stringContaining('GitHub environment "staging"')]));
    const { environment: _dropped, ...withoutEnvironment } = plan;
    expect(broken({ plan: withoutEnvironment })).toEqual([expect.stringContaining('id-token write outside its plan environment plan-${{ matrix.environment }}')]);
    expect(broken({ plan: { ...plan, env: { ...plan.env, ARM_CLIENT_ID: '${{ vars.AZURE_CLIENT_ID }}' } } })).toEqual(expect.arrayContaining([expect.stringContaining('deploying identity'), expect.stringContaining('id-token write without the plan identity')]));
    expect(broken({ plan: { ...plan, concurrency: { group: 'terraform-${{ matrix.stack }}' } } })).toEqual([expect.stringContaining('concurrency')]);
    expect(broken({ preview: { ...pr.jobs.preview, permissions: { contents: 'read', 'pull-requests': 'write' } } })).toEqual([expect.stringContaining('pull-requests write in a job that runs')]);
    expect(broken({ checks: { ...pr.jobs.checks, permissions: { contents: 'write' } } })).toEqual([expect.stringContaining('contents: write')]);
    expect(broken({}, { permissions: undefined })).toEqual(expect.arrayContaining([expect.stringContaining('checks: no explicit permissions')]));
    const steps = plan.steps!.map((s) => (s.run?.includes('plan -input=false') ? { ...s, run: s.run.replace(' -lock=false', '').concat('\ntofu apply plan.out\n') } : s));
    expect(broken({ plan: { ...plan, steps } })).toEqual(expect.arrayContaining([expect.stringContaining('terraform writes'), expect.stringContaining('without -lock=false')]));
    expect(broken({ deploy: { uses: './.github/workflows/deploy-stack.yml', with: { stack: 'prod-cluster', environment: 'prod', runner: '["self-hosted", "kubeflow-prod"]' } } })).toEqual(expect.arrayContaining([expect.stringContaining('deploy-stack.yml › deploy: runs on'), expect.stringContaining('GitHub environment')]));
    expect(pullRequestProblems({ ...workflows, 'evil.yml': { on: { pull_request_target: {} }, jobs: {} } })).toEqual([expect.stringContaining('pull_request_target')]);
  });

  test('the plans come from the base branch\'s environments/, on a runner named in the workflow', () => {
    const plan = pr.jobs.plan;
    const environments = pr.jobs.environments;
    expect(environments.steps!.find((s) => s.uses?.startsWith('actions/checkout@'))!.with!.ref).toBe(BASE_SHA);
    expect(environments.steps!.at(-1)!.run).toBe('npm run --silent environments -- --github-output "$GITHUB_OUTPUT"');
    expect(plan.strategy!.matrix.include).toBe('${{ fromJSON(needs.environments.outputs.plan) }}');
    expect(plan['runs-on']).toBe(HOSTED_RUNNER);
    expect(plan.env).toMatchObject({ ARM_CLIENT_ID: '${{ vars[matrix.clientIdVariable] }}', ARM_SUBSCRIPTION_ID: '${{ vars[matrix.subscriptionIdVariable] }}', REFRESH: '${{ matrix.refresh }}' });
    expect(plan.steps!.find((s) => s.run?.includes('tofu -chdir'))!.run).toContain('-refresh="$REFRESH"');
    expect(plan.if).toBe("vars.AZURE_TENANT_ID != '' && needs.environments.outputs.plan != '[]'");
  });

  test('the plan matrix: cluster stacks, no runner, each environment\'s own plan identity', () => {
    expect(json.plan.map((p) => p.stack).sort()).toEqual(envs.map((e) => `${e.name}-cluster`).sort());
    expect(json.unplanned.map((p) => p.stack).sort()).toEqual(envs.map((e) => `${e.name}-platform`).sort());
    for (const entry of json.plan) {
      const env = envs.find((e) => e.name === entry.environment)!;
      expect(Object.keys(entry).sort()).toEqual(['clientIdVariable', 'environment', 'refresh', 'refreshNote', 'stack', 'subscriptionIdVariable']);
      expect(entry.clientIdVariable).toBe(planVariable('CLIENT_ID', env.name));
      expect(entry.clientIdVariable).not.toBe('AZURE_CLIENT_ID');
      // A hosted runner cannot pass a firewalled Key Vault, and the plan identity may not read the MySQL administrator
      // password's secret: those plans do not refresh, and say why.
      expect(entry.refresh).toBe(env.security.diskEncryption !== 'customer-managed' && env.dataStores.mysql.kind !== 'azure');
      expect(entry.refreshNote === '').toBe(entry.refresh);
    }
    expect(new Set(json.plan.map((p) => p.clientIdVariable)).size).toBe(json.plan.length);
    // A fork with Azure MySQL and platform disk keys: no firewall, but the secret keeps its plan from refreshing.
    const dev = envs.find((e) => e.name === 'dev')!;
    const withMysql = { ...dev, dataStores: { ...dev.dataStores, mysql: envs.find((e) => e.name === 'prod')!.dataStores.mysql } };
    expect(environmentsJson([withMysql]).plan[0]).toMatchObject({ refresh: false, refreshNote: expect.stringContaining('MySQL administrator password') });
  });

  test('one OIDC subject per plan identity: each plan runs in its own plan environment, never a deploy environment', () => {
    const plan = pr.jobs.plan;
    expect(plan.environment).toBe(PLAN_JOB_ENVIRONMENT);
    // Each environment's plan subject is its own, and no plan environment is a deploy environment.
    const subjects = json.plan.map((p) => planEnvironment(p.environment));
    expect(new Set(subjects).size).toBe(json.plan.length);
    for (const subject of subjects) expect(envs.map((e) => e.name)).not.toContain(subject);
    expect(deployStack.jobs.deploy.environment).toBe('${{ inputs.environment }}');
    // An environment named like a plan environment is refused: its deploy environment would be another's plan environment.
    const dev = envs.find((e) => e.name === 'dev')!;
    expect(() => environmentsJson([dev, { ...dev, name: 'plan-dev' }])).toThrow(/environment "plan-dev": a name starting with "plan-" is taken by the pull requests' plan environments/);
    // The plan environment holds nothing: the plan identity's client id stays a repository variable, read through the matrix.
    expect(JSON.stringify(plan)).not.toMatch(/secrets\./);
  });

  test('the setup commands of docs/delivery.md give each identity its one subject, and nobody the pull_request subject', () => {
    const delivery = readFileSync(join(__dirname, '..', 'docs', 'delivery.md'), 'utf8');
    const credentials = [...delivery.matchAll(/az ad app federated-credential create --id "\$(\w+)" --parameters '([^']+)'/g)].map((m) => ({ app: m[1], subject: (JSON.parse(m[2]) as { subject: string }).subject }));
    expect(credentials).toEqual([
      { app: 'DEPLOY_APP', subject: 'repo:<org>/<repo>:environment:dev' },
      { app: 'PLAN_APP', subject: `repo:<org>/<repo>:environment:${planEnvironment('dev')}` },
    ]);
    expect(delivery).not.toMatch(/"subject":"[^"]*:pull_request"/);
  });

  test('the comments are written by jobs that run no code of the pull request, the preview\'s without waiting for the checks', () => {
    const writers = Object.entries(pr.jobs).filter(([, job]) => typeof job.permissions === 'object' && job.permissions['pull-requests'] === 'write');
    expect(writers.map(([id]) => id).sort()).toEqual(['comment-plans', 'comment-preview']);
    for (const [, job] of writers) {
      expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
      expect(job.steps!.every((s) => s.run === undefined && checksOutBase(s))).toBe(true);
      expect(job.steps!.at(-1)!.with!.script).toContain('upsertAll');
    }
    expect(pr.jobs['comment-preview'].needs).toBe('preview');
    expect(pr.jobs.preview.needs).toBeUndefined();
    expect(pr.jobs['comment-plans'].needs).toBe('plan');
    expect(pr.jobs.checks.steps!.map((s) => s.run ?? s.uses)).toContain('bash .ci/run');
  });

  test('pull requests never share the deploys\' concurrency group', () => {
    expect(pr.concurrency!.group).toBe('pull-request-${{ github.event.pull_request.number }}');
    expect(deployStack.jobs.deploy.concurrency!.group).toBe('terraform-${{ inputs.stack }}');
    for (const job of Object.values(pr.jobs)) expect(job.concurrency).toBeUndefined();
  });
});

describe('deploys run only from main', () => {
  const refCheck = (step: Step | undefined) => step?.run?.includes('if [ "$GITHUB_REF" != "refs/heads/main" ]') && step.run.includes('exit 1');

  test('triggers: pushes to main and manual runs; no pull request', () => {
    expect(deploy.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(triggers(deployStack)).toEqual(['workflow_call']);
  });

  test('the first job stops any other ref before anything else; the deploy job checks again', () => {
    expect(refCheck(deploy.jobs.environments.steps![0])).toBe(true);
    expect(deployStack.jobs.deploy.if).toBe("github.ref == 'refs/heads/main'");
    expect(refCheck(deployStack.jobs.deploy.steps![0])).toBe(true);
  });

  test('a deploying identity exists only in a job gated by its GitHub environment', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      for (const [id, job] of Object.entries(workflow.jobs)) {
        const permissions = job.permissions ?? workflow.permissions;
        const holdsToken = typeof permissions === 'object' && permissions?.['id-token'] === 'write';
        if (!holdsToken || job.uses) continue;
        if (file === 'pull-request.yml') expect(job.env?.ARM_CLIENT_ID).toBe('${{ vars[matrix.clientIdVariable] }}');
        else expect([`${file} › ${id}`, job.environment]).toEqual([`${file} › ${id}`, '${{ inputs.environment }}']);
      }
    }
    expect(deploy.jobs.environments.permissions).toBeUndefined();
    expect(deploy.permissions).toEqual({ contents: 'read' });
  });
});

describe('deploy workflow', () => {
  const jobs = deploy.jobs;

  test('by stage, dev then staging then prod, each stage cluster then platform, environments and runners from the command', () => {
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
      expect(jobs[job].uses).toBe('./.github/workflows/deploy-stack.yml');
      expect(jobs[job].with).toEqual({ stack: `\${{ matrix.environment }}-${layer}`, environment: '${{ matrix.environment }}', runner: `\${{ matrix.${layer}Runner }}` });
      expect(jobs[job].if).toContain(`needs.environments.outputs.${stage} != '[]'`);
    }
  });

  test('each stack runs in its GitHub environment (branch policy main; reviewers gate staging and prod), one deploy at a time per stack', () => {
    expect(deployStack.jobs.deploy.environment).toBe('${{ inputs.environment }}');
    expect(deployStack.jobs.deploy['runs-on']).toBe('${{ fromJSON(inputs.runner) }}');
    expect(deployStack.jobs.deploy.concurrency).toEqual({ group: 'terraform-${{ inputs.stack }}', 'cancel-in-progress': false });
  });

  test('no secret in the workflows: OIDC federation through variables', () => {
    for (const file of files) expect(text(file)).not.toMatch(/secrets\.|ARM_CLIENT_SECRET|client-secret/);
  });

  test('jobs that hold an Azure token restore no dependency cache', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      for (const job of Object.values(workflow.jobs)) {
        const permissions = job.permissions ?? workflow.permissions;
        if (file === 'pull-request.yml' && !(typeof permissions === 'object' && permissions?.['id-token'] === 'write')) continue;
        for (const step of job.steps ?? []) {
          if (step.uses?.startsWith('actions/setup-node@')) expect([file, step.with]).toEqual([file, expect.objectContaining({ 'package-manager-cache': false })]);
          expect(step.with?.cache).toBeUndefined();
        }
      }
    }
  });
});

describe('every action is pinned by commit', () => {
  const uses = files.flatMap((file) => text(file).split('\n').map((line, i) => ({ file, line: i + 1, text: line })).filter((l) => /^\s*(-\s+)?uses:/.test(l.text)));

  test('every `uses:` names a 40-character commit SHA, with its tag in a comment (Renovate keeps both current)', () => {
    expect(uses.length).toBeGreaterThan(10);
    const bad = uses.filter((u) => {
      const value = /uses:\s*(\S+)(.*)$/.exec(u.text)!;
      if (value[1].startsWith('./')) return false;
      return !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(value[1]) || !/^\s+# v\d+(\.\d+){0,2}$/.test(value[2]);
    });
    expect(bad).toEqual([]);
  });

  test('one version per action across the workflows', () => {
    const byAction = new Map<string, Set<string>>();
    for (const u of uses) {
      const [action, ref] = /uses:\s*(\S+)/.exec(u.text)![1].split('@');
      if (ref) byAction.set(action, (byAction.get(action) ?? new Set()).add(ref));
    }
    for (const [action, refs] of byAction) expect([action, refs.size]).toEqual([action, 1]);
  });

  test('Renovate pins action digests', () => {
    const renovate = JSON.parse(readFileSync(join(__dirname, '..', 'renovate.json'), 'utf8')) as { extends: string[] };
    expect(renovate.extends).toContain('helpers:pinGitHubActionDigests');
  });
});

describe('the deploy runners (environments/ → matrix → docs)', () => {
  test('a stack deploys on the environment\'s own runner exactly where a hosted one cannot reach', () => {
    for (const env of envs) {
      const entry = json.deploy[env.stage].find((d) => d.environment === env.name)!;
      const own = env.delivery.deployRunner.labels;
      expect(JSON.parse(entry.platformRunner)).toEqual(env.apiAccess.mode === 'private' ? own : HOSTED_RUNNER);
      expect(JSON.parse(entry.clusterRunner)).toEqual(env.security.diskEncryption === 'customer-managed' ? own : HOSTED_RUNNER);
      expect(own).not.toContain(HOSTED_RUNNER);
    }
  });

  test('the runner that deploys a cluster with a firewalled Key Vault gets through its firewall', () => {
    for (const entry of json.environments) {
      if (entry.keyVaultAllowedIpRanges === null) continue;
      const allowed = entry.keyVaultAllowedIpRanges.map((a) => parseAddressOrCidr(a)!);
      const runner = entry.deployRunner;
      const admitted = runner.egressIpRanges.length > 0 && runner.egressIpRanges.every((e) => allowed.some((a) => contains(a, parseAddressOrCidr(e)!)));
      expect([entry.name, runner.privateKeyVaultAccess || admitted]).toEqual([entry.name, true]);
    }
  });

  test('docs/delivery.md names every variable the workflows read, and no deploying identity trusts a pull request', () => {
    const doc = readFileSync(join(__dirname, '..', 'docs', 'delivery.md'), 'utf8');
    const read = new Set(files.flatMap((f) => [...text(f).matchAll(/vars\.([A-Z_]+)/g)].map((m) => m[1])));
    for (const name of [...read, 'AZURE_PLAN_CLIENT_ID_<ENV>', 'AZURE_PLAN_SUBSCRIPTION_ID_<ENV>']) expect(doc).toContain(name);
    expect(planVariable('CLIENT_ID', 'prod')).toBe('AZURE_PLAN_CLIENT_ID_PROD');
    const credentials = doc.split('\n').filter((l) => l.includes('federated-credential create'));
    expect(credentials.length).toBeGreaterThanOrEqual(2);
    // No identity at all trusts the pull_request subject: the plan identities trust their plan environments (test above).
    for (const line of credentials) expect([line, line.includes(':pull_request')]).toEqual([line, false]);
  });
});

describe('one engine, pinned in one place', () => {
  test('the workflows run the OpenTofu version CI builds and loads every stack with', () => {
    const pinned = /github\.com\/opentofu\/opentofu (v[\d.]+)/.exec(readFileSync(join(__dirname, '..', '.ci', 'opentofu', 'go.mod'), 'utf8'))![1];
    const setups = Object.values(workflows).flatMap((w) => Object.values(w.jobs)).flatMap((j) => j.steps ?? []).filter((s) => s.uses?.startsWith('opentofu/setup-opentofu@'));
    expect(setups.length).toBeGreaterThanOrEqual(2);
    for (const s of setups) expect(`v${s.with!.tofu_version}`).toBe(pinned);
    const all = Object.values(workflows).flatMap((w) => Object.values(w.jobs)).flatMap((j) => j.steps ?? []);
    expect(all.filter((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))).toEqual([]);
  });
});
