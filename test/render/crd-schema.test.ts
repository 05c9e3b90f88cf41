import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { CrdIndex, indexCrds, skippedCelRules, validateCustomResource } from './crd-schema';

type Json = Record<string, unknown>;

/** A minimal apiextensions.k8s.io/v1 CRD with one schema per version name. */
function crd(group: string, kind: string, versions: { name: string; served: boolean; schema: Json }[]): Json {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: versions.map((v) => ({ name: v.name, served: v.served, storage: v.served, schema: { openAPIV3Schema: v.schema } })),
    },
  };
}

// Root deliberately declares neither apiVersion, kind nor metadata: they must be accepted anyway.
const widgetV1: Json = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      'x-kubernetes-validations': [{ rule: 'self.size < 100' }, { rule: 'self.mode != "slow" || self.size < 10' }],
      properties: {
        size: { type: 'integer', format: 'int32', minimum: 0, exclusiveMinimum: true },
        mode: { type: 'string', enum: ['fast', 'slow'] },
        host: { type: 'string', format: 'some-format-nobody-knows' },
        owner: { type: 'string', nullable: true },
        tier: { type: 'string', enum: ['gold', 'silver'], nullable: true },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'granular' },
        rules: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['from'],
          items: { type: 'object', required: ['from'], properties: { from: { type: 'string' } } },
        },
        extra: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { strict: { type: 'object', properties: { known: { type: 'string' } } } },
        },
        source: {
          type: 'object',
          properties: { url: { type: 'string' }, path: { type: 'string' } },
          oneOf: [{ required: ['url'] }, { required: ['path'] }],
          allOf: [{ not: { required: ['url', 'path'] } }, { not: { required: ['url', 'path'] } }],
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } },
        },
      },
    },
    status: { type: 'object', 'x-kubernetes-validations': [{ rule: 'true' }], properties: { ready: { type: 'boolean' } } },
  },
};

const widgetV1beta1: Json = { type: 'object', 'x-kubernetes-validations': [{ rule: 'never counted: not served' }] };

function freshIndex(): CrdIndex {
  return indexCrds([
    crd('example.com', 'Widget', [
      { name: 'v1', served: true, schema: widgetV1 },
      { name: 'v1beta1', served: false, schema: widgetV1beta1 },
    ]),
  ]);
}

const index = freshIndex();

function widget(spec: Json, extra: Json = {}): Json {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns', labels: { a: 'b' }, anything: true }, spec, ...extra };
}

const check = (obj: Json, options?: { unknownFields?: 'error' | 'ignore' }) => validateCustomResource(index, obj, options);

describe('validateCustomResource on inline CRDs', () => {
  it('accepts a valid object, with root apiVersion/kind/metadata undeclared in the schema and an unknown format', () => {
    const obj = widget({
      size: 3,
      mode: 'fast',
      host: 'not checked',
      owner: 'team-a',
      port: 'http',
      labels: { 'app.kubernetes.io/name': 'w' },
      rules: [{ from: 'a' }, { from: 'b' }],
      extra: { free: { form: [1, 2] } },
      template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { x: 'y' } }, spec: { replicas: 2 } },
    }, { status: { ready: true } });
    expect(check(obj)).toEqual([]);
    expect(index.byGvk.get('example.com/v1/Widget')).toMatchObject({ crdName: 'widgets.example.com', served: true });
  });

  it('reports a wrong type with a readable path', () => {
    expect(check(widget({ size: 'big', rules: [{ from: 5 }] }))).toEqual([
      { path: 'spec.size', message: 'must be integer' },
      { path: 'spec.rules[0].from', message: 'must be string' },
    ]);
  });

  it('reports a missing required field, at the top and inside list items', () => {
    expect(check(widget({ rules: [{}] }))).toEqual(expect.arrayContaining([
      { path: 'spec.size', message: 'missing required field `size`' },
      { path: 'spec.rules[0].from', message: 'missing required field `from`' },
    ]));
    expect(check({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} })).toHaveLength(1);
  });

  it('reports a value outside an enum, listing the allowed values', () => {
    expect(check(widget({ size: 1, mode: 'medium' }))).toEqual([{ path: 'spec.mode', message: 'must be one of "fast", "slow"' }]);
  });

  it('turns an OpenAPI boolean exclusiveMinimum into the JSON Schema form', () => {
    expect(check(widget({ size: 1 }))).toEqual([]);
    expect(check(widget({ size: 0 }))).toEqual([{ path: 'spec.size', message: 'must be > 0' }]);
  });

  it('rejects unknown fields, which the API server would silently prune', () => {
    const obj = widget({ size: 1, foo: 1, rules: [{ from: 'a', to: 'b' }] }, { bogus: true });
    expect(check(obj)).toEqual(expect.arrayContaining([
      { path: 'bogus', message: 'unknown field `bogus`' },
      { path: 'spec.foo', message: 'unknown field `foo`' },
      { path: 'spec.rules[0].to', message: 'unknown field `to`' },
    ]));
    expect(check(obj)).toHaveLength(3);
    // Status is subject to the same pruning.
    expect(check(widget({ size: 1 }, { status: { ready: true, phase: 'x' } }))).toEqual([{ path: 'status.phase', message: 'unknown field `phase`' }]);
  });

  it('accepts unknown fields under x-kubernetes-preserve-unknown-fields, but only at that node', () => {
    expect(check(widget({ size: 1, extra: { anything: { at: ['all'] }, strict: { known: 'k' } } }))).toEqual([]);
    // Declared children of a preserving node are still pruned, as upstream.
    expect(check(widget({ size: 1, extra: { strict: { unknown: 1 } } }))).toEqual([{ path: 'spec.extra.strict.unknown', message: 'unknown field `unknown`' }]);
  });

  it("ignores unknown fields with unknownFields: 'ignore', while still checking everything else", () => {
    const obj = widget({ size: 1, foo: 1, rules: [{ from: 'a', to: 'b' }] }, { bogus: true });
    expect(check(obj, { unknownFields: 'ignore' })).toEqual([]);
    expect(check(obj, { unknownFields: 'error' })).toHaveLength(3);
    expect(check(widget({ size: 'x', foo: 1 }), { unknownFields: 'ignore' })).toEqual([{ path: 'spec.size', message: 'must be integer' }]);
  });

  it('allows null only where nullable: true', () => {
    expect(check(widget({ size: 1, owner: null, tier: null }))).toEqual([]);
    expect(check(widget({ size: 1, tier: 'bronze' }))).toEqual([{ path: 'spec.tier', message: 'must be one of "gold", "silver", null' }]);
    expect(check(widget({ size: 1, mode: null }))).toEqual(expect.arrayContaining([{ path: 'spec.mode', message: 'must be string' }]));
  });

  it('accepts an integer or a string for x-kubernetes-int-or-string, nothing else', () => {
    expect(check(widget({ size: 1, port: 8080 }))).toEqual([]);
    expect(check(widget({ size: 1, port: 'http' }))).toEqual([]);
    expect(check(widget({ size: 1, port: true }))).toEqual([
      { path: 'spec.port', message: 'must be integer or string' },
      { path: 'spec.port', message: 'must match a schema in anyOf (must be integer; must be string)' },
    ]);
    expect(check(widget({ size: 1, port: 1.5 }))).not.toEqual([]);
  });

  it('treats a schema-valued additionalProperties as a map', () => {
    expect(check(widget({ size: 1, labels: { a: 'x', 'app.kubernetes.io/part-of': 'y' } }))).toEqual([]);
    expect(check(widget({ size: 1, labels: { 'app.kubernetes.io/part-of': 3 } }))).toEqual([
      { path: 'spec.labels["app.kubernetes.io/part-of"]', message: 'must be string' },
    ]);
  });

  it('allows apiVersion/kind/metadata in an embedded resource and validates the rest', () => {
    const template = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { a: 'b' } }, spec: { replicas: 1 } };
    expect(check(widget({ size: 1, template }))).toEqual([]);
    expect(check(widget({ size: 1, template: { ...template, spec: { replicas: 'two' }, other: 1 } }))).toEqual([
      { path: 'spec.template.other', message: 'unknown field `other`' },
      { path: 'spec.template.spec.replicas', message: 'must be integer' },
    ]);
    // Outside an embedded resource, kind is just an unknown field.
    expect(check(widget({ size: 1, rules: [{ from: 'a', kind: 'Pod' }] }))).toEqual([{ path: 'spec.rules[0].kind', message: 'unknown field `kind`' }]);
  });

  it('folds anyOf/oneOf alternatives into one message and reports a repeated allOf problem once', () => {
    expect(check(widget({ size: 1, source: { url: 'u' } }))).toEqual([]);
    expect(check(widget({ size: 1, source: {} }))).toEqual([
      { path: 'spec.source', message: 'must match exactly one schema in oneOf (spec.source.url: missing required field `url`; spec.source.path: missing required field `path`)' },
    ]);
    expect(check(widget({ size: 1, source: { url: 'u', path: 'p' } }))).toEqual([
      { path: 'spec.source', message: 'must match exactly one schema in oneOf' },
      { path: 'spec.source', message: 'must NOT be valid' },
    ]);
  });

  it('throws for a version the CRD does not serve, naming apiVersion and kind', () => {
    expect(() => check({ apiVersion: 'example.com/v1beta1', kind: 'Widget', spec: {} })).toThrow(/example\.com\/v1beta1 kind Widget is not served by CRD widgets\.example\.com/);
  });

  it('throws for a kind, version or group without a CRD in the index', () => {
    expect(() => check({ apiVersion: 'example.com/v1', kind: 'Gadget' })).toThrow(/apiVersion example\.com\/v1 kind Gadget/);
    expect(() => check({ apiVersion: 'example.com/v2', kind: 'Widget' })).toThrow(/apiVersion example\.com\/v2 kind Widget/);
    expect(() => check({ apiVersion: 'v1', kind: 'Widget' })).toThrow(/apiVersion v1 kind Widget/);
  });

  it('skips CEL rules and counts those of served versions', () => {
    expect(skippedCelRules(index)).toBe(3);
    // self.size < 100 is violated, but CEL is not evaluated here.
    expect(check(widget({ size: 500 }))).toEqual([]);
    expect(skippedCelRules(indexCrds([]))).toBe(0);
  });

  it('compiles each schema once per unknownFields mode', () => {
    const own = freshIndex();
    const compile = jest.spyOn(Ajv.prototype, 'compile');
    try {
      for (let i = 0; i < 3; i++) validateCustomResource(own, widget({ size: i + 1 }));
      expect(compile).toHaveBeenCalledTimes(1);
      validateCustomResource(own, widget({ size: 1 }), { unknownFields: 'ignore' });
      expect(compile).toHaveBeenCalledTimes(2);
    } finally {
      compile.mockRestore();
    }
  });
});

const UPSTREAM = '/work/shared/upstream';
const CHART = `${UPSTREAM}/charts/cert-manager-v1.20.3.tgz`;
const haveChart = existsSync(CHART);
const describeUpstream = haveChart ? describe : describe.skip;

describeUpstream(`a real CRD: cert-manager ClusterIssuer${haveChart ? '' : ` (skipped: ${CHART} is absent)`}`, () => {
  function clusterIssuerCrd(): Json {
    const file = execFileSync('tar', ['-tzf', CHART], { encoding: 'utf8' })
      .split('\n')
      .find((name) => name.endsWith('/crd-cert-manager.io_clusterissuers.yaml'));
    if (!file) throw new Error(`no ClusterIssuer CRD in ${CHART}`);
    const text = execFileSync('tar', ['-xzOf', CHART, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    // The CRD is a Helm template; its {{ ... }} lines only add labels/annotations, so dropping them leaves valid YAML.
    return parse(text.split('\n').filter((line) => !line.includes('{{')).join('\n')) as Json;
  }

  const issuer = (spec: Json): Json => ({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'selfsigned' }, spec });

  it('accepts a self-signed ClusterIssuer and rejects an unknown field in it', () => {
    const real = indexCrds([clusterIssuerCrd()]);
    expect(real.byGvk.get('cert-manager.io/v1/ClusterIssuer')?.served).toBe(true);
    expect(validateCustomResource(real, issuer({ selfSigned: {} }))).toEqual([]);
    expect(validateCustomResource(real, issuer({ selfSigned: { bogus: 1 } }))).toEqual([{ path: 'spec.selfSigned.bogus', message: 'unknown field `bogus`' }]);
  });
});
