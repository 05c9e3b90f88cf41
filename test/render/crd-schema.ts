// Validates custom resources against the openAPIV3Schema of their CRD version, the way the
// API server treats a structural schema. ajv speaks JSON Schema, not the Kubernetes dialect
// (OpenAPI v3.0 plus x-kubernetes-* extensions), so each schema is converted first.
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';

export interface CrdIndex {
  /** key `${group}/${version}/${kind}` */
  readonly byGvk: ReadonlyMap<string, { crdName: string; served: boolean; schema: object | undefined }>;
}

export interface SchemaViolation {
  readonly path: string;
  readonly message: string;
}

type Node = Record<string, unknown>;
type UnknownFields = 'error' | 'ignore';

const isRecord = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);

// Keywords that mean the same in both dialects. Anything not listed here or handled below
// (description, default, example, format, x-kubernetes-list-type, x-kubernetes-validations, ...)
// is dropped: it either does not validate or cannot be evaluated here (CEL).
const SHARED_KEYWORDS = ['required', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties'];
const JUNCTORS = ['allOf', 'anyOf', 'oneOf'];

/** Builds the index from CRD objects (apiextensions.k8s.io/v1 CustomResourceDefinition as plain JSON). */
export function indexCrds(crds: readonly Record<string, unknown>[]): CrdIndex {
  const byGvk = new Map<string, { crdName: string; served: boolean; schema: object | undefined }>();
  for (const crd of crds) {
    const crdName = isRecord(crd.metadata) ? String(crd.metadata.name) : '(unnamed)';
    const spec = crd.spec;
    if (crd.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition' || !isRecord(spec)) {
      throw new Error(`${crdName} is not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
    }
    if (typeof spec.group !== 'string' || !isRecord(spec.names) || typeof spec.names.kind !== 'string') {
      throw new Error(`CRD ${crdName} has no spec.group or spec.names.kind`);
    }
    for (const version of list(spec.versions).filter(isRecord)) {
      const key = `${spec.group}/${String(version.name)}/${spec.names.kind}`;
      const existing = byGvk.get(key);
      // Two CRDs claiming one kind would make the result depend on input order.
      if (existing) throw new Error(`${key} is defined by both ${existing.crdName} and ${crdName}`);
      const schema = isRecord(version.schema) && isRecord(version.schema.openAPIV3Schema) ? version.schema.openAPIV3Schema : undefined;
      byGvk.set(key, { crdName, served: version.served === true, schema });
    }
  }
  return { byGvk };
}

/** Validates one object; returns [] when valid. Throws if its group/version/kind has no CRD in the index, or the version is not served (message names the apiVersion and kind). */
export function validateCustomResource(index: CrdIndex, obj: Record<string, unknown>, options?: { unknownFields?: 'error' | 'ignore' }): SchemaViolation[] {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const slash = apiVersion.lastIndexOf('/');
  const key = `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${apiVersion.slice(slash + 1)}/${kind}`;
  const entry = index.byGvk.get(key);
  if (!entry) throw new Error(`no CRD in the index defines apiVersion ${apiVersion} kind ${kind}`);
  if (!entry.served) throw new Error(`apiVersion ${apiVersion} kind ${kind} is not served by CRD ${entry.crdName}`);
  // apiextensions v1 requires a schema per version; without one there is nothing to check.
  if (!isRecord(entry.schema)) return [];
  const mode = options?.unknownFields ?? 'error';
  const validate = compiled(index, `${key}#${mode}`, entry.schema, mode);
  return validate(obj) ? [] : violations(validate.errors ?? []);
}

/** Number of CEL `x-kubernetes-validations` rules that were not evaluated, for reporting. */
export function skippedCelRules(index: CrdIndex): number {
  // Only served versions count: unserved ones are never validated against at all.
  let count = 0;
  for (const entry of index.byGvk.values()) if (entry.served) count += countCel(entry.schema);
  return count;
}

function countCel(node: unknown): number {
  if (!isRecord(node)) return 0;
  return list(node['x-kubernetes-validations']).length + children(node).reduce<number>((sum, child) => sum + countCel(child), 0);
}

// Walks schema positions only, so a property that happens to be named like a keyword is not miscounted.
function children(node: Node): unknown[] {
  const properties = isRecord(node.properties) ? Object.values(node.properties) : [];
  return [...properties, node.items, node.additionalProperties, node.not, ...JUNCTORS.flatMap((k) => list(node[k]))];
}

// One ajv instance and validator cache per index; the WeakMap lets both go with the index.
const caches = new WeakMap<CrdIndex, { ajv: Ajv; validators: Map<string, ValidateFunction> }>();

function compiled(index: CrdIndex, key: string, schema: Node, mode: UnknownFields): ValidateFunction {
  let cache = caches.get(index);
  if (!cache) {
    // strict: false tolerates Kubernetes-only leftovers; formats (int32, byte, date-time, ...) are
    // not checked because the API server itself checks only a few and ajv rejects unknown ones.
    cache = { ajv: new Ajv({ strict: false, allErrors: true, validateFormats: false }), validators: new Map() };
    caches.set(index, cache);
  }
  let validate = cache.validators.get(key);
  if (!validate) {
    const root = convert(schema, mode);
    // metadata is validated as ObjectMeta by the API server, not by the CRD schema.
    root.properties = withTypeMeta(root.properties);
    validate = cache.ajv.compile(root);
    cache.validators.set(key, validate);
  }
  return validate;
}

// apiVersion and kind are always accepted at a resource root; metadata may be any object.
function withTypeMeta(properties: unknown): Node {
  return { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...(isRecord(properties) ? properties : {}), metadata: { type: 'object' } };
}

// Converts one schema node. Structural schemas forbid `type` inside allOf/anyOf/oneOf/not, so the
// additionalProperties: false added below only ever lands on the main nodes, never on value checks.
function convert(node: Node, mode: UnknownFields): Node {
  const out: Node = {};
  for (const key of SHARED_KEYWORDS) if (key in node) out[key] = node[key];
  // OpenAPI 3.0 has boolean exclusiveMinimum/Maximum next to minimum/maximum; JSON Schema wants the
  // number (keeping minimum/maximum as well is harmless: the exclusive bound is the stricter one).
  for (const [bound, flag] of [['minimum', 'exclusiveMinimum'], ['maximum', 'exclusiveMaximum']] as const) {
    if (node[flag] === true && typeof node[bound] === 'number') out[flag] = node[bound];
  }
  const types = node['x-kubernetes-int-or-string'] === true ? ['integer', 'string'] : typeof node.type === 'string' ? [node.type] : [];
  if (node.nullable === true) {
    if (types.length > 0) types.push('null');
    if (Array.isArray(out.enum)) out.enum = [...list(out.enum), null];
  }
  if (types.length > 0) out.type = types.length === 1 ? types[0] : types;

  if (isRecord(node.properties)) {
    const properties: Node = {};
    for (const [name, child] of Object.entries(node.properties)) if (isRecord(child)) properties[name] = convert(child, mode);
    out.properties = properties;
  }
  if (node['x-kubernetes-embedded-resource'] === true) out.properties = withTypeMeta(out.properties);
  if (isRecord(node.items)) out.items = convert(node.items, mode);
  // A schema-valued additionalProperties is a map: every value must match it.
  if (isRecord(node.additionalProperties)) out.additionalProperties = convert(node.additionalProperties, mode);
  else if (typeof node.additionalProperties === 'boolean') out.additionalProperties = node.additionalProperties;
  for (const junctor of JUNCTORS) if (Array.isArray(node[junctor])) out[junctor] = list(node[junctor]).filter(isRecord).map((b) => convert(b, mode));
  if (isRecord(node.not)) out.not = convert(node.not, mode);

  // The API server prunes undeclared fields silently; in our manifests that is a bug, so report them.
  // preserve-unknown-fields applies to this node only: declared children still prune (as upstream).
  const preserves = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (mode === 'error' && types.includes('object') && !preserves && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function violations(errors: ErrorObject[]): SchemaViolation[] {
  const isChoice = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';
  // An error inside one alternative of anyOf/oneOf is not a violation by itself (another alternative
  // may match), so it is folded into the anyOf/oneOf message instead of listed on its own.
  const within = (e: ErrorObject, choice: ErrorObject) =>
    e !== choice && e.schemaPath.startsWith(`${choice.schemaPath}/`) && `${e.instancePath}/`.startsWith(`${choice.instancePath}/`);
  const unique = new Map<string, SchemaViolation>();
  for (const error of errors) {
    if (errors.some((choice) => isChoice(choice) && within(error, choice))) continue;
    let violation = toViolation(error);
    if (isChoice(error)) {
      const tried = errors.filter((e) => within(e, error)).map(toViolation).map((v) => (v.path === violation.path ? v.message : `${v.path}: ${v.message}`));
      if (tried.length > 0) violation = { path: violation.path, message: `${violation.message} (${[...new Set(tried)].join('; ')})` };
    }
    // allErrors can report one problem through several schema paths (e.g. allOf); show it once.
    unique.set(`${violation.path}\n${violation.message}`, violation);
  }
  return [...unique.values()];
}

function toViolation(error: ErrorObject): SchemaViolation {
  const path = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return at([...path, String(params.additionalProperty)], `unknown field \`${String(params.additionalProperty)}\``);
    case 'required':
      return at([...path, String(params.missingProperty)], `missing required field \`${String(params.missingProperty)}\``);
    case 'type':
      return at(path, `must be ${[params.type].flat().join(' or ')}`);
    case 'enum':
      return at(path, `must be one of ${list(params.allowedValues).map((v) => JSON.stringify(v)).join(', ')}`);
    default:
      return at(path, error.message ?? `fails ${error.keyword}`);
  }
}

// Renders ['spec', 'rules', '0', 'from'] as spec.rules[0].from; keys such as label names get ["..."].
function at(segments: string[], message: string): SchemaViolation {
  const path = segments.reduce((acc, s) => {
    if (/^\d+$/.test(s)) return `${acc}[${s}]`;
    if (/^[A-Za-z_$][\w$-]*$/.test(s)) return acc ? `${acc}.${s}` : s;
    return `${acc}[${JSON.stringify(s)}]`;
  }, '');
  return { path: path || '(root)', message };
}
