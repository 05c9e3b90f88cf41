import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdktf';
import { EnvironmentConfig, resolveEnvironment } from '../environments';
import { addEnvironment } from '../stacks/app';
import { summarize } from '../scripts/preview/diff';
import { dataLossCheck, helmRenderer, missingRenderTools } from '../scripts/preview/release-objects';
import { renderMarkdown, renderText } from '../scripts/preview/render';
import { StackJson, loadSynthesized } from '../scripts/preview/synthesized';
import { KEEP_ANNOTATION, RenderedObject, ReleaseRenderer, volumeFindings } from '../scripts/preview/volumes';
import { dev, staging } from './fixtures/environments';

/** A stack with the given helm releases, by resource id. */
const stack = (releases: Record<string, Record<string, unknown>>): StackJson => ({ resource: { helm_release: releases } });
const katib = { name: 'katib', namespace: 'kubeflow', chart: 'bundle', values: ['v1'] };
const pvc = (name: string, size: string, keep: boolean): RenderedObject => ({
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'kubeflow', ...(keep ? { annotations: { [KEEP_ANNOTATION]: 'keep' } } : {}) },
  spec: { resources: { requests: { storage: size } } },
});
/** A renderer that returns fixed objects per release values. */
const fake = (byValues: Record<string, readonly RenderedObject[]>): ReleaseRenderer => (release) => byValues[String((release.values as string[])[0])] ?? [];

describe('volumes of releases uninstalled or upgraded (fixtures)', () => {
  it.each([
    [false, 'warnings', /Uninstalling release `katib` deletes PersistentVolumeClaim `kubeflow\/katib-mysql` \(10Gi: Katib's experiment database/],
    [true, 'notes', /PersistentVolumeClaim `kubeflow\/katib-mysql` \(10Gi: Katib's experiment database.*\) is kept by Helm \(helm.sh\/resource-policy: keep\): delete it by hand if you mean to/],
  ] as const)('a release uninstalled with a claim keep=%s: reported in %s', (keep, where, sentence) => {
    const found = volumeFindings(stack({ katib_1: katib }), stack({}), fake({ v1: [pvc('katib-mysql', '10Gi', keep)] }));
    expect(found[where]).toEqual([expect.stringMatching(sentence)]);
    expect(found[where === 'warnings' ? 'notes' : 'warnings']).toEqual([]);
  });

  it('an upgrade that stops rendering a claim deletes it; one that keeps rendering it does not', () => {
    const render = fake({ v1: [pvc('mysql-pv-claim', '20Gi', false), pvc('seaweedfs-pvc', '20Gi', false)], v2: [pvc('seaweedfs-pvc', '20Gi', false)] });
    const found = volumeFindings(stack({ p: { ...katib, name: 'pipelines', values: ['v1'] } }), stack({ p: { ...katib, name: 'pipelines', values: ['v2'] } }), render);
    expect(found.warnings).toEqual([expect.stringMatching(/^Upgrading release `pipelines`, which no longer renders it, deletes PersistentVolumeClaim `kubeflow\/mysql-pv-claim` \(20Gi: Pipelines' in-cluster MySQL/)]);
  });

  it('an upgrade that moves an existing claim to another StorageClass is named: Kubernetes refuses it (the issue 21 class move)', () => {
    const onClass = (cls: string | undefined): RenderedObject => ({ ...pvc('katib-mysql', '10Gi', true), spec: { resources: { requests: { storage: '10Gi' } }, ...(cls ? { storageClassName: cls } : {}) } });
    const found = volumeFindings(stack({ k: katib }), stack({ k: { ...katib, values: ['v2'] } }), fake({ v1: [onClass(undefined)], v2: [onClass('kubeflow-store')] }));
    expect(found.warnings).toEqual([expect.stringMatching(/^Upgrading release `katib` changes `storageClassName` \(unset → "kubeflow-store"\) of PersistentVolumeClaim `kubeflow\/katib-mysql` .*Kubernetes refuses that on an existing claim/)]);
    // A claim that only grows is fine.
    const grows = volumeFindings(stack({ k: katib }), stack({ k: { ...katib, values: ['v2'] } }), fake({ v1: [pvc('katib-mysql', '10Gi', true)], v2: [pvc('katib-mysql', '20Gi', true)] }));
    expect(grows).toEqual({ warnings: [], notes: [] });
  });

  it('an unchanged release is not rendered; a renamed one is replaced and loses its claims', () => {
    const calls: string[] = [];
    const render: ReleaseRenderer = (r) => { calls.push(String(r.name)); return [pvc('data', '1Gi', false)]; };
    expect(volumeFindings(stack({ k: katib }), stack({ k: katib }), render)).toEqual({ warnings: [], notes: [] });
    expect(calls).toEqual([]);
    const found = volumeFindings(stack({ k: katib }), stack({ k: { ...katib, namespace: 'other' } }), render);
    expect(found.warnings).toEqual([expect.stringMatching(/^Replacing release `katib` \(uninstall, then install\) deletes PersistentVolumeClaim `kubeflow\/data` \(1Gi: data of release katib\)/)]);
  });

  it('a release that cannot be rendered gives a note, never an error', () => {
    const render: ReleaseRenderer = () => { throw new Error('chart x.tgz is not in the work folder'); };
    const found = volumeFindings(stack({ k: katib }), stack({}), render);
    expect(found).toEqual({ warnings: [], notes: ['Release `katib` (before) could not be rendered, so its PersistentVolumeClaims are not checked: chart x.tgz is not in the work folder.'] });
  });

  it('without the render tools the summary says the check did not run, in both formats', () => {
    const summary = summarize({ 'dev-platform': stack({ k: katib }) }, { 'dev-platform': stack({}) }, 't', { unavailable: 'missing helm (HELM_BIN=nohelm)' });
    expect(summary.notes).toEqual([expect.stringContaining('PersistentVolumeClaims of releases uninstalled or upgraded were not checked (missing helm (HELM_BIN=nohelm))')]);
    expect(renderMarkdown(summary)).toContain('> ℹ️ PersistentVolumeClaims of releases uninstalled or upgraded were not checked');
    expect(renderText(summary)).toContain('i NOTE PersistentVolumeClaims');
  });

  it('a missing helm binary is reported as missing', () => {
    const saved = process.env.HELM_BIN;
    jest.isolateModules(() => {
      process.env.HELM_BIN = '/nonexistent/helm';
      const m = require('../scripts/preview/release-objects') as typeof import('../scripts/preview/release-objects');
      expect(m.missingRenderTools()).toContain('helm (HELM_BIN=/nonexistent/helm)');
      expect(m.dataLossCheck().render).toBeUndefined();
    });
    if (saved === undefined) delete process.env.HELM_BIN;
    else process.env.HELM_BIN = saved;
  });
});

function synthesize(configs: EnvironmentConfig[]): Record<string, StackJson> {
  const outdir = mkdtempSync(join(tmpdir(), 'preview-volumes-'));
  const app = new App({ outdir, skipValidation: true });
  for (const config of configs) addEnvironment(app, resolveEnvironment(config));
  app.synth();
  return loadSynthesized(outdir);
}

const missing = missingRenderTools();
// As the render tests: skipped with a notice where the tools are missing, an error under CI.
if (missing && process.env.CI) throw new Error(`the preview's data-loss reproductions need ${missing}; .ci/run installs them`);
const rendering = missing ? describe.skip : describe;
if (missing) console.warn(`preview-volumes: rendered reproductions skipped (${missing})`);

/** Whether the rendered claim carries the keep annotation: the expected sentence follows what the chart renders. */
function claimKept(config: EnvironmentConfig, release: string, claim: string): boolean {
  const stacks = synthesize([config]);
  const platform = stacks[`${config.name}-platform`];
  const body = [...Object.values(platform.resource?.helm_release ?? {})].find((r) => r.name === release);
  if (!body) throw new Error(`no release ${release}`);
  const obj = helmRenderer()(body, platform).find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claim);
  if (!obj) throw new Error(`release ${release} renders no claim ${claim}`);
  return obj.metadata.annotations?.[KEEP_ANNOTATION] === 'keep';
}

function expectClaim(lines: { warnings: readonly string[]; notes: readonly string[] }, kept: boolean, claim: RegExp): void {
  const [hit, miss] = kept ? [lines.notes, lines.warnings] : [lines.warnings, lines.notes];
  expect(hit.filter((l) => claim.test(l))).toEqual([expect.stringMatching(kept ? /is kept by Helm/ : /deletes PersistentVolumeClaim/)]);
  expect(miss.filter((l) => claim.test(l))).toEqual([]);
}

rendering('volumes in rendered reproductions', () => {
  jest.setTimeout(600_000);
  const check = dataLossCheck();

  it('dev with Katib turned off names the katib-mysql claim (10Gi, Katib\'s experiment database)', () => {
    const off: EnvironmentConfig = { ...dev, platform: { ...dev.platform, components: { ...dev.platform?.components, katib: false } } };
    const summary = summarize(synthesize([dev]), synthesize([off]), 'katib off', check);
    const platform = summary.stacks.find((s) => s.stack === 'dev-platform')!;
    const kept = claimKept(dev, 'katib', 'katib-mysql');
    expectClaim({ warnings: platform.warnings ?? [], notes: platform.notes ?? [] }, kept, /`kubeflow\/katib-mysql` \(10Gi: Katib's experiment database/);
    expect(renderMarkdown(summary)).toMatch(kept ? /ℹ️ .*katib-mysql/ : /⚠️ Uninstalling release `katib` deletes PersistentVolumeClaim `kubeflow\/katib-mysql` \(10Gi/);
  });

  it('staging\'s MySQL moved to Azure and back: the in-cluster MySQL claim goes, then the Azure server', () => {
    const azure: EnvironmentConfig = { ...staging, dataStores: { ...staging.dataStores, mysql: 'azure', azureMysql: { subnetCidr: '10.20.255.0/28' }, privateEndpointSubnetCidr: '10.20.255.16/28' } };
    const [inCluster, onAzure] = [synthesize([staging]), synthesize([azure])];
    const there = summarize(inCluster, onAzure, 'to azure', check).stacks.find((s) => s.stack === 'staging-platform')!;
    const kept = claimKept(staging, 'pipelines', 'mysql-pv-claim');
    expectClaim({ warnings: there.warnings ?? [], notes: there.notes ?? [] }, kept, /`kubeflow\/mysql-pv-claim` \(20Gi: Pipelines' in-cluster MySQL/);
    const back = summarize(onAzure, inCluster, 'back', check);
    const warnings = back.stacks.flatMap((s) => s.warnings ?? []);
    expect(warnings).toContainEqual(expect.stringMatching(/^Deleting MySQL server .*every Pipelines run/));
  });
});
