import type { z } from 'zod';
import { GpuFacts, vmSizeFacts } from '../catalog/vm-sizes';
import type { ResolvedDataStores } from '../constructs/stores/settings';
import { Checker, isObject } from './checker';
import { formatIpv4, parseCidr } from './cidr';
import { ConfigError, show } from './config-error';
import { resolveDataStores } from './data-stores';
import { ResolvedDelivery, checkDelivery } from './delivery';
import { RULES, RuleContext } from './rules';
import { ParsedEnvironment, environmentShape } from './schema';
import { Filled, distance } from './schema/kit';
import { checkTemplateText } from './template-text';

type Parsed = ParsedEnvironment;

/** A GPU pool after validation: the schema's output plus the size's GPU facts from the catalog. */
export type ResolvedGpuPool = Parsed['gpuPools'][number] & { readonly gpu: GpuFacts };
export type ResolvedSystemPool = Parsed['systemPool'];
export type ResolvedCpuPool = Parsed['cpuPool'];
export type ResolvedNetwork = Filled<Parsed['network'], 'dnsServiceIp'>;
export type ResolvedPlatform = Omit<Parsed['platform'], 'components'> & {
  readonly components: Filled<Parsed['platform']['components'], 'gpuOperator' | 'modelsWebApp' | 'modelRegistry'>;
};
export interface ResolvedMonitoring {
  readonly logRetentionDays: number;
  readonly managedPrometheus: boolean;
  /** Prometheus rule groups; absent without managed Prometheus or with alerts off. */
  readonly alerts?: Omit<Parsed['monitoring']['alerts'], 'enabled'>;
  readonly grafana: boolean;
}
export type ResolvedAccess = NonNullable<Parsed['access']> & { readonly tenantId: string };

/** An environment after validation, with every default filled in. Constructs take this. */
export interface ResolvedEnvironment extends Omit<Parsed, 'network' | 'gpuPools' | 'security' | 'monitoring' | 'dataStores' | 'platform' | 'access' | 'notebooks' | 'delivery'> {
  readonly network: ResolvedNetwork;
  readonly gpuPools: readonly ResolvedGpuPool[];
  readonly security: Filled<Parsed['security'], 'diskEncryption'>;
  readonly monitoring: ResolvedMonitoring;
  readonly dataStores: ResolvedDataStores;
  readonly platform: ResolvedPlatform;
  /** The access layer, when the environment has one. */
  readonly access?: ResolvedAccess;
  readonly notebooks: Filled<Parsed['notebooks'], 'enabled'>;
  /** Where the deploy pipeline runs (environments/delivery.ts). */
  readonly delivery: ResolvedDelivery;
  /** Problems that do not stop synth yet (a Kubernetes minor near its end of support). */
  readonly warnings: readonly string[];
}

export interface ResolveOptions {
  /** The day support dates are judged against. @default today */
  readonly today?: Date;
}

/** The environment as far as it resolved: a slice is absent when the file breaks it. */
export type Draft = { -readonly [K in keyof ResolvedEnvironment]?: ResolvedEnvironment[K] };

/**
 * Checks an environment file against the schema and every named rule, and fills in
 * the defaults. Throws a `ConfigError` naming each bad setting, the value found and
 * what is accepted; never throws anything else, whatever the input.
 */
export function resolveEnvironment(input: unknown, options: ResolveOptions = {}): ResolvedEnvironment {
  const today = options.today ?? new Date();
  const warnings: string[] = [];
  const c = new Checker();
  if (!isObject(input)) {
    c.fail('(environment)', input, 'expected an object');
    throw new ConfigError('(unnamed)', c.problems);
  }
  const raw = input;
  const envName = typeof raw.name === 'string' ? raw.name : '(unnamed)';
  const accepted = Object.keys(environmentShape);
  for (const [key, value] of Object.entries(raw)) {
    if (!accepted.includes(key)) unknownSetting(c, settingPath('', key), key, value, accepted);
  }
  checkTemplateText(c, raw);

  // Each top-level setting is parsed on its own, so a broken one does not hide the others' problems.
  const parsed: { -readonly [K in keyof Parsed]?: Parsed[K] } = {};
  for (const key of accepted as (keyof Parsed)[]) {
    const schema = environmentShape[key] as z.ZodType;
    const result = schema.safeParse(raw[key]);
    if (result.success) (parsed as Record<string, unknown>)[key] = result.data;
    else report(c, result.error.issues, key, raw[key]);
  }

  const draft = fillDefaults(c, parsed, raw, warnings);
  const ctx: RuleContext = { today, warnings, raw };
  for (const rule of RULES) {
    if (rule.needs.every((k) => draft[k] !== undefined)) rule.check(draft, c, ctx);
  }
  const dataStores = parsed.dataStores && resolveDataStores(c, parsed.dataStores, {
    raw: isObject(raw.dataStores) ? raw.dataStores : {},
    stage: draft.stage, location: draft.location, network: draft.network, warnings,
    pipelines: draft.platform?.components.pipelines, katib: draft.platform?.components.katib,
    hasProfiles: Array.isArray(raw.profiles) && raw.profiles.length > 0,
    modelRegistry: draft.platform?.components.modelRegistry,
  });
  const delivery = parsed.delivery && checkDelivery(c, parsed.delivery, { name: draft.name, apiAccess: draft.apiAccess, security: draft.security });

  if (c.problems.length > 0 || !dataStores || !delivery) {
    throw new ConfigError(envName, c.problems.length > 0 ? c.problems : [{ setting: '(environment)', value: show(envName), accepted: 'could not be resolved' }]);
  }
  const complete = { ...draft, dataStores, delivery } as ResolvedEnvironment;
  return { ...complete, warnings: warnings.map((w) => `${envName}: ${w}`) };
}

/** Defaults that depend on other settings (stage, GPU pools, the access layer), in the resolved shape. */
function fillDefaults(c: Checker, p: { [K in keyof Parsed]?: Parsed[K] }, raw: Record<string, unknown>, _warnings: string[]): Draft {
  const hasAccess = raw.access !== undefined;
  const d: Draft = {};
  const copy = ['name', 'stage', 'location', 'tags', 'kubernetesVersion', 'skuTier', 'apiAccess', 'adminGroupObjectIds', 'systemPool', 'cpuPool', 'zones', 'remoteState', 'maintenance', 'upgrades', 'profiles'] as const;
  for (const key of copy) if (p[key] !== undefined) (d as Record<string, unknown>)[key] = p[key];
  if (p.tenantId !== undefined) d.tenantId = p.tenantId;
  if (p.network) {
    const service = parseCidr(p.network.serviceCidr)!;
    d.network = { ...p.network, dnsServiceIp: p.network.dnsServiceIp ?? formatIpv4(service.first + 10) };
  }
  if (p.gpuPools) {
    const pools = p.gpuPools.map((pool) => ({ ...pool, gpu: vmSizeFacts(pool.vmSize)!.gpu! }));
    d.gpuPools = pools.map(({ migProfile, ...pool }) => (migProfile === undefined ? pool : { ...pool, migProfile }));
  }
  if (p.security && p.stage) d.security = { ...p.security, diskEncryption: p.security.diskEncryption ?? (p.stage === 'prod' ? 'customer-managed' : 'platform') };
  if (p.monitoring) {
    const { alerts, grafana, ...m } = p.monitoring;
    const { enabled, ...rules } = alerts;
    const on = enabled ?? m.managedPrometheus;
    d.monitoring = { ...m, ...(on && m.managedPrometheus ? { alerts: rules } : {}), grafana: (grafana ?? m.managedPrometheus) && m.managedPrometheus };
  }
  if (p.platform) {
    const comp = p.platform.components;
    const gpuOperator = comp.gpuOperator ?? (p.gpuPools ?? []).length > 0;
    d.platform = {
      ...p.platform,
      components: {
        ...comp,
        gpuOperator,
        modelsWebApp: comp.modelsWebApp ?? (hasAccess && comp.kserve),
        modelRegistry: comp.modelRegistry ?? hasAccess,
      },
    };
  }
  if (p.access) {
    if (p.tenantId === undefined) c.fail('tenantId', undefined, 'the access layer needs the Entra tenant id for its token issuer: set tenantId');
    else d.access = { ...p.access, tenantId: p.tenantId };
  }
  if (p.notebooks) d.notebooks = { ...p.notebooks, enabled: p.notebooks.enabled ?? hasAccess };
  return d;
}

/** Turns the schema's issues into problems: the setting's path, the value found, what is accepted. */
function report(c: Checker, issues: readonly z.core.$ZodIssue[], key: string, value: unknown): void {
  for (const issue of issues) {
    const path = [key, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
    const at = valueAt(value, issue.path);
    if (issue.code === 'unrecognized_keys') {
      const names = /accepted here: (.*)$/.exec(issue.message)?.[1].split(', ') ?? [];
      for (const name of issue.keys) unknownSetting(c, settingPath(formatPath(path), name), name, isObject(at) ? at[name] : undefined, names);
      continue;
    }
    const params = (issue as { params?: { setting?: string; shown?: string } }).params;
    const setting = params?.setting ? `${formatPath(path.slice(0, -1))}${params.setting}` : formatPath(path);
    c.problems.push({ setting, value: params?.shown ?? show(at), accepted: issue.message });
  }
}

function unknownSetting(c: Checker, setting: string, key: string, value: unknown, names: readonly string[]): void {
  const prefix = (a: string) => { let n = 0; while (n < a.length && a[n] === key[n]) n++; return n; };
  const closest = [...names].sort((a, b) => distance(key, a) - distance(key, b) || prefix(b) - prefix(a))[0];
  const hint = closest !== undefined && distance(key.toLowerCase(), closest.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean "${closest}"? ` : '';
  c.fail(setting, value, `unknown setting: ${hint}accepted here: ${names.join(', ')}`);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || typeof key === 'symbol') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** `a.b[0].c`; names that are not identifiers print quoted, `a["x y"]`. */
function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : settingPath(text, key)), '');
}

function settingPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}
