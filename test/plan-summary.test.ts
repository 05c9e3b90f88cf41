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
        // The GPU driver moves from the GPU Operator to AKS: gpu_driver is ForceNew.
        actions: ['delete', 'create'],
        before: { name: 'a100', vm_size: 'Standard_NC24ads_A100_v4', gpu_driver: 'None', priority: 'Regular', max_count: 8, id: '/subscriptions/x/pool/a100' },
        after: { name: 'a100', vm_size: 'Standard_NC24ads_A100_v4', gpu_driver: 'Install', priority: 'Regular', max_count: 8 },
        after_unknown: { id: true },
        before_sensitive: {},
        after_sensitive: {},
        replace_paths: [['gpu_driver']],
      },
    },
    {
      // A bigger VM size: azurerm 4.x updates in place by rotating the pool.
      address: 'azurerm_kubernetes_cluster_node_pool.gpu-pool-h100_pool_8B84B8AA',
      mode: 'managed',
      type: 'azurerm_kubernetes_cluster_node_pool',
      change: {
        actions: ['update'],
        before: { name: 'h100', vm_size: 'Standard_NC40ads_H100_v5', temporary_name_for_rotation: 'h10085e2d' },
        after: { name: 'h100', vm_size: 'Standard_NC80adis_H100_v5', temporary_name_for_rotation: 'h10085e2d' },
        after_unknown: {}, before_sensitive: {}, after_sensitive: {},
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
    {
      address: 'helm_release.kserve_crds_release_2CCA7789',
      mode: 'managed',
      type: 'helm_release',
      change: { actions: ['delete'], before: { name: 'kserve-crd', namespace: 'kserve', values: ['{}'] }, after: null },
    },
    {
      // A plan's bundle values are the rendered manifests, with the keep annotation.
      address: 'helm_release.katib_bundle_crds_release_6FCBE5A4',
      mode: 'managed',
      type: 'helm_release',
      change: {
        actions: ['delete'],
        before: { name: 'katib-crds', namespace: 'kubeflow', values: [`manifests:\n- '{"kind":"CustomResourceDefinition","metadata":{"annotations":{"helm.sh/resource-policy":"keep"}}}'`] },
        after: null,
        before_sensitive: { values: [true] },
      },
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
      ['update', 'azurerm_kubernetes_cluster_node_pool'],
    ]);
    expect(platform.resources.map((r) => r.action)).toEqual(['create', 'update', 'delete', 'delete', 'delete']);
  });

  test('replacements carry the attributes the provider says force them', () => {
    expect(cluster.resources[0]).toMatchObject({ replacedBecause: ['gpu_driver'], attributes: ['gpu_driver', 'id'] });
    expect(cluster.resources[2]).toEqual({ address: cluster.resources[2].address, action: 'update', attributes: ['max_count'], replacedBecause: [] });
  });

  test('a VM size change is an update that rotates the pool; without a temporary pool name the apply would fail', () => {
    expect(cluster.resources[1]).toMatchObject({ action: 'update', rotatedBecause: ['vm_size'] });
    const unnamed = structuredClone(clusterPlan);
    delete (unnamed.resource_changes![1].change.after as Record<string, unknown>).temporary_name_for_rotation;
    expect(summarizePlan('prod-cluster', unnamed).warnings).toContainEqual(expect.stringMatching(/^The apply fails: `azurerm_kubernetes_cluster_node_pool\.gpu-pool-h100_pool_8B84B8AA` changes vm_size/));
  });

  test('destructive changes get ⚠️: a replaced pool, a deleted namespace, CRD releases (deleted or kept)', () => {
    expect(cluster.warnings).toEqual([expect.stringMatching(/^Replacing node pool `a100` \(`azurerm_kubernetes_cluster_node_pool\.gpu-pool-a100_pool_886575A9`\) destroys it first/)]);
    expect(platform.warnings).toEqual([
      'Deleting namespace `old`: everything in namespace old is deleted (workloads, volumes and their data, secrets, custom resources).',
      expect.stringMatching(/^Deleting release `kserve-crd` deletes its CRDs, and with them every InferenceService, /),
      expect.stringMatching(/^Deleting release `katib-crds` keeps its CRDs \(helm\.sh\/resource-policy: keep\): Experiment, Suggestion and Trial objects stay/),
    ]);
  });

  test('the markdown is the preview\'s format, flags the replacement and the rotation, and prints no value', () => {
    const markdown = renderMarkdown(summarizePlans([{ stack: 'prod-cluster', plan: clusterPlan }, { stack: 'prod-platform', plan: platformPlan }]));
    expect(markdown).toMatch(/\| `prod-cluster` ⚠️ \| 0 \| 2 \| \*\*1\*\* ⚠️ \| 0 \|/);
    expect(markdown).toContain('⚠️ **Replaces** `azurerm_kubernetes_cluster_node_pool.gpu-pool-a100_pool_886575A9`: `gpu_driver` force a new resource.');
    expect(markdown).toContain('🔁 **Rotates** `azurerm_kubernetes_cluster_node_pool.gpu-pool-h100_pool_8B84B8AA`: `vm_size` need new nodes');
    expect(markdown).toContain('- update `helm_release.katib_bundle_main_release_E20EA355`: metadata, values');
    expect(markdown).not.toContain(SECRET);
    expect(markdown).not.toContain('rotated');
    expect(markdown).not.toMatch(/Standard_NC|Install|resource-policy":"keep/);
  });

  test('--help', () => {
    const out = execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, '..', 'scripts', 'plan-summary.ts'), '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/^usage: plan-summary /);
  }, 30_000);

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
