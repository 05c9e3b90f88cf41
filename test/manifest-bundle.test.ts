import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { HELM } from '../scripts/render/tools';

/**
 * Renders charts/manifest-bundle with the real Helm 3 binary and checks that
 * the objects that come out equal the objects that went in. `.ci/run` installs
 * Helm (Go module proxy) and sets HELM_BIN; on a machine without Helm the test
 * is skipped with a notice, except in CI where Helm is required.
 */

const helmAvailable = spawnSync(HELM, ['version', '--short'], { encoding: 'utf8' }).status === 0;
if (!helmAvailable && process.env.CI) throw new Error(`Helm not found (HELM_BIN=${HELM}); .ci/run installs it`);
if (!helmAvailable) console.warn('MANIFEST-BUNDLE TEST SKIPPED: no helm binary. Run bash .ci/run (installs it) or set HELM_BIN.');
if (!helmAvailable) test.skip('manifest-bundle test skipped: no helm binary (set HELM_BIN, or run .ci/run which installs it)', () => undefined);
const maybe = helmAvailable ? describe : describe.skip;

const CHART = join(__dirname, '..', 'charts', 'manifest-bundle');

function largeCrd(properties: number): object {
  const props: Record<string, object> = {};
  for (let i = 0; i < properties; i++) {
    props[`field${i}`] = { type: 'string', description: `Field ${i}: {{ not a template }} with "quotes", colons: and # hashes`, maxLength: 253 };
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com', annotations: { 'controller-gen.kubebuilder.io/version': 'v0.16.0' } },
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: props } } } } }],
    },
  };
}

const SAMPLE: object[] = [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'templated-strings', namespace: 'kubeflow', labels: { app: 'x' } },
    data: {
      'go-template': '{{ .Values.secret }} and {{- include "x" . -}} and {{ printf "%s" "y" }}',
      'argo-expression': '{{inputs.parameters.message}}',
      multiline: 'line one\n---\nline three: {{ x }}\n',
      quotes: 'single \' double " backslash \\ tab \t',
      unicode: 'Grüße, 日本語, emoji 🚀',
      'looks-like-number': '010',
      'looks-like-bool': 'yes',
      empty: '',
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'numbers', namespace: 'kubeflow' },
    spec: {
      replicas: 3,
      progressDeadlineSeconds: 1000000,
      revisionHistoryLimit: 0,
      selector: { matchLabels: { app: 'numbers' } },
      template: {
        metadata: { labels: { app: 'numbers' }, annotations: { ratio: '0.5' } },
        spec: {
          terminationGracePeriodSeconds: 12345678901,
          containers: [{ name: 'c', image: 'busybox:1.37', args: ['--max', '1e6'], resources: { limits: { cpu: 0.5, memory: '64Mi' } } }],
          securityContext: { runAsNonRoot: true, runAsUser: 65534 },
        },
      },
    },
  },
  largeCrd(6000),
];

maybe('manifest-bundle chart (helm template)', () => {
  let rendered: unknown[];

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const valuesFile = join(dir, 'values.json');
    writeFileSync(valuesFile, JSON.stringify({ manifests: SAMPLE.map((o) => JSON.stringify(o)) }));
    const output = execFileSync(HELM, ['template', 'sample', CHART, '--namespace', 'kubeflow', '-f', valuesFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    rendered = parseAllDocuments(output).map((d) => d.toJS()).filter((o) => o !== null);
  });

  test('the sample is large enough to matter', () => {
    expect(JSON.stringify(SAMPLE).length).toBeGreaterThan(500_000);
  });

  test('prints one document per object', () => {
    expect(rendered).toHaveLength(SAMPLE.length);
  });

  test('every object comes out exactly as it went in (Helm orders them by kind)', () => {
    const key = (o: unknown) => { const m = o as { kind: string; metadata: { name: string } }; return `${m.kind}/${m.metadata.name}`; };
    const byKey = (list: unknown[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
    expect(byKey(rendered)).toEqual(byKey(SAMPLE));
  });

  test('an empty list renders nothing', () => {
    const output = execFileSync(HELM, ['template', 'empty', CHART], { encoding: 'utf8' });
    expect(parseAllDocuments(output).map((d) => d.toJS()).filter((o) => o !== null)).toEqual([]);
  });
});
