import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { PrometheusRuleGroup, gpuRuleGroups, poolPriceText } from '../constructs/observability/gpu-rules';
import { gpuDashboardFile } from '../constructs/observability/managed-grafana';
import { A100_NODE, BUSY_T4, IDLE_T4, INPUT_SERIES, RULES_FIXTURE, T4_NODE } from './fixtures/gpu-series';
import { ROOT } from '../scripts/render/tools';

/**
 * The alert and recording rules parse (`promtool check rules`) and do what they
 * say on recorded sample series (`promtool test rules`), and every query of the
 * GPU dashboard parses. promtool comes from the Go module proxy (`.ci/run`
 * installs it into .cache/bin); without it these tests are skipped with a
 * notice, except under CI.
 */
function promtool(): string | undefined {
  const candidates = [process.env.PROMTOOL_BIN, join(ROOT, '.cache', 'bin', 'promtool'), join(ROOT, '.cache', 'tools', 'promtool')];
  return candidates.find((c): c is string => c !== undefined && existsSync(c));
}

const PROMTOOL = promtool();
if (!PROMTOOL && process.env.CI) throw new Error('promtool is missing: .ci/run installs it (go install github.com/prometheus/prometheus/cmd/promtool)');
if (!PROMTOOL) console.warn('PROMTOOL TESTS SKIPPED: no promtool in PROMTOOL_BIN, .cache/bin or .cache/tools. Run bash .ci/run.');
const maybe = PROMTOOL ? describe : describe.skip;

/** The groups as a Prometheus rule file. */
export function ruleFile(groups: readonly PrometheusRuleGroup[]): string {
  return stringify({
    groups: groups.map((g) => ({
      name: g.name,
      interval: `${g.intervalMinutes}m`,
      rules: g.rules.map((r) => ({
        ...(r.record ? { record: r.record } : { alert: r.alert }),
        expr: r.expr,
        ...(r.forMinutes ? { for: `${r.forMinutes}m` } : {}),
        ...(r.labels ? { labels: r.labels } : {}),
        ...(r.annotations ? { annotations: r.annotations } : {}),
      })),
    })),
  });
}

function run(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL as string, args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const labelsOf = (selector: string): Record<string, string> => Object.fromEntries([...selector.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
const withoutExporter = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).filter(([k]) => !['pod', 'namespace', 'container', 'GPU_I_PROFILE'].includes(k)));

maybe('Prometheus rules (promtool)', () => {
  let dir: string;
  const groups = gpuRuleGroups(RULES_FIXTURE);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'rules.yml'), ruleFile(groups));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('promtool check rules accepts every group', () => {
    const result = run(['check', 'rules', 'rules.yml'], dir);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });

  test('a broken expression fails the check (the check can fail)', () => {
    const broken = groups.map((g) => ({ ...g, rules: g.rules.map((r, i) => (i === 0 ? { ...r, expr: `${r.expr} >` } : r)) }));
    writeFileSync(join(dir, 'broken.yml'), ruleFile(broken));
    expect(run(['check', 'rules', 'broken.yml'], dir).status).not.toBe(0);
  });

  test('promtool test rules: the alerts fire on the recorded series, and only there', () => {
    const idle = withoutExporter(labelsOf(IDLE_T4));
    const busy = withoutExporter(labelsOf(BUSY_T4));
    const cluster = { cluster: 'aks-fixture' };
    const t4 = RULES_FIXTURE.pools[0];
    const a100 = RULES_FIXTURE.pools[1];
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: INPUT_SERIES,
        promql_expr_test: [
          { expr: 'kubeflow:gpu_utilisation:ratio', eval_time: '5m', exp_samples: [
            { labels: `kubeflow:gpu_utilisation:ratio{cluster="aks-fixture", gpu="0", gpu_pool="t4spot", node="${T4_NODE}", exported_namespace="team-a", exported_pod="idle-nb-0"}`, value: 0 },
            { labels: `kubeflow:gpu_utilisation:ratio{cluster="aks-fixture", gpu="0", gpu_pool="t4spot", node="${busy.node}", exported_namespace="team-b", exported_pod="train-0"}`, value: 0.8 },
            { labels: `kubeflow:gpu_utilisation:ratio{cluster="aks-fixture", gpu="0", GPU_I_ID="1", gpu_pool="a100mig", node="${A100_NODE}"}`, value: 0 },
          ] },
          { expr: 'kubeflow:gpu_allocated:count', eval_time: '5m', exp_samples: [
            { labels: 'kubeflow:gpu_allocated:count{cluster="aks-fixture", gpu_pool="t4spot", exported_namespace="team-a"}', value: 1 },
            { labels: 'kubeflow:gpu_allocated:count{cluster="aks-fixture", gpu_pool="t4spot", exported_namespace="team-b"}', value: 1 },
          ] },
          { expr: 'kubeflow:gpu_pool_nodes:count', eval_time: '5m', exp_samples: [
            { labels: 'kubeflow:gpu_pool_nodes:count{cluster="aks-fixture", gpu_pool="t4spot"}', value: 2 },
            { labels: 'kubeflow:gpu_pool_nodes:count{cluster="aks-fixture", gpu_pool="a100mig"}', value: 1 },
          ] },
        ],
        alert_rule_test: [
          // Idle for 29 minutes: not yet.
          { eval_time: '29m', alertname: 'KubeflowGpuAllocatedIdle', exp_alerts: [] },
          { eval_time: '45m', alertname: 'KubeflowGpuAllocatedIdle', exp_alerts: [{
            exp_labels: { ...idle, ...cluster },
            exp_annotations: {
              summary: 'A GPU of pool t4spot is allocated but idle',
              description: `Pod team-a/idle-nb-0 holds GPU 0 on ${T4_NODE} (pool t4spot, Standard_NC4as_T4_v3, spot) at under 1 % utilisation for 30 minutes. The pool costs ${poolPriceText(t4)}. Stop the workload or release the GPU so the pool can scale down.`,
            },
          }] },
          { eval_time: '45m', alertname: 'KubeflowGpuMemoryNearFull', exp_alerts: [{
            exp_labels: { ...busy, ...cluster },
            exp_annotations: {
              summary: 'GPU memory is over 95 % used',
              description: `GPU 0 on ${busy.node} (pool t4spot) used by team-b/train-0 has had over 95 % of its memory in use for 15 minutes: out-of-memory errors are near.`,
            },
          }] },
          { eval_time: '5m', alertname: 'KubeflowGpuXidError', exp_alerts: [] },
          { eval_time: '15m', alertname: 'KubeflowGpuXidError', exp_alerts: [{
            exp_labels: { cluster: 'aks-fixture', gpu: '0', gpu_pool: 'a100mig', node: A100_NODE },
            exp_annotations: {
              summary: 'A GPU reported an XID error',
              description: `GPU 0 on ${A100_NODE} (pool a100mig) reported XID 79; workload /. See NVIDIA's XID catalogue; drain the node if it repeats.`,
            },
          }] },
          // a100mig runs 1 node of 1 for over an hour; t4spot runs 2 of 3.
          { eval_time: '59m', alertname: 'KubeflowGpuPoolAtMax', exp_alerts: [] },
          { eval_time: '70m', alertname: 'KubeflowGpuPoolAtMax', exp_alerts: [{
            exp_labels: { cluster: 'aks-fixture', gpu_pool: 'a100mig' },
            exp_annotations: {
              summary: 'GPU pool a100mig has run at its maximum (1 node) for 60 minutes',
              description: `Pool a100mig (Standard_NC24ads_A100_v4, MIG3g) has 1 nodes, its maxCount: new GPU pods wait, and every node costs ${poolPriceText(a100)}. Check for idle allocations, or raise maxCount in the environment file.`,
            },
          }] },
          // Culling idle time 60 minutes + 15 minutes margin.
          { eval_time: '70m', alertname: 'KubeflowNotebookCullingNotHappening', exp_alerts: [] },
          { eval_time: '80m', alertname: 'KubeflowNotebookCullingNotHappening', exp_alerts: [{
            exp_labels: { ...idle, ...cluster },
            exp_annotations: {
              summary: 'A GPU in a profile namespace stayed idle past the notebook culling time',
              description: `team-a/idle-nb-0 has held GPU 0 (pool t4spot) idle for 75 minutes, longer than the notebook culling time (60 minutes). If it is a notebook, culling is not happening: check the notebook controller's logs and the notebook's notebooks.kubeflow.org/last-activity annotation.`,
            },
          }] },
        ],
      }],
    };
    writeFileSync(join(dir, 'tests.yml'), stringify(tests));
    const result = run(['test', 'rules', 'tests.yml'], dir);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });

  test('every query of the GPU dashboard parses (each checked as a recording rule)', () => {
    const dashboard = JSON.parse(readFileSync(gpuDashboardFile(), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    // Grafana's variables, as Grafana substitutes them.
    const substituted = exprs.map((e) => e.replace(/\$__range/g, '1d').replace(/\$\w+/g, '.*'));
    writeFileSync(join(dir, 'dashboard.yml'), stringify({ groups: [{ name: 'dashboard', rules: substituted.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
    const result = run(['check', 'rules', 'dashboard.yml'], dir);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });
});
