import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { execFileSync } from 'child_process';
import { tmpdir } from 'os';
import { join } from 'path';
import { lockedArtifacts } from '../constructs/lib/upstream';
import { ARGO_WORKFLOWS, CHARTS, KUBEFLOW_DISTRIBUTION, KUBEFLOW_PIPELINES, MODELS_WEB_APP, MODELS_WEB_APP_PATHS, TREES, chartFile, treeFile } from '../catalog/versions';
import { checkCache, fetchCommands, localizePipelines, pinnedArtifacts, prepare, remoteReferences, rewriteArgoReferences, verifyCache } from '../scripts/upstream';
import { ENVIRONMENTS } from '../environments';
import { synthPlatform } from './helpers';
import { upstreamCache } from '../scripts/render/tools';

/**
 * The upstream cache: every pin has a locked checksum, a tampered or missing
 * artifact is refused, Pipelines' remote Argo references become local paths
 * (and a tree that keeps one is refused), and `fetch` asks the real registries
 * for exactly the pins.
 */
describe('upstream.lock.json and the version catalog', () => {
  test('every pinned chart and tree has a locked sha256, and the lock holds nothing else', () => {
    const pinned = pinnedArtifacts().map((a) => a.file).sort();
    expect(Object.keys(lockedArtifacts()).sort()).toEqual(pinned);
    for (const entry of Object.values(lockedArtifacts())) expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('chart packages are named as helm pull names them; trees by name and version', () => {
    expect(chartFile(CHARTS.istiod)).toBe(`charts/istiod-${CHARTS.istiod.version}.tgz`);
    expect(treeFile(KUBEFLOW_DISTRIBUTION)).toBe(`trees/community-distribution-${KUBEFLOW_DISTRIBUTION.version}.tar.gz`);
    expect(KUBEFLOW_DISTRIBUTION.ref.startsWith(KUBEFLOW_DISTRIBUTION.version)).toBe(true);
  });
});

describe('verify', () => {
  const lock = { comment: '', artifacts: Object.fromEntries(pinnedArtifacts().map((a) => [a.file, { sha256: 'f'.repeat(64), source: a.source }])) };

  test('names each missing artifact and the command that fills the cache', () => {
    const empty = mkdtempSync(join(tmpdir(), 'upstream-'));
    const problems = verifyCache(empty, lock);
    expect(problems).toHaveLength(pinnedArtifacts().length);
    expect(problems[0]).toMatch(/missing from .*npm run upstream -- fetch/);
  });

  test('refuses an artifact whose checksum differs from the lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'upstream-'));
    mkdirSync(join(dir, 'charts'));
    const file = chartFile(CHARTS.istiod);
    writeFileSync(join(dir, file), 'tampered');
    expect(verifyCache(dir, lock)).toContainEqual(expect.stringMatching(new RegExp(`^${file}: sha256 [0-9a-f]{64} does not match the lock`)));
  });

  test('refuses a pin the lock does not know', () => {
    const { [chartFile(CHARTS.istiod)]: _dropped, ...rest } = lock.artifacts;
    expect(verifyCache(mkdtempSync(join(tmpdir(), 'upstream-')), { comment: '', artifacts: rest })).toContainEqual(expect.stringContaining(`${chartFile(CHARTS.istiod)}: pinned in catalog/versions.ts but not in upstream.lock.json`));
  });

  const cache = upstreamCache();
  (cache ? test : test.skip)('the shared cache matches the lock', () => {
    expect(verifyCache(cache!)).toEqual([]);
  });
});

describe('prepare', () => {
  const from = '/w/trees/kubeflow-pipelines/manifests/kustomize/third-party/argo/base';

  test('KFP\'s Argo Workflows references (the ref it names, query included) become relative paths into the local copy', () => {
    expect(ARGO_WORKFLOWS.referencedAs).not.toBe(ARGO_WORKFLOWS.ref);
    const text = `resources:\n- ${ARGO_WORKFLOWS.repository}/manifests/base/workflow-controller?ref=${ARGO_WORKFLOWS.referencedAs}&timeout=60s\n- ${ARGO_WORKFLOWS.repository}/manifests/base/crds/minimal?ref=${ARGO_WORKFLOWS.referencedAs}\n- ../other\n`;
    const out = rewriteArgoReferences(text, from, '/w/trees/argo-workflows');
    expect(out).toBe('resources:\n- ../../../../../../argo-workflows/manifests/base/workflow-controller\n- ../../../../../../argo-workflows/manifests/base/crds/minimal\n- ../other\n');
    expect(remoteReferences(out)).toEqual([]);
  });

  test('another ref of Argo is left alone, and prepare refuses a tree that keeps it', () => {
    for (const ref of ['v9.9.9', `${ARGO_WORKFLOWS.referencedAs}0`, `${ARGO_WORKFLOWS.referencedAs}-rc1`]) {
      const text = `- ${ARGO_WORKFLOWS.repository}/manifests/base/crds/minimal?ref=${ref}`;
      expect(rewriteArgoReferences(text, '/a', '/b')).toBe(text);
      expect(remoteReferences(text)).toEqual([`${ARGO_WORKFLOWS.repository}/manifests/base/crds/minimal?ref=${ref}`]);
    }
  });

  test('a Pipelines tree that still loads something remotely is refused, naming the file and the setting to change', () => {
    const kfp = mkdtempSync(join(tmpdir(), 'kfp-'));
    const dir = join(kfp, 'manifests/kustomize/third-party/argo/installs/cluster');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kustomization.yaml'), `resources:\n- ${ARGO_WORKFLOWS.repository}/manifests/base/crds/minimal?ref=${ARGO_WORKFLOWS.referencedAs}\n- https://github.com/argoproj/argo-workflows/manifests/cluster-install-no-crds/workflow-controller-rbac?ref=v4.0.8\n`);
    expect(() => localizePipelines(kfp, '/w/trees/argo-workflows')).toThrow(/still loads remote resources .*\n  manifests\/kustomize\/third-party\/argo\/installs\/cluster\/kustomization.yaml: https:\/\/github.com\/argoproj\/argo-workflows\/manifests\/cluster-install-no-crds\/workflow-controller-rbac\?ref=v4.0.8\nSet ARGO_WORKFLOWS.referencedAs in catalog\/versions.ts/s);
  });

  const cache = upstreamCache();
  (cache ? test : test.skip)('a prepared work folder needs no network: no remote reference is left in the Pipelines tree', () => {
    const work = join(__dirname, '..', '.cache', 'upstream-work', 'trees', KUBEFLOW_PIPELINES.name);
    if (!existsSync(join(work, '.upstream-verified'))) return;
    const argoBase = readFileSync(join(work, 'manifests/kustomize/third-party/argo/base/kustomization.yaml'), 'utf8');
    expect(argoBase).toContain('- ../../../../../../argo-workflows/manifests/base/workflow-controller\n');
    const files: string[] = [];
    const walk = (dir: string) => { for (const e of readdirSync(dir, { withFileTypes: true })) { if (e.isDirectory()) walk(join(dir, e.name)); else if (e.name === 'kustomization.yaml') files.push(join(dir, e.name)); } };
    walk(work);
    expect(files.flatMap((f) => remoteReferences(readFileSync(f, 'utf8')))).toEqual([]);
  });

  (cache ? test : test.skip)('a tree used as it is (the models web app) is unpacked and marked with its locked content digest', () => {
    const { work } = prepare(cache!);
    const dir = join(work, 'trees', MODELS_WEB_APP.name);
    expect(readFileSync(join(dir, '.upstream-verified'), 'utf8').trim()).toBe(lockedArtifacts()[treeFile(MODELS_WEB_APP)].contentSha256);
    expect(existsSync(join(dir, MODELS_WEB_APP_PATHS.kubeflow, 'kustomization.yaml'))).toBe(true);
  });
});

describe('fetch (online)', () => {
  test('asks the chart registries and GitHub for exactly the pinned artifacts', () => {
    const commands = fetchCommands('/cache');
    expect(commands).toHaveLength(Object.keys(CHARTS).length + TREES.length);
    expect(commands).toContainEqual(['helm', 'pull', 'oci://ghcr.io/kubeflow/charts/kubeflow-trainer', '--version', CHARTS.trainer.version, '--destination', '/cache/charts']);
    expect(commands).toContainEqual(['helm', 'pull', 'istiod', '--repo', 'https://blob.istio.io/istio-release/charts', '--version', CHARTS.istiod.version, '--destination', '/cache/charts']);
    expect(commands).toContainEqual(['curl', '--fail', '--location', '--silent', '--show-error', '--output', `/cache/${treeFile(KUBEFLOW_DISTRIBUTION)}`, `https://codeload.github.com/kubeflow/community-distribution/tar.gz/${KUBEFLOW_DISTRIBUTION.ref}`]);
    expect(commands).toContainEqual(['curl', '--fail', '--location', '--silent', '--show-error', '--output', '/cache/trees/kubeflow-pipelines-2.17.0.tar.gz', 'https://codeload.github.com/kubeflow/pipelines/tar.gz/2.17.0']);
    expect(commands).toContainEqual(['curl', '--fail', '--location', '--silent', '--show-error', '--output', '/cache/trees/argo-workflows-v4.0.10.tar.gz', 'https://codeload.github.com/argoproj/argo-workflows/tar.gz/v4.0.10']);
  });
});


describe('a platform plan needs no git and no registry, in every environment', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('%s', (_name, config) => {
    const { parsed } = synthPlatform(config);
    for (const release of Object.values(parsed.resource.helm_release ?? {})) {
      expect(release.repository).toBeUndefined();
      expect(String(release.chart)).toMatch(/^(\$\{abspath\(path\.module\)\}\/\.\.\/\.\.\/\.\.\/\.cache\/upstream-work\/charts\/[a-z0-9.-]+\.tgz|\.\/assets\/manifest-bundle-chart\/.+)$/);
    }
    for (const overlay of Object.values(parsed.data?.kustomization_overlay ?? {})) {
      for (const resource of overlay.resources as string[]) expect(resource).not.toMatch(/github\.com|\?ref=|^https?:/);
    }
  });
});

describe('a repackaged artifact (the publisher\'s archive of the locked files) verifies; other files do not', () => {
  const cache = upstreamCache();
  (cache ? test : test.skip)('same files in another archive pass with a notice; one changed file fails, naming both digests', () => {
    const copy = mkdtempSync(join(tmpdir(), 'upstream-cache-'));
    cpSync(cache!, copy, { recursive: true });
    const chart = 'charts/base-1.30.3.tgz';
    const repack = (edit?: (dir: string) => void) => {
      const dir = mkdtempSync(join(tmpdir(), 'repack-'));
      execFileSync('tar', ['-xzf', join(cache!, chart), '-C', dir]);
      edit?.(dir);
      rmSync(join(copy, chart), { force: true });
      // Another top folder name and fresh timestamps: different bytes, same files.
      renameSync(join(dir, 'base'), join(dir, 'base-published'));
      execFileSync('tar', ['-czf', join(copy, chart), '-C', dir, 'base-published']);
    };
    repack();
    const ok = checkCache(copy);
    expect(ok.problems).toEqual([]);
    expect(ok.repackaged.map((r) => r.file)).toEqual([chart]);
    repack((dir) => appendFileSync(join(dir, 'base', 'values.yaml'), '\n# changed\n'));
    expect(checkCache(copy).problems).toEqual([expect.stringMatching(/^charts\/base-1\.30\.3\.tgz: sha256 [0-9a-f]{64} does not match the lock .*, nor do the files inside \(content [0-9a-f]{64}, locked [0-9a-f]{64}\)$/)]);
  });
});
