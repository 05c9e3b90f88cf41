import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { isAbsolute, join, relative } from 'path';
import { gzipSync } from 'zlib';
import { Testing } from 'cdktf';
import { parseAllDocuments, stringify } from 'yaml';
import { FROM_STACK_RELATIVE, TREE_MARKER, UPSTREAM_WORK_DIR } from '../../constructs/lib/upstream';
import { EnvironmentConfig, ResolvedEnvironment, resolveEnvironment } from '../../environments';
import { prepare } from '../upstream';
import { addEnvironment } from '../../stacks/app';
import { HELM, KUSTOMIZE, ROOT, upstreamCache } from './tools';

/** A synthesized stack's JSON, as much of it as the tools read. */
export interface SynthJson {
  readonly terraform: Record<string, unknown>;
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown; sensitive?: boolean }>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly provider?: Record<string, unknown>;
}

/**
 * Renders what a cluster receives from a platform stack: every `helm_release`
 * through `helm template` with its real chart (from the verified upstream work
 * folder, as a plan would install it) and its synthesized values, and every
 * `kustomization_overlay` through kustomize with the same resources, patches,
 * images and generators the kbst/kustomization provider would get. Terraform
 * references (`${...}`) become well-formed placeholders.
 */

export type K8sObject = {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
} & Record<string, unknown>;

export interface RenderedRelease {
  readonly name: string;
  readonly namespace: string;
  /** Terraform address, e.g. `helm_release.katib_bundle_main_release_1A2B3C4D`. */
  readonly address: string;
  /** Addresses of the helm releases it depends on, directly or through other resources. */
  readonly dependsOn: readonly string[];
  /** The chart package in the work folder, or the bundle chart. */
  readonly chartPath: string;
  /** The values given to the chart, placeholders substituted (JSON). */
  readonly values: Record<string, unknown>;
  readonly objects: readonly K8sObject[];
  /** Estimated size of Helm's release record (base64 of the gzipped release JSON). */
  readonly recordBytes: number;
  /** `group/Kind` of the CRDs from the chart's `crds/` folder (Helm installs them before the templates). */
  readonly crdsFromCrdsDir: ReadonlySet<string>;
}

export interface RenderedEnvironment {
  readonly env: ResolvedEnvironment;
  readonly kubeVersion: string;
  readonly platform: SynthJson;
  readonly cluster: SynthJson;
  readonly releases: readonly RenderedRelease[];
  /** Namespaces the stack creates itself (kubernetes_namespace_v1), with their labels. */
  readonly managedNamespaces: ReadonlyMap<string, Record<string, string>>;
}

const CACHE_DIR = join(ROOT, '.cache', 'render');
const WORK_DIR = join(ROOT, UPSTREAM_WORK_DIR);
const WORK_PREFIX = `\${abspath(path.module)}/../../../${UPSTREAM_WORK_DIR}`;
// Terraform runs in cdktf.out/stacks/<stack>: overlay resources are resolved from there, as kbst/kustomization does.
const STACK_DIR = join(ROOT, 'cdktf.out', 'stacks', 'any-stack');
const OVERLAY_PREFIX = `${FROM_STACK_RELATIVE}/${UPSTREAM_WORK_DIR}/`;

let prepared = false;

/** Verifies the upstream cache and prepares the work folder once per test process. */
export function prepareUpstream(): void {
  if (prepared) return;
  const cache = upstreamCache();
  if (!cache) throw new Error('no upstream cache: set KUBEFLOW_UPSTREAM_CACHE');
  prepare(cache);
  prepared = true;
}

/** Finds each `${...}` reference (nested braces and quoted strings included). */
export function terraformReferences(text: string): { start: number; end: number; expression: string }[] {
  const found: { start: number; end: number; expression: string }[] = [];
  let i = 0;
  while ((i = text.indexOf('${', i)) >= 0) {
    let depth = 0;
    let inString = false;
    let j = i + 1;
    for (; j < text.length; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    found.push({ start: i, end: j + 1, expression: text.slice(i + 2, j) });
    i = j + 1;
  }
  return found;
}

/** A value that fits where a reference stood: base64 for `base64encode`, else a DNS-label-safe token. */
export function placeholderFor(expression: string): string {
  if (/^base64encode\(/.test(expression.trim())) return Buffer.from('placeholder').toString('base64');
  return `placeholder${createHash('sha256').update(expression).digest('hex').slice(0, 8)}`;
}

export function substitutePlaceholders(text: string): string {
  const refs = terraformReferences(text);
  let out = '';
  let last = 0;
  for (const r of refs) {
    out += text.slice(last, r.start) + placeholderFor(r.expression);
    last = r.end;
  }
  return out + text.slice(last);
}

/** Substitutes placeholders in every string of a JSON value. */
export function substituteDeep<T>(value: T): T {
  if (typeof value === 'string') return substitutePlaceholders(value) as unknown as T;
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v)) as unknown as T;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v)])) as T;
  return value;
}

function cached(key: string, compute: () => string): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `${createHash('sha256').update(key).digest('hex')}.out`);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const value = compute();
  writeFileSync(file, value);
  return value;
}

function fingerprint(path: string): string {
  if (!statSync(path).isDirectory()) return createHash('sha256').update(readFileSync(path)).digest('hex');
  const hash = createHash('sha256');
  for (const entry of readdirSync(path).sort()) hash.update(entry).update(fingerprint(join(path, entry)));
  return hash.digest('hex');
}

export function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJSON() as unknown)
    .filter((o): o is K8sObject => typeof o === 'object' && o !== null && 'kind' in o);
}

/** `helm template` of a chart with values, as `helm install` would render it (CRDs included, tests skipped). */
export function helmTemplate(chartPath: string, name: string, namespace: string, values: Record<string, unknown>, kubeVersion: string): string {
  const valuesJson = JSON.stringify(values);
  return cached(`helm|${fingerprint(chartPath)}|${name}|${namespace}|${kubeVersion}|${valuesJson}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-'));
    try {
      writeFileSync(join(dir, 'values.json'), valuesJson);
      return execFileSync(HELM, ['template', name, chartPath, '--namespace', namespace, '--kube-version', kubeVersion, '--include-crds', '--skip-tests', '--values', join(dir, 'values.json')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

interface OverlayJson {
  readonly lifecycle?: unknown;
  readonly resources: string[];
  readonly images?: { name: string; new_name?: string; new_tag?: string; digest?: string }[];
  readonly patches?: { patch: string; target?: Record<string, string | undefined> }[];
  readonly config_map_generator?: { name: string; namespace?: string; behavior?: string; literals: string[] }[];
  readonly secret_generator?: { name: string; namespace?: string; behavior?: string; type?: string; literals: string[] }[];
  readonly common_annotations?: Record<string, string>;
}

/** The kustomization the kbst/kustomization provider builds for an overlay data source. */
export function overlayKustomization(overlay: OverlayJson): Record<string, unknown> {
  const local = (path: string) => {
    // The kustomize inside kbst/kustomization 0.9.8 refuses absolute directories ("new root … cannot be absolute").
    if (isAbsolute(path) || path.includes('${')) throw new Error(`overlay resource ${path} is absolute or an expression: kbst/kustomization refuses it at plan time; use a path relative to the stack folder (${OVERLAY_PREFIX}…)`);
    if (!path.startsWith(OVERLAY_PREFIX)) throw new Error(`overlay resource ${path} is not in the upstream work folder: a plan would need the network`);
    return join(STACK_DIR, path);
  };
  const target = (t: Record<string, string | undefined> | undefined) => t && Object.fromEntries(Object.entries({
    group: t.group, version: t.version, kind: t.kind, name: t.name, namespace: t.namespace, labelSelector: t.label_selector, annotationSelector: t.annotation_selector,
  }).filter(([, v]) => v !== undefined && v !== null));
  const generators = (list: { name: string; namespace?: string; behavior?: string; type?: string; literals: string[] }[] | undefined) =>
    (list ?? []).map((g) => Object.fromEntries(Object.entries({ name: g.name, namespace: g.namespace, behavior: g.behavior, type: g.type, literals: g.literals }).filter(([, v]) => v !== undefined && v !== null)));
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: overlay.resources.map((r) => relative(CACHE_DIR, local(r))),
    images: (overlay.images ?? []).map((i) => Object.fromEntries(Object.entries({ name: i.name, newName: i.new_name, newTag: i.new_tag, digest: i.digest }).filter(([, v]) => v !== undefined && v !== null))),
    patches: (overlay.patches ?? []).map((p) => ({ patch: p.patch, ...(p.target ? { target: target(p.target) } : {}) })),
    configMapGenerator: generators(overlay.config_map_generator),
    secretGenerator: generators(overlay.secret_generator),
    ...(overlay.common_annotations ? { commonAnnotations: overlay.common_annotations } : {}),
  };
}

/** The verified markers (tarball checksums) of every prepared tree: an overlay may read several (Pipelines reads Argo's). */
function treeMarkers(): string {
  const trees = join(WORK_DIR, 'trees');
  return readdirSync(trees).sort().filter((t) => existsSync(join(trees, t, TREE_MARKER))).map((t) => `${t}=${readFileSync(join(trees, t, TREE_MARKER), 'utf8').trim()}`).join(',');
}

/** kustomize build of an overlay, objects in kbst's priority groups (0: namespaces and CRDs, 2: webhooks, 1: the rest). */
export function buildOverlay(overlay: OverlayJson): K8sObject[][] {
  const { resources, ...rest } = overlay;
  const kustomization = overlayKustomization({ ...substituteDeep(rest), resources });
  const text = stringify(kustomization);
  const out = cached(`kustomize|${treeMarkers()}|${text}`, () => {
    // The kustomization lives next to the cache so that its resource paths are relative (kustomize refuses absolute ones).
    mkdirSync(CACHE_DIR, { recursive: true });
    const dir = mkdtempSync(join(CACHE_DIR, 'overlay-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), stringify({ ...kustomization, resources: (kustomization.resources as string[]).map((r) => join('..', r)) }));
      // Upstream's deprecation warnings go to stderr: kept out of the test output.
      return execFileSync(KUSTOMIZE, ['build', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const groups: K8sObject[][] = [[], [], []];
  for (const obj of parseObjects(out)) {
    const prio = obj.kind === 'Namespace' || obj.kind === 'CustomResourceDefinition' ? 0 : /WebhookConfiguration$/.test(obj.kind) ? 2 : 1;
    groups[prio].push(obj);
  }
  return groups;
}

const BUNDLE_VALUES = /^\$\{yamlencode\(\{ manifests = \[for id in (?:concat\()?(.*?)\)? : data\.kustomization_overlay\.([A-Za-z0-9_-]+)\.manifests\[id\]\] \}\)\}$/;

/** Values of a release: literal JSON, or the bundle expression evaluated against its overlay. */
function releaseValues(raw: string, data: SynthJson['data']): Record<string, unknown> {
  const bundle = BUNDLE_VALUES.exec(raw);
  if (!bundle) return substituteDeep(JSON.parse(raw) as Record<string, unknown>);
  const overlayId = bundle[2];
  const overlay = data?.kustomization_overlay?.[overlayId] as unknown as OverlayJson | undefined;
  if (!overlay) throw new Error(`bundle values name overlay ${overlayId}, which the stack does not have`);
  const prios = [...bundle[1].matchAll(/ids_prio\[(\d)\]/g)].map((m) => Number(m[1]));
  const groups = buildOverlay(overlay);
  return { manifests: prios.flatMap((p) => groups[p]).map((o) => JSON.stringify(o)) };
}

function chartPathOf(chart: string): string {
  if (chart.startsWith(WORK_PREFIX)) return join(WORK_DIR, chart.slice(WORK_PREFIX.length));
  const asset = /^\.\/assets\/manifest-bundle-chart\//.test(chart);
  if (asset) return join(ROOT, 'charts', 'manifest-bundle');
  throw new Error(`chart ${chart} is neither in the upstream work folder nor our bundle chart: a plan would need a registry`);
}

/** The files Helm keeps of a chart in its release record: the chart's own, not its subcharts (`charts/`, not serialized). */
function chartFilesBase64(chartPath: string): string {
  const walk = (dir: string, top: boolean): string[] => readdirSync(dir).flatMap((e) => {
    const path = join(dir, e);
    if (statSync(path).isDirectory()) return top && e === 'charts' ? [] : walk(path, false);
    return [readFileSync(path).toString('base64')];
  });
  return cached(`chartfiles|${fingerprint(chartPath)}`, () => {
    if (statSync(chartPath).isDirectory()) return walk(chartPath, true).join('');
    const dir = mkdtempSync(join(tmpdir(), 'chart-'));
    try {
      execFileSync('tar', ['-xzf', chartPath, '-C', dir]);
      // A package holds one folder named after the chart.
      return walk(join(dir, readdirSync(dir)[0]), true).join('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Helm stores a release as base64(gzip(JSON)) of the chart's files, the values and the rendered manifest. */
function recordSize(chartPath: string, values: Record<string, unknown>, manifest: string): number {
  const json = JSON.stringify({ chart: chartFilesBase64(chartPath), config: values, manifest });
  return Math.ceil(gzipSync(json, { level: 9 }).length / 3) * 4;
}

/** Helm releases a resource reaches through depends_on (resources in between included). */
function helmDependencies(address: string, platform: SynthJson, seen = new Set<string>()): string[] {
  const [type, id] = address.split('.');
  const resource = platform.resource[type]?.[id] as { depends_on?: string[] } | undefined;
  const result: string[] = [];
  for (const dep of resource?.depends_on ?? []) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    if (dep.startsWith('helm_release.')) result.push(dep);
    result.push(...helmDependencies(dep, platform, seen));
  }
  return result;
}

/** Renders the synthesized platform stack of an environment. */
export function renderStacks(env: ResolvedEnvironment, platform: SynthJson, cluster: SynthJson): RenderedEnvironment {
  prepareUpstream();
  const kubeVersion = env.kubernetesVersion.split('.').length === 2 ? `${env.kubernetesVersion}.0` : env.kubernetesVersion;
  const releases: RenderedRelease[] = [];
  for (const [id, r] of Object.entries(platform.resource.helm_release ?? {})) {
    const release = r as unknown as { name: string; namespace: string; chart: string; values: string[] };
    const chartPath = chartPathOf(release.chart);
    const values = release.values.map((v) => releaseValues(v, platform.data)).reduce((a, b) => ({ ...a, ...b }), {});
    const manifest = helmTemplate(chartPath, release.name, release.namespace, values, kubeVersion);
    const address = `helm_release.${id}`;
    const docs = manifest.split(/^---$/m);
    // A crds/ file may start with its own `---`: a document without a Source line belongs to the last one seen.
    let source = '';
    const crdDocs = docs.filter((doc) => {
      source = /^# Source: (.*)$/m.exec(doc)?.[1] ?? source;
      return /\/crds\//.test(source);
    });
    const crdsFromCrdsDir = new Set(crdDocs.flatMap(parseObjects).filter((o) => o.kind === 'CustomResourceDefinition').map((o) => {
      const spec = o.spec as { group: string; names: { kind: string } };
      return `${spec.group}/${spec.names.kind}`;
    }));
    releases.push({
      crdsFromCrdsDir,
      name: release.name,
      namespace: release.namespace,
      address,
      dependsOn: [...new Set(helmDependencies(address, platform))],
      chartPath,
      values,
      objects: parseObjects(manifest),
      // crds/ files are not part of the stored manifest (Helm installs them apart).
      recordBytes: recordSize(chartPath, values, docs.filter((doc) => !crdDocs.includes(doc)).join('---')),
    });
  }
  const managedNamespaces = new Map<string, Record<string, string>>();
  for (const ns of Object.values(platform.resource.kubernetes_namespace_v1 ?? {})) {
    const metadata = (ns as { metadata: { name: string; labels?: Record<string, string> } }).metadata;
    managedNamespaces.set(metadata.name, { ...(metadata.labels ?? {}) });
  }
  return { env, kubeVersion, platform, cluster, releases, managedNamespaces };
}

/** Synthesizes an environment's stacks as `cdktf synth` does and renders the platform. */
export function renderEnvironment(config: EnvironmentConfig): RenderedEnvironment {
  const env = resolveEnvironment(config);
  const app = Testing.app();
  const { cluster, platform } = addEnvironment(app, env);
  app.synth();
  const read = (id: string) => JSON.parse(readFileSync(join(app.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8')) as SynthJson;
  return renderStacks(env, read(platform.node.id), read(cluster.node.id));
}

/** Every rendered object with the release it belongs to. */
export function objectsOf(rendered: RenderedEnvironment): { release: RenderedRelease; obj: K8sObject }[] {
  return rendered.releases.flatMap((release) => release.objects.map((obj) => ({ release, obj })));
}
