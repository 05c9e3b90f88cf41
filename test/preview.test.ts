import { lockedDigest } from '../constructs/lib/upstream';
import { ARGO_WORKFLOWS, KUBEFLOW_DISTRIBUTION, KUBEFLOW_PIPELINES, treeFile } from '../catalog/versions';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdktf';
import { EnvironmentConfig, resolveEnvironment } from '../environments';
import { dev } from './fixtures/environments';
import { VM_SIZES } from '../catalog/vm-sizes';
import { costEnvelope } from '../scripts/preview/cost';
import { summarize } from '../scripts/preview/diff';
import { PRICES } from '../catalog/prices';
import { COMMENT_MARKER, renderMarkdown, renderText } from '../scripts/preview/render';
import { forcesReplacement, rotatesPool } from '../scripts/preview/replacement';
import { StackJson, loadSynthesized } from '../scripts/preview/synthesized';
import { parseArgs, runPreview } from '../scripts/preview';
import { addEnvironment } from '../stacks/app';

/** Synthesizes environments into a fresh cdktf.out folder: the fixtures of these tests. */
function synthesizeFixture(configs: EnvironmentConfig[]): string {
  const outdir = mkdtempSync(join(tmpdir(), 'preview-fixture-'));
  const app = new App({ outdir, skipValidation: true });
  for (const config of configs) addEnvironment(app, resolveEnvironment(config));
  app.synth();
  return outdir;
}

/** Edits one synthesized stack in place, as a version bump in the catalog would. */
function editStack(outdir: string, stack: string, edit: (json: Record<string, any>) => void): void {
  const file = join(outdir, 'stacks', stack, 'cdk.tf.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}

function findByName(json: Record<string, any>, type: string, name: string): Record<string, any> {
  const found = Object.values(json.resource[type] as Record<string, Record<string, any>>).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
}

// A second spot T4 pool with a price cap, to change the cap below.
const base: EnvironmentConfig = { ...dev, gpuPools: [...dev.gpuPools!, { name: 't4cap', vmSize: 'Standard_NC4as_T4_v3', maxCount: 1, spot: true, spotMaxPriceUsd: 0.2 }] };
const before = synthesizeFixture([base]);
const changed: EnvironmentConfig = {
  ...base,
  gpuPools: [
    // A bigger T4 size: azurerm 4.x rotates the pool (temporary_name_for_rotation), the resource stays.
    { ...base.gpuPools![0], vmSize: 'Standard_NC8as_T4_v3' },
    // A new spot price cap: forces a new pool.
    { ...base.gpuPools![1], spotMaxPriceUsd: 0.3 },
    { name: 'a100spot', vmSize: 'Standard_NC24ads_A100_v4', maxCount: 1, spot: true },
  ],
  cpuPool: { ...dev.cpuPool, maxCount: 5 },
  platform: { values: { certManager: { replicaCount: 3 } }, components: { kserve: false, pipelines: false } },
  profiles: [],
};
const after = synthesizeFixture([changed]);
editStack(after, 'dev-platform', (json) => {
  const trainer = findByName(json, 'helm_release', 'kubeflow-trainer');
  trainer.chart = trainer.chart.replace('kubeflow-trainer-2.2.1.tgz', 'kubeflow-trainer-2.3.0.tgz');
  const overlay = Object.values(json.data.kustomization_overlay as Record<string, Record<string, any>>).find((o) => o.resources[0].includes('katib'))!;
  // A new distribution release: another locked tarball checksum.
  overlay.lifecycle = JSON.parse(JSON.stringify(overlay.lifecycle).replace(/[0-9a-f]{64}/, 'a'.repeat(64)));
  overlay.patches.push({ patch: '{"kind":"Deployment"}', target: { kind: 'Deployment', name: 'katib-ui' } });
});

const summary = summarize(loadSynthesized(before), loadSynthesized(after), 'Preview: fixture');
const cluster = summary.stacks.find((s) => s.stack === 'dev-cluster')!;
const platform = summary.stacks.find((s) => s.stack === 'dev-platform')!;

describe('offline preview: resources', () => {
  test('a new pool is added', () => {
    expect(cluster.resources).toContainEqual(expect.objectContaining({ action: 'create', address: expect.stringContaining('gpu-pool-a100spot') }));
  });

  test('a pool whose VM size changes is rotated in place, not replaced, and the preview says why', () => {
    const pool = cluster.resources.find((r) => r.address.includes('gpu-pool-t4spot'))!;
    expect(pool).toMatchObject({ action: 'update', replacedBecause: [], rotatedBecause: ['vm_size'] });
  });

  test('a pool whose spot price cap changes is replaced, and the preview says why', () => {
    const pool = cluster.resources.find((r) => r.address.includes('gpu-pool-t4cap'))!;
    expect(pool).toMatchObject({ action: 'replace', replacedBecause: ['spot_max_price'] });
  });

  test('a change Azure applies in place is an update', () => {
    const cpu = cluster.resources.find((r) => r.address.includes('cpu-pool'))!;
    expect(cpu).toEqual({ address: cpu.address, action: 'update', attributes: ['max_count'], replacedBecause: [] });
  });

  test('removed components are deletions', () => {
    const deleted = platform.resources.filter((r) => r.action === 'delete').map((r) => r.address);
    expect(deleted).toEqual(expect.arrayContaining([expect.stringContaining('kserve_crds'), expect.stringContaining('kserve_resources'), expect.stringContaining('pipelines_bundle_crds')]));
  });

  test('nothing else is reported for stacks that did not change', () => {
    const same = summarize(loadSynthesized(before), loadSynthesized(before), 'same');
    expect(same.stacks.every((s) => s.resources.length === 0 && s.values.length === 0 && s.versions.length === 0 && s.warnings === undefined)).toBe(true);
    expect(same.warnings).toBeUndefined();
    expect(renderMarkdown(same)).toContain('No changes.');
  });
});

describe('offline preview: destructive changes', () => {
  test('a deleted CRD release whose CRDs Helm deletes names the kinds whose objects go with them', () => {
    expect(platform.warnings).toContainEqual(expect.stringMatching(/^Deleting release `kserve-crd` deletes its CRDs, and with them every InferenceService, .* object in the cluster\.$/));
  });

  test('a deleted bundle CRD release keeps its CRDs (resource-policy keep) and says so', () => {
    expect(platform.warnings).toContainEqual(expect.stringMatching(/^Deleting release `pipelines-crds` keeps its CRDs \(helm\.sh\/resource-policy: keep\): Workflow, .*ScheduledWorkflow.* objects stay, but the CRDs are left outside Helm \(orphaned\)/));
  });

  test('a deleted profile namespace: everything in it is deleted', () => {
    expect(platform.warnings).toContainEqual(expect.stringContaining('Deleting namespace `ml-team`: everything in namespace ml-team is deleted'));
  });

  test('a replaced node pool is a stateful resource: named, with what goes', () => {
    expect(cluster.warnings).toEqual([expect.stringMatching(/^Replacing node pool `t4cap` \(`azurerm_kubernetes_cluster_node_pool\.gpu-pool-t4cap[^`]*`\) destroys it first: its nodes go, and the pods on them are evicted\.$/)]);
  });

  test('releases without CRDs and in-place changes raise nothing', () => {
    const all = [...(platform.warnings ?? []), ...(cluster.warnings ?? [])].join('\n');
    expect(all).not.toMatch(/kserve`|`pipelines`|cert-manager|t4spot|cpu-pool/);
  });
});

describe('offline preview: versions, values, patches', () => {
  test('chart version changes', () => {
    expect(platform.versions).toContainEqual({ subject: 'release kubeflow-trainer', from: 'kubeflow-trainer-2.2.1', to: 'kubeflow-trainer-2.3.0' });
  });

  test('upstream release pins of kustomize components', () => {
    const katib = platform.versions.find((v) => v.subject.includes('katib'))!;
    expect(katib.from).toMatch(/^community-distribution\/applications\/katib\//);
    expect(katib.from).toContain(`(tree digest ${lockedDigest(treeFile(KUBEFLOW_DISTRIBUTION)).slice(0, 12)})`);
    expect(katib.to).toContain('(tree digest aaaaaaaaaaaa)');
  });

  test('an overlay reading two trees (Pipelines and the Argo tree it references) shows a bump of either', () => {
    const argoBump = synthesizeFixture([base]);
    editStack(argoBump, 'dev-platform', (json) => {
      const overlay = Object.values(json.data.kustomization_overlay as Record<string, Record<string, any>>).find((o) => o.resources[0].includes(KUBEFLOW_PIPELINES.name))!;
      overlay.lifecycle = JSON.parse(JSON.stringify(overlay.lifecycle).replace(lockedDigest(treeFile(ARGO_WORKFLOWS)), 'b'.repeat(64)));
    });
    const stack = summarize(loadSynthesized(before), loadSynthesized(argoBump), 'argo').stacks.find((s) => s.stack === 'dev-platform')!;
    const kfp = lockedDigest(treeFile(KUBEFLOW_PIPELINES)).slice(0, 12);
    expect(stack.versions).toEqual([expect.objectContaining({ subject: expect.stringContaining('pipelines') })]);
    expect(stack.versions[0].from).toContain(`(tree digest ${kfp}, ${lockedDigest(treeFile(ARGO_WORKFLOWS)).slice(0, 12)})`);
    expect(stack.versions[0].to).toContain(`(tree digest ${kfp}, bbbbbbbbbbbb)`);
  });

  test('values changes name the keys', () => {
    expect(platform.values).toContainEqual({ release: 'cert-manager', keys: ['replicaCount'] });
  });

  test('patch changes of kustomize components', () => {
    expect(platform.patches).toContainEqual({ overlay: expect.stringContaining('katib'), added: 1, removed: 0 });
  });
});

describe('cost envelope', () => {
  const westeurope = PRICES.regions.westeurope;
  const p = (size: string, spot = false) => (spot ? westeurope.vms[size].spot : westeurope.vms[size].payg);
  const round = (n: number) => Math.round(n * 100) / 100;

  test('idle and full-scale hourly cost at the prices of the cluster\'s region', () => {
    // dev: Free tier; system D2ds_v5 1..2; platform D4ds_v5 1..3; t4spot spot 0..2; t4cap spot 0..1.
    expect(cluster.cost!.before).toEqual({
      region: 'westeurope',
      idleUsdPerHour: round(p('Standard_D2ds_v5') + p('Standard_D4ds_v5')),
      fullUsdPerHour: round(2 * p('Standard_D2ds_v5') + 3 * p('Standard_D4ds_v5') + 3 * p('Standard_NC4as_T4_v3', true)),
    });
    // GPU pools at zero: the bigger GPU sizes do not change the idle cost.
    expect(cluster.cost!.after!.idleUsdPerHour).toBe(cluster.cost!.before!.idleUsdPerHour);
    expect(cluster.cost!.after!.fullUsdPerHour).toBeGreaterThan(cluster.cost!.before!.fullUsdPerHour!);
  });

  test('control-plane tier is counted', () => {
    const json = loadSynthesized(before)['dev-cluster'] as StackJson & { resource: Record<string, Record<string, Record<string, unknown>>> };
    const standard = JSON.parse(JSON.stringify(json));
    for (const c of Object.values(standard.resource.azurerm_kubernetes_cluster) as Record<string, unknown>[]) c.sku_tier = 'Standard';
    expect(costEnvelope(standard)!.envelope.idleUsdPerHour).toBeCloseTo(costEnvelope(json)!.envelope.idleUsdPerHour! + westeurope.controlPlane.Standard, 2);
  });

  test('every VM size of the catalogue has a westeurope price, and the table says when and from where', () => {
    for (const size of Object.keys(VM_SIZES)) expect(westeurope.vms[size]).toBeDefined();
    expect(westeurope.recorded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(westeurope.source).toContain('Azure');
    expect(PRICES.currency).toBe('USD');
  });
});

describe('rendering', () => {
  const markdown = renderMarkdown(summary);
  const text = renderText(summary);

  test('markdown carries the comment marker, a table per stack, the replacement and rotation lines and the warnings', () => {
    expect(markdown.startsWith(COMMENT_MARKER)).toBe(true);
    // 4 updates: the two pools, the placeholder guard, and the GPU alert rules (derived from the pools).
    expect(markdown).toMatch(/\| `dev-cluster` ⚠️ \| 1 \| 4 \| \*\*1\*\* ⚠️ \| 0 \|/);
    expect(markdown).toMatch(/⚠️ \*\*Replaces\*\* `azurerm_kubernetes_cluster_node_pool\.gpu-pool-t4cap[^`]*`: `spot_max_price` force a new resource/);
    expect(markdown).toMatch(/🔁 \*\*Rotates\*\* `azurerm_kubernetes_cluster_node_pool\.gpu-pool-t4spot[^`]*`: `vm_size` need new nodes/);
    expect(markdown).toContain('> ⚠️ Deleting release `kserve-crd` deletes its CRDs');
    expect(markdown).toMatch(/Prices: westeurope recorded \d{4}-\d{2}-\d{2} \(/);
  });

  test('plain text for terminals says the same', () => {
    expect(text).toMatch(/dev-cluster: 1 create, 4 update, 1 replace, 0 delete/);
    expect(text).toMatch(/! REPLACES azurerm_kubernetes_cluster_node_pool\.gpu-pool-t4cap\S* \(spot_max_price\)/);
    expect(text).toMatch(/~ ROTATES azurerm_kubernetes_cluster_node_pool\.gpu-pool-t4spot\S* \(vm_size\)/);
    expect(text).toContain('! WARNING Deleting namespace `ml-team`');
    expect(text).not.toContain('|');
  });

  test('values are never printed, only their keys', () => {
    expect(markdown).not.toMatch(/replicaCount.{0,3}3/);
  });
});

describe('replacement and rotation tables (every entry: test/preview-truth.test.ts)', () => {
  test.each([
    ['azurerm_kubernetes_cluster_node_pool', 'vm_size', false, true],
    ['azurerm_kubernetes_cluster_node_pool', 'gpu_driver', true, false],
    ['azurerm_kubernetes_cluster_node_pool', 'priority', true, false],
    ['azurerm_kubernetes_cluster_node_pool', 'max_count', false, false],
    ['azurerm_kubernetes_cluster', 'network_profile.0.pod_cidr', true, false],
    ['azurerm_kubernetes_cluster', 'default_node_pool.0.vm_size', false, true],
    ['azurerm_kubernetes_cluster', 'sku_tier', false, false],
    ['kubernetes_namespace_v1', 'metadata.0.name', true, false],
    ['random_password', 'length', true, false],
  ])('%s.%s: replaces %s, rotates %s', (type, path, replaces, rotates) => {
    expect(forcesReplacement(type, path)).toBe(replaces);
    expect(rotatesPool(type, path)).toBe(rotates);
  });
});

describe('command line', () => {
  test('folders or revisions, not both; clear errors', () => {
    expect(parseArgs(['--before', 'a', '--after', 'b'])).toMatchObject({ before: 'a', after: 'b', format: 'text' });
    expect(() => parseArgs(['--before', 'a'])).toThrow(/--before and --after go together/);
    expect(() => parseArgs(['--before', 'a', '--after', 'b', '--base', 'main'])).toThrow(/not both/);
    expect(() => parseArgs(['--base', 'main', '--format', 'html'])).toThrow(/"markdown" or "text", got "html"/);
    expect(() => parseArgs(['--colour', 'x'])).toThrow(/unknown option --colour/);
    expect(() => parseArgs([])).toThrow(/usage/);
  });

  test('two folders', async () => {
    const out = await runPreview({ before, after, format: 'markdown' });
    expect(out).toContain('## Preview:');
    expect(out).toContain('`kubeflow-trainer-2.2.1` → `kubeflow-trainer-2.3.0`');
  });

  test('a missing folder is named', async () => {
    await expect(runPreview({ before: '/nonexistent/out', after, format: 'text' })).rejects.toThrow(/\/nonexistent\/out has no stacks\/ folder/);
  });

  test('between two git revisions of this repository (the same one: no changes)', async () => {
    const out = await runPreview({ base: 'HEAD', head: 'HEAD', format: 'text' });
    expect(out).toMatch(/dev-cluster: no changes/);
    expect(out).toMatch(/prod-platform: no changes/);
  }, 60_000);
});
