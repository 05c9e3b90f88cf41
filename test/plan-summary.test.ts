import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PlanJson, summarizePlan, summarizePlans } from '../scripts/plan-summary';
import { renderMarkdown } from '../scripts/preview/render';

/**
 * Plans in Terraform's JSON format (`terraform show -json`, format_version
 * 1.2), shaped like real plans of this project's stacks, with sensitive values
 * in them that must never come out.
 */
const SECRET = 'Sup3rS3cretValue-do-not-print';

const clusterPlan: PlanJson = {
  format_version: '1.2',
  resource_changes: [
    {
      address: 'azurerm_kubernetes_cluster_node_pool.gpu-pool-a100_pool_886575A9',
      mode: 'managed',
      type: 'azurerm_kubernetes_cluster_node_pool',
      change: {
        actions: ['delete', 'create'],
        before: { name: 'a100', vm_size: 'Standard_NC24ads_A100_v4', priority: 'Regular', max_count: 8, id: '/subscriptions/x/pool/a100' },
        after: { name: 'a100', vm_size: 'Standard_NC48ads_A100_v4', priority: 'Regular', max_count: 8 },
        after_unknown: { id: true },
        before_sensitive: {},
        after_sensitive: {},
        replace_paths: [['vm_size']],
      },
    },
    {
      address: 'azurerm_kubernetes_cluster_node_pool.cpu-pool_525AFD34',
      mode: 'managed',
      type: 'azurerm_kubernetes_cluster_node_pool',
      change: { actions: ['update'], before: { max_count: 10, min_count: 3 }, after: { max_count: 12, min_count: 3 }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
    },
    {
      address: 'azurerm_kubernetes_cluster.cluster_aks_AB606D92',
      mode: 'managed',
      type: 'azurerm_kubernetes_cluster',
      change: { actions: ['no-op'], before: { name: 'aks-kubeflow-prod' }, after: { name: 'aks-kubeflow-prod' } },
    },
    {
      address: 'data.azurerm_client_config.disk-encryption_client_1A2B3C4D',
      mode: 'data',
      type: 'azurerm_client_config',
      change: { actions: ['read'], before: null, after: {} },
    },
  ],
};

const platformPlan: PlanJson = {
  format_version: '1.2',
  resource_changes: [
    {
      address: 'random_password.katib_mysql-root-password_value_D6335DA3',
      mode: 'managed',
      type: 'random_password',
      change: { actions: ['create'], before: null, after: { length: 32, special: false }, after_unknown: { result: true, id: true }, after_sensitive: { result: true } },
    },
    {
      address: 'helm_release.katib_bundle_main_release_E20EA355',
      mode: 'managed',
      type: 'helm_release',
      change: {
        actions: ['update'],
        before: { name: 'katib', values: [`manifests: [password ${SECRET}]`], version: '1.0.0' },
        after: { name: 'katib', values: ['manifests: [password rotated]'], version: '1.0.0' },
        after_unknown: { metadata: true },
        before_sensitive: { values: [true] },
        after_sensitive: { values: [true] },
      },
    },
    {
      address: 'kubernetes_namespace_v1.profiles_namespace-old_1234ABCD',
      mode: 'managed',
      type: 'kubernetes_namespace_v1',
      change: { actions: ['delete'], before: { metadata: [{ name: 'old' }] }, after: null },
    },
  ],
};

describe('plan summary', () => {
  const cluster = summarizePlan('prod-cluster', clusterPlan);
  const platform = summarizePlan('prod-platform', platformPlan);

  test('actions per resource; no-op and data reads are left out', () => {
    expect(cluster.resources.map((r) => [r.action, r.address.split('.')[0]])).toEqual([
      ['replace', 'azurerm_kubernetes_cluster_node_pool'],
      ['update', 'azurerm_kubernetes_cluster_node_pool'],
    ]);
    expect(platform.resources.map((r) => r.action)).toEqual(['create', 'update', 'delete']);
  });

  test('replacements carry the attributes the provider says force them', () => {
    expect(cluster.resources[0]).toMatchObject({ replacedBecause: ['vm_size'], attributes: ['vm_size', 'id'] });
    expect(cluster.resources[1]).toMatchObject({ attributes: ['max_count'], replacedBecause: [] });
  });

  test('the markdown is the preview\'s format, flags the replacement and prints no value', () => {
    const markdown = renderMarkdown(summarizePlans([{ stack: 'prod-cluster', plan: clusterPlan }, { stack: 'prod-platform', plan: platformPlan }]));
    expect(markdown).toMatch(/\| `prod-cluster` \| 0 \| 1 \| \*\*1\*\* ⚠️ \| 0 \|/);
    expect(markdown).toContain('⚠️ **Replaces** `azurerm_kubernetes_cluster_node_pool.gpu-pool-a100_pool_886575A9`: `vm_size` force a new resource.');
    expect(markdown).toContain('- update `helm_release.katib_bundle_main_release_E20EA355`: metadata, values');
    expect(markdown).not.toContain(SECRET);
    expect(markdown).not.toContain('rotated');
    expect(markdown).not.toContain('Standard_NC48ads_A100_v4');
  });

  test('a plan in an unknown format is refused', () => {
    expect(() => summarizePlan('x', { format_version: '0.1' })).toThrow(/unsupported plan format_version 0\.1/);
  });

  test('the command reads plan files and writes markdown with a per-stack marker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plans-'));
    writeFileSync(join(dir, 'prod-cluster.plan.json'), JSON.stringify(clusterPlan));
    const out = execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, '..', 'scripts', 'plan-summary.ts'), join(dir, 'prod-cluster.plan.json'), '--marker', 'kubeflow-aks-plan:prod-cluster'], { encoding: 'utf8' });
    expect(out.startsWith('<!-- kubeflow-aks-plan:prod-cluster -->')).toBe(true);
    expect(out).toContain('`prod-cluster`');
  }, 30_000);
});
