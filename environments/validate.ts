import {
  AKS_RESERVED_RANGES,
  Ipv4Range,
  NON_PUBLIC_RANGES,
  contains,
  formatIpv4,
  overlaps,
  parseAddressOrCidr,
  parseCidr,
  parseIpv4,
} from './cidr';
import { Checker, isObject } from './checker';
import { ResolvedDataStores, checkDataStores } from './data-stores';
import { ResolvedDelivery, checkDelivery } from './delivery';
import { ConfigError, show } from './config-error';
import type {
  AccessConfig,
  AvailabilityZone,
  ProfileConfig,
  ComponentName,
  PrerequisiteSource,
  DayOfWeek,
  EnvironmentConfig,
  GpuDriverMode,
  MigProfile,
  SkuTier,
  Stage,
} from './types';
import { AKS_SUPPORT, SUPPORT_WARNING_DAYS, gpuRegions, minorStatus, supportedMinors } from '../catalog/aks-support';
import { SETTING_KEYS } from './setting-keys';
import { checkTemplateText } from './template-text';
import { CPU_SIZE_NAMES, GPU_SIZE_NAMES, GpuFacts, vmSizeFacts } from '../catalog/vm-sizes';

/** An environment after validation, with every default filled in. Constructs take this. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly stage: Stage;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly tenantId?: string;
  readonly kubernetesVersion: string;
  readonly skuTier: SkuTier;
  readonly apiAccess: { readonly mode: 'private' } | { readonly mode: 'public'; readonly authorizedIpRanges: readonly string[] };
  readonly adminGroupObjectIds: readonly string[];
  readonly network: ResolvedNetwork;
  readonly systemPool: ResolvedSystemPool;
  readonly cpuPool: ResolvedCpuPool;
  readonly gpuPools: readonly ResolvedGpuPool[];
  readonly zones: readonly AvailabilityZone[];
  readonly remoteState: { readonly resourceGroupName: string; readonly storageAccountName: string; readonly containerName: string };
  readonly maintenance: { readonly dayOfWeek: DayOfWeek; readonly startTimeUtc: string; readonly durationHours: number };
  readonly monitoring: ResolvedMonitoring;
  readonly security: {
    readonly diskEncryption: 'platform' | 'customer-managed';
    readonly keyVaultAllowedIpRanges: readonly string[];
    readonly allowSpotInProduction: boolean;
  };
  readonly upgrades: { readonly channel: 'patch' | 'stable' | 'rapid' | 'node-image'; readonly nodeOsChannel: 'NodeImage' | 'SecurityPatch' };
  readonly dataStores: ResolvedDataStores;
  readonly platform: ResolvedPlatform;
  /** The access layer, when the environment has one. */
  readonly access?: AccessConfig & { readonly tenantId: string; readonly machineToMachine: boolean; readonly machineToMachineAudience: string };
  readonly profiles: readonly ProfileConfig[];
  readonly notebooks: { readonly enabled: boolean; readonly idleMinutes: number; readonly culling: boolean };
  /** Where the deploy pipeline runs (environments/delivery.ts). */
  readonly delivery: ResolvedDelivery;
  /** Problems that do not stop synth yet (a Kubernetes minor near its end of support). */
  readonly warnings: readonly string[];
}

export interface ResolvedMonitoring {
  readonly logRetentionDays: number;
  readonly managedPrometheus: boolean;
  /** Prometheus rule groups; absent without managed Prometheus or with alerts off. */
  readonly alerts?: {
    readonly emails: readonly string[];
    readonly webhooks: readonly { readonly name: string; readonly keyVaultId: string; readonly secretName: string }[];
    readonly idleGpuMinutes: number;
    readonly poolAtMaxMinutes: number;
  };
  readonly grafana: boolean;
}

export interface ResolveOptions {
  /** The day support dates are judged against. @default today */
  readonly today?: Date;
}

export interface ResolvedPlatform {
  readonly kubeLogin: 'azurecli' | 'workloadidentity' | 'msi';
  readonly components: {
    readonly certManager: PrerequisiteSource;
    readonly istio: PrerequisiteSource;
    readonly gpuOperator: boolean;
    readonly trainer: boolean;
    readonly katib: boolean;
    readonly pipelines: boolean;
    readonly kserve: boolean;
    readonly modelsWebApp: boolean;
    readonly modelRegistry: boolean;
    readonly sparkOperator: boolean;
  };
  readonly kserveMode: 'standard' | 'knative';
  readonly knative: 'external' | 'none';
  readonly publicIngress: boolean;
  readonly values: Readonly<Partial<Record<ComponentName, Readonly<Record<string, unknown>>>>>;
}

export interface ResolvedNetwork {
  readonly vnetCidr: string;
  readonly nodeSubnetCidr: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly dnsServiceIp: string;
}

export interface ResolvedSystemPool {
  readonly name: string;
  readonly vmSize: string;
  readonly minCount: number;
  readonly maxCount: number;
  readonly maxPods: number;
  readonly osDiskSizeGb: number;
}

export type ResolvedCpuPool = ResolvedSystemPool;

export interface ResolvedGpuPool {
  readonly name: string;
  readonly vmSize: string;
  readonly gpu: GpuFacts;
  readonly minCount: number;
  readonly maxCount: number;
  readonly spot: boolean;
  readonly spotMaxPriceUsd: number;
  readonly spotEvictionPolicy: 'Delete' | 'Deallocate';
  readonly migProfile?: MigProfile;
  readonly zones: readonly AvailabilityZone[];
  readonly driver: GpuDriverMode;
  readonly maxPods: number;
  readonly osDiskSizeGb: number;
}

const STAGES: readonly Stage[] = ['dev', 'staging', 'prod'];
const SKU_TIERS: readonly SkuTier[] = ['Free', 'Standard', 'Premium'];
const ZONES: readonly AvailabilityZone[] = ['1', '2', '3'];
const DAYS: readonly DayOfWeek[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MIG_PROFILES: readonly MigProfile[] = ['MIG1g', 'MIG2g', 'MIG3g', 'MIG4g', 'MIG7g'];
const DRIVER_MODES: readonly GpuDriverMode[] = ['gpu-operator', 'aks'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
/** Oldest Kubernetes minor this project is tested with (AKS keeps about three minors in support). */
const MAX_NODES_PER_POOL = 1000;
/** Azure keeps five addresses of every subnet. */
const AZURE_RESERVED_SUBNET_ADDRESSES = 5;

/**
 * Checks an environment file against every rule and fills in the defaults.
 * Throws a `ConfigError` naming each bad setting, the value found and what is accepted.
 * Never throws anything else, whatever the input.
 */
export function resolveEnvironment(input: EnvironmentConfig, options: ResolveOptions = {}): ResolvedEnvironment {
  const today = options.today ?? new Date();
  const warnings: string[] = [];
  const c = new Checker();
  const raw = c.record('(environment)', input as unknown);
  if (!raw) throw new ConfigError('(unnamed)', c.problems);
  const envName = typeof raw.name === 'string' ? raw.name : '(unnamed)';
  checkUnknownSettings(c, raw);
  checkTemplateText(c, raw);

  const name = c.text('name', raw.name, /^[a-z][a-z0-9]{1,9}$/, 'accepted: 2 to 10 lowercase letters and digits, starting with a letter (it prefixes stack and resource names)');
  const stage = c.oneOf('stage', raw.stage, STAGES);
  const location = checkLocation(c, raw.location);
  const tags = checkTags(c, raw.tags);
  const tenantId = raw.tenantId === undefined ? undefined : c.text('tenantId', raw.tenantId, UUID, 'accepted: a tenant id (GUID), or leave it out to use the deploying identity\'s tenant');
  const skuTier = c.oneOf('skuTier', raw.skuTier, SKU_TIERS);
  const upgrades = checkUpgrades(c, raw.upgrades);
  const kubernetesVersion = checkKubernetesVersion(c, raw.kubernetesVersion, { today, premium: skuTier === 'Premium', channel: upgrades?.channel, warnings });
  if (stage === 'prod' && skuTier === 'Free') {
    c.fail('skuTier', skuTier, 'a prod environment needs the uptime SLA: use "Standard" or "Premium"');
  }
  const apiAccess = checkApiAccess(c, raw.apiAccess, stage);
  const adminGroupObjectIds = checkAdminGroups(c, raw.adminGroupObjectIds);
  const network = checkNetwork(c, raw.network);
  const zones = checkZones(c, 'zones', raw.zones);
  if (stage === 'prod' && zones !== undefined && zones.length < 2) {
    c.fail('zones', zones, 'a prod environment spreads its system and CPU pools over at least 2 availability zones, e.g. ["1", "2", "3"]');
  }
  const systemPool = checkCpuPool(c, 'systemPool', raw.systemPool, { name: 'system', vmSize: 'Standard_D4ds_v5', osDiskSizeGb: 64, minFloor: 1, ephemeral: true });
  if (stage === 'prod' && systemPool && systemPool.minCount < 2) {
    c.fail('systemPool.minCount', systemPool.minCount, 'a prod environment keeps at least 2 system nodes so critical add-ons survive a node loss');
  }
  const cpuPool = checkCpuPool(c, 'cpuPool', raw.cpuPool, { name: 'platform', vmSize: 'Standard_D8ds_v5', osDiskSizeGb: 128, minFloor: 0, ephemeral: false });
  const security = checkSecurity(c, raw.security, stage);
  const gpuPools = checkGpuPools(c, raw.gpuPools, stage, security?.allowSpotInProduction ?? false);
  if (location && gpuPools) checkGpuRegions(c, location, gpuPools);
  checkPoolNames(c, systemPool, cpuPool, gpuPools);
  if (network && systemPool && cpuPool && gpuPools) checkSubnetCapacity(c, network, [systemPool, cpuPool, ...gpuPools]);
  const remoteState = checkRemoteState(c, raw.remoteState);
  const maintenance = checkMaintenance(c, raw.maintenance);
  const monitoring = checkMonitoring(c, raw.monitoring);
  const platform = checkPlatform(c, raw.platform, gpuPools, raw.access !== undefined);
  const dataStores = checkDataStores(c, raw.dataStores, {
    stage, location, network, warnings,
    pipelines: platform?.components.pipelines, katib: platform?.components.katib,
    hasProfiles: Array.isArray(raw.profiles) && raw.profiles.length > 0,
    modelRegistry: platform?.components.modelRegistry,
  });
  const access = checkAccess(c, raw.access, tenantId, platform);
  const profiles = checkProfiles(c, raw.profiles, raw.access !== undefined, gpuPools);
  const notebooks = checkNotebooks(c, raw.notebooks, raw.access !== undefined, platform);
  // Delivery (issue 19): the deploy runner and the firewalls it must pass, in environments/delivery.ts.
  const delivery = checkDelivery(c, raw.delivery, { name, apiAccess, security });

  if (c.problems.length > 0) throw new ConfigError(envName, c.problems);
  // Every field below was checked above: a problem would have thrown.
  return {
    name: name!,
    stage: stage!,
    location: location!,
    tags: tags!,
    ...(tenantId === undefined ? {} : { tenantId }),
    kubernetesVersion: kubernetesVersion!,
    skuTier: skuTier!,
    apiAccess: apiAccess!,
    adminGroupObjectIds: adminGroupObjectIds!,
    network: network!,
    systemPool: systemPool!,
    cpuPool: cpuPool!,
    gpuPools: gpuPools!,
    zones: zones!,
    remoteState: remoteState!,
    maintenance: maintenance!,
    monitoring: monitoring!,
    security: security!,
    upgrades: upgrades!,
    dataStores: dataStores!,
    platform: platform!,
    ...(access ? { access } : {}),
    profiles: profiles!,
    notebooks: notebooks!,
    delivery: delivery!,
    warnings: warnings.map((w) => `${envName}: ${w}`),
  };
}

function checkTags(c: Checker, value: unknown): Record<string, string> | undefined {
  const tags = c.optionalRecord('tags', value);
  const keys = Object.keys(tags);
  if (keys.length > 48) c.fail('tags', `${keys.length} tags`, 'Azure allows 50 tags per resource and this project adds 2: at most 48');
  const result: Record<string, string> = {};
  // Azure tag names are case-insensitive: `Environment` and `environment` are one tag.
  const seen = new Map<string, string>();
  for (const key of keys) {
    const v = tags[key];
    const folded = key.toLowerCase();
    if (key.length === 0 || key.length > 512 || /[<>%&\\?/]/.test(key)) {
      c.fail(`tags[${show(key)}]`, key, 'a tag name has 1 to 512 characters and none of < > % & \\ ? /');
    } else if (folded === 'environment' || folded === 'managed-by') {
      c.fail(`tags[${show(key)}]`, key, `this project sets the tag "${folded}" (Azure compares tag names without case): remove it from the file`);
    } else if (seen.has(folded)) {
      c.fail(`tags[${show(key)}]`, key, `the same tag as ${show(seen.get(folded))} (Azure compares tag names without case): keep one`);
    } else if (typeof v !== 'string' || v.length > 256) {
      c.fail(`tags[${show(key)}]`, v, 'a tag value is a string of at most 256 characters');
    } else {
      result[key] = v;
    }
    seen.set(folded, key);
  }
  return result;
}

/** Channels under which AKS changes the cluster's version by itself. */
const VERSION_CHANGING_CHANNELS: readonly string[] = ['patch', 'stable', 'rapid'];

function checkKubernetesVersion(
  c: Checker,
  value: unknown,
  ctx: { readonly today: Date; readonly premium: boolean; readonly channel?: string; readonly warnings: string[] },
): string | undefined {
  const minors = supportedMinors(ctx.today, ctx.premium);
  const accepted = `accepted: ${minors.map((m) => `"${m}"`).join(', ')} (AKS minors supported on ${ctx.today.toISOString().slice(0, 10)}${ctx.premium ? ', LTS included' : ''}; table recorded ${AKS_SUPPORT.recorded}, refresh with npm run aks:refresh)`;
  const match = typeof value === 'string' ? /^(1\.\d{1,2})(?:\.(\d{1,3}))?$/.exec(value) : null;
  if (!match) return c.fail('kubernetesVersion', value, `a version is "1.MINOR" or "1.MINOR.PATCH"; ${accepted}`);
  const status = minorStatus(match[1], ctx.today, ctx.premium);
  if (status.kind !== 'supported') return c.fail('kubernetesVersion', value, `${status.reason}; ${accepted}`);
  if (match[2] !== undefined) {
    if (ctx.channel && VERSION_CHANGING_CHANNELS.includes(ctx.channel)) {
      return c.fail('kubernetesVersion', value, `the "${ctx.channel}" upgrade channel moves the patch itself, so a pinned patch would be rolled back or drift: accepted: "${match[1]}" (or upgrades.channel "node-image" to pin patches)`);
    }
    const patches = AKS_SUPPORT.minors[match[1]].patches;
    if (!patches.includes(value as string)) return c.fail('kubernetesVersion', value, `AKS offers no such patch in the support table; accepted: ${patches.map((p) => `"${p}"`).join(', ') || 'none recorded'}, or "${match[1]}"`);
  }
  if (status.daysLeft <= SUPPORT_WARNING_DAYS) {
    ctx.warnings.push(`kubernetesVersion ${String(value)}: ${status.lts ? 'long-term' : 'standard'} support on AKS ends ${status.endOfSupport.toISOString().slice(0, 10)}, in ${status.daysLeft} days: move to ${minors[minors.length - 1]}`);
  }
  return value as string;
}

type Shape = readonly string[] | { readonly keys: readonly string[]; readonly children?: Readonly<Record<string, Shape | ((value: Record<string, unknown>) => Shape | undefined)>>; readonly list?: boolean };

const byMode = (shapes: Readonly<Record<string, Shape>>) => (value: Record<string, unknown>): Shape | undefined => shapes[String(value.mode)];

/** Where each object of an environment file sits, and the names it accepts (from the types, `setting-keys.ts`). */
const ENVIRONMENT_SHAPE: Shape = {
  keys: SETTING_KEYS.environment,
  children: {
    apiAccess: byMode({ private: SETTING_KEYS.apiAccessPrivate, public: SETTING_KEYS.apiAccessPublic }),
    network: SETTING_KEYS.network,
    systemPool: SETTING_KEYS.systemPool,
    cpuPool: SETTING_KEYS.cpuPool,
    gpuPools: { keys: SETTING_KEYS.gpuPool, list: true },
    remoteState: SETTING_KEYS.remoteState,
    maintenance: SETTING_KEYS.maintenance,
    monitoring: {
      keys: SETTING_KEYS.monitoring,
      children: { alerts: { keys: SETTING_KEYS.monitoringAlerts, children: { webhooks: { keys: SETTING_KEYS.alertWebhook, list: true } } } },
    },
    security: SETTING_KEYS.security,
    upgrades: SETTING_KEYS.upgrades,
    dataStores: {
      keys: SETTING_KEYS.dataStores,
      children: { azureMysql: SETTING_KEYS.azureMysql, artifactStorage: SETTING_KEYS.artifactStorage, clusterBackup: SETTING_KEYS.clusterBackup },
    },
    platform: { keys: SETTING_KEYS.platform, children: { components: SETTING_KEYS.components } },
    access: {
      keys: SETTING_KEYS.access,
      children: {
        application: byMode({ create: SETTING_KEYS.applicationCreate, existing: SETTING_KEYS.applicationExisting }),
        tls: byMode({ acme: { keys: SETTING_KEYS.tlsAcme, children: { dnsZone: SETTING_KEYS.dnsZone } }, provided: SETTING_KEYS.tlsProvided }),
      },
    },
    profiles: {
      keys: SETTING_KEYS.profile,
      list: true,
      children: { contributors: { keys: SETTING_KEYS.contributor, list: true }, quota: { keys: SETTING_KEYS.quota, children: { gpus: SETTING_KEYS.quotaGpus } } },
    },
    notebooks: SETTING_KEYS.notebooks,
    delivery: { keys: SETTING_KEYS.delivery, children: { deployRunner: SETTING_KEYS.deployRunner } },
  },
};

/** Refuses every setting name the types do not have, with the closest accepted name. */
function checkUnknownSettings(c: Checker, value: Record<string, unknown>, shape: Shape = ENVIRONMENT_SHAPE, path = ''): void {
  const keys = Array.isArray(shape) ? shape : (shape as { keys: readonly string[] }).keys;
  const children = Array.isArray(shape) ? {} : (shape as { children?: Record<string, unknown> }).children ?? {};
  for (const [key, child] of Object.entries(value)) {
    // Names that are not identifiers (empty, spaces, dots) print quoted, so every problem names its setting.
    const setting = /^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;
    if (!keys.includes(key)) {
      const prefix = (a: string) => { let n = 0; while (n < a.length && a[n] === key[n]) n++; return n; };
      const closest = [...keys].sort((a, b) => distance(key, a) - distance(key, b) || prefix(b) - prefix(a))[0];
      const hint = closest !== undefined && distance(key.toLowerCase(), closest.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean "${closest}"? ` : '';
      c.fail(setting, child, `unknown setting: ${hint}accepted here: ${keys.join(', ')}`);
      continue;
    }
    const next = children[key] as Shape | ((v: Record<string, unknown>) => Shape | undefined) | undefined;
    if (next === undefined) continue;
    const list = !Array.isArray(next) && typeof next !== 'function' && (next as { list?: boolean }).list === true;
    const items = list ? (Array.isArray(child) ? child.map((item, i) => [item, `${setting}[${i}]`] as const) : []) : [[child, setting] as const];
    for (const [item, itemPath] of items) {
      if (!isObject(item)) continue;
      const itemShape = typeof next === 'function' ? next(item) : next;
      if (itemShape) checkUnknownSettings(c, item, itemShape, itemPath);
    }
  }
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length];
}

function checkLocation(c: Checker, value: unknown): string | undefined {
  if (typeof value === 'string' && AKS_SUPPORT.regions.includes(value)) return value;
  const closest = typeof value === 'string'
    ? [...AKS_SUPPORT.regions].sort((a, b) => distance(value, a) - distance(value, b))[0]
    : undefined;
  const hint = closest && typeof value === 'string' && distance(value, closest) <= 3 ? `did you mean "${closest}"? ` : '';
  return c.fail('location', value, `${hint}accepted: an Azure public region name in lowercase without spaces, one of ${AKS_SUPPORT.regions.join(', ')}`);
}

/** Every GPU size must be sold in the environment's region. */
function checkGpuRegions(c: Checker, location: string, pools: readonly ResolvedGpuPool[]): void {
  pools.forEach((pool, i) => {
    const regions = gpuRegions(pool.vmSize);
    if (regions && !regions.includes(location)) {
      c.fail(`gpuPools[${i}].vmSize`, pool.vmSize, `${pool.vmSize} is not offered in ${location} (support table recorded ${AKS_SUPPORT.recorded}); regions that offer it: ${regions.join(', ')}; or pick another GPU size`);
    }
  });
}

function checkApiAccess(c: Checker, value: unknown, stage: Stage | undefined): { mode: 'private' } | { mode: 'public'; authorizedIpRanges: string[] } | undefined {
  const access = c.record('apiAccess', value);
  if (!access) return undefined;
  const mode = c.oneOf('apiAccess.mode', access.mode, ['private', 'public'] as const);
  if (mode === 'private') {
    if (access.authorizedIpRanges !== undefined) c.fail('apiAccess.authorizedIpRanges', access.authorizedIpRanges, 'a private cluster has no public endpoint: remove authorizedIpRanges');
    return { mode };
  }
  if (mode !== 'public') return undefined;
  if (stage === 'prod') {
    c.fail('apiAccess.mode', mode, 'a prod environment uses a private API server: { mode: "private" }');
  }
  const ranges = checkPublicRanges(c, 'apiAccess.authorizedIpRanges', access.authorizedIpRanges, 1, 200);
  return ranges ? { mode, authorizedIpRanges: ranges } : undefined;
}

function checkPublicRanges(c: Checker, setting: string, value: unknown, minItems: number, maxItems: number): string[] | undefined {
  const list = c.list(setting, value, minItems === 0 ? [] : undefined);
  if (!list) return undefined;
  if (list.length < minItems || list.length > maxItems) {
    return c.fail(setting, list, `accepted: ${minItems} to ${maxItems} public IPv4 addresses or CIDR ranges`);
  }
  const result: string[] = [];
  list.forEach((item, i) => {
    const range = parseAddressOrCidr(item);
    if (!range) {
      c.fail(`${setting}[${i}]`, item, 'accepted: an IPv4 address or a CIDR range with no host bits set, e.g. "203.0.113.0/24"');
    } else if (range.prefix < 8) {
      c.fail(`${setting}[${i}]`, item, 'a range this wide opens the endpoint to much of the internet: use /8 or narrower');
    } else {
      const reserved = NON_PUBLIC_RANGES.find((r) => overlaps(r.range, range));
      if (reserved) c.fail(`${setting}[${i}]`, item, `overlaps non-public range ${reserved.name}: list the public egress addresses of your offices and runners`);
      else result.push(item as string);
    }
  });
  return result;
}

function checkAdminGroups(c: Checker, value: unknown): string[] | undefined {
  const list = c.list('adminGroupObjectIds', value);
  if (!list) return undefined;
  if (list.length === 0) return c.fail('adminGroupObjectIds', list, 'at least one Entra ID group object id: with local accounts disabled nobody could administer the cluster');
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (typeof item !== 'string' || !UUID.test(item)) c.fail(`adminGroupObjectIds[${i}]`, item, 'accepted: an Entra ID group object id (GUID)');
    else if (seen.has(item.toLowerCase())) c.fail(`adminGroupObjectIds[${i}]`, item, 'listed twice: remove the duplicate');
    else seen.add(item.toLowerCase());
  });
  return list as string[];
}

function cidr(c: Checker, setting: string, value: unknown, fallback?: string): { text: string; range: Ipv4Range } | undefined {
  const text = value === undefined ? fallback : value;
  const range = parseCidr(text);
  if (!range) return c.fail(setting, value, 'accepted: an IPv4 CIDR range with no host bits set, e.g. "10.20.0.0/16"');
  return { text: text as string, range };
}

function checkNetwork(c: Checker, value: unknown): ResolvedNetwork | undefined {
  const net = c.record('network', value);
  if (!net) return undefined;
  const vnet = cidr(c, 'network.vnetCidr', net.vnetCidr);
  const subnet = cidr(c, 'network.nodeSubnetCidr', net.nodeSubnetCidr);
  const pod = cidr(c, 'network.podCidr', net.podCidr, '192.168.0.0/16');
  const service = cidr(c, 'network.serviceCidr', net.serviceCidr, '172.16.0.0/16');
  if (vnet && vnet.range.prefix > 24) c.fail('network.vnetCidr', vnet.text, 'accepted: a /24 or larger address space');
  if (vnet && subnet && !contains(vnet.range, subnet.range)) {
    c.fail('network.nodeSubnetCidr', subnet.text, `must lie inside network.vnetCidr (${vnet.text})`);
  }
  if (subnet && subnet.range.prefix > 27) c.fail('network.nodeSubnetCidr', subnet.text, 'accepted: a /27 or larger subnet (every node and upgrade surge node takes an address)');
  for (const [setting, r] of [['network.podCidr', pod], ['network.serviceCidr', service]] as const) {
    if (!r) continue;
    if (vnet && overlaps(r.range, vnet.range)) c.fail(setting, r.text, `overlaps network.vnetCidr (${vnet.text}): choose a range outside the virtual network`);
    const reserved = AKS_RESERVED_RANGES.find((x) => overlaps(x.range, r.range));
    if (reserved) c.fail(setting, r.text, `overlaps ${reserved.name}, which AKS reserves: choose another range`);
  }
  if (pod && service && overlaps(pod.range, service.range)) {
    c.fail('network.serviceCidr', service.text, `overlaps network.podCidr (${pod.text}): the two ranges must be disjoint`);
  }
  if (service && service.range.prefix < 12) c.fail('network.serviceCidr', service.text, 'accepted: a /12 or smaller range (AKS limit)');
  if (pod && pod.range.prefix > 24) c.fail('network.podCidr', pod.text, 'accepted: a /24 or larger range (each node takes a /24 from it)');
  let dnsServiceIp: string | undefined;
  if (service) {
    dnsServiceIp = net.dnsServiceIp === undefined ? formatIpv4(service.range.first + 10) : (net.dnsServiceIp as string);
    const address = parseIpv4(dnsServiceIp);
    if (address === undefined || address <= service.range.first || address > service.range.last) {
      c.fail('network.dnsServiceIp', net.dnsServiceIp, `accepted: an address inside network.serviceCidr (${service.text}) other than its first, e.g. "${formatIpv4(service.range.first + 10)}"`);
    } else if (address === service.range.first + 1) {
      c.fail('network.dnsServiceIp', dnsServiceIp, 'the first usable address goes to the kubernetes service: choose another, e.g. the 10th');
    }
  }
  if (!vnet || !subnet || !pod || !service || dnsServiceIp === undefined) return undefined;
  return { vnetCidr: vnet.text, nodeSubnetCidr: subnet.text, podCidr: pod.text, serviceCidr: service.text, dnsServiceIp };
}

function checkZones(c: Checker, setting: string, value: unknown): AvailabilityZone[] | undefined {
  const list = c.list(setting, value, []);
  if (!list) return undefined;
  const result: AvailabilityZone[] = [];
  list.forEach((z, i) => {
    const zone = c.oneOf(`${setting}[${i}]`, z, ZONES);
    if (zone && result.includes(zone)) c.fail(`${setting}[${i}]`, z, 'listed twice: remove the duplicate');
    else if (zone) result.push(zone);
  });
  return result;
}

interface CpuPoolRules {
  readonly name: string;
  readonly vmSize: string;
  readonly osDiskSizeGb: number;
  readonly minFloor: number;
  readonly ephemeral: boolean;
}

function checkPoolName(c: Checker, setting: string, value: unknown, fallback?: string): string | undefined {
  return c.text(setting, value, POOL_NAME, 'accepted: a Linux node pool name of 1 to 12 lowercase letters and digits, starting with a letter', fallback);
}

function checkCounts(c: Checker, prefix: string, pool: Record<string, unknown>, minFloor: number, minFallback?: number): { minCount: number; maxCount: number } | undefined {
  const minCount = c.integer(`${prefix}.minCount`, pool.minCount, minFloor, MAX_NODES_PER_POOL, minFallback);
  const maxCount = c.integer(`${prefix}.maxCount`, pool.maxCount, Math.max(1, minFloor), MAX_NODES_PER_POOL);
  if (minCount === undefined || maxCount === undefined) return undefined;
  if (minCount > maxCount) return c.fail(`${prefix}.minCount`, minCount, `must not exceed ${prefix}.maxCount (${maxCount})`);
  return { minCount, maxCount };
}

function checkMaxPods(c: Checker, setting: string, value: unknown, fallback: number): number | undefined {
  return c.integer(setting, value, 50, 250, fallback);
}

function checkCpuPool(c: Checker, prefix: string, value: unknown, rules: CpuPoolRules): ResolvedSystemPool | undefined {
  const pool = c.record(prefix, value);
  if (!pool) return undefined;
  const name = checkPoolName(c, `${prefix}.name`, pool.name, rules.name);
  const vmSize = pool.vmSize === undefined ? rules.vmSize : pool.vmSize;
  const facts = typeof vmSize === 'string' ? vmSizeFacts(vmSize) : undefined;
  if (!facts || facts.gpu) {
    c.fail(`${prefix}.vmSize`, pool.vmSize, `accepted: a CPU size from catalog/vm-sizes.ts: ${CPU_SIZE_NAMES.join(', ')}`);
  }
  const counts = checkCounts(c, prefix, pool, rules.minFloor);
  const maxPods = checkMaxPods(c, `${prefix}.maxPods`, pool.maxPods, 110);
  const osDiskSizeGb = c.integer(`${prefix}.osDiskSizeGb`, pool.osDiskSizeGb, 30, 2048, rules.osDiskSizeGb);
  if (rules.ephemeral && facts && !facts.gpu && osDiskSizeGb !== undefined && osDiskSizeGb > facts.ephemeralOsDiskMaxGb) {
    c.fail(`${prefix}.osDiskSizeGb`, osDiskSizeGb, facts.ephemeralOsDiskMaxGb === 0
      ? `${String(vmSize)} has no local disk for an ephemeral OS disk: choose a size with a "d" (e.g. Standard_D4ds_v5)`
      : `an ephemeral OS disk on ${String(vmSize)} holds at most ${facts.ephemeralOsDiskMaxGb} GiB`);
  }
  if (!name || !facts || facts.gpu || !counts || maxPods === undefined || osDiskSizeGb === undefined) return undefined;
  return { name, vmSize: vmSize as string, ...counts, maxPods, osDiskSizeGb };
}

function checkGpuPools(c: Checker, value: unknown, stage: Stage | undefined, allowSpotInProduction: boolean): ResolvedGpuPool[] | undefined {
  const list = c.list('gpuPools', value, []);
  if (!list) return undefined;
  const pools: ResolvedGpuPool[] = [];
  list.forEach((item, i) => {
    const pool = checkGpuPool(c, `gpuPools[${i}]`, item, stage, allowSpotInProduction);
    if (pool) pools.push(pool);
  });
  return pools.length === list.length ? pools : undefined;
}

function checkGpuPool(c: Checker, prefix: string, value: unknown, stage: Stage | undefined, allowSpotInProduction: boolean): ResolvedGpuPool | undefined {
  const pool = c.record(prefix, value);
  if (!pool) return undefined;
  const name = checkPoolName(c, `${prefix}.name`, pool.name);
  const facts = typeof pool.vmSize === 'string' ? vmSizeFacts(pool.vmSize) : undefined;
  if (!facts?.gpu) {
    c.fail(`${prefix}.vmSize`, pool.vmSize, `${facts ? 'is a CPU size; ' : ''}accepted: a GPU size from catalog/vm-sizes.ts: ${GPU_SIZE_NAMES.join(', ')}`);
  }
  const counts = checkCounts(c, prefix, pool, 0, 0);
  const spot = c.bool(`${prefix}.spot`, pool.spot, false);
  if (spot && stage === 'prod' && !allowSpotInProduction) {
    c.fail(`${prefix}.spot`, true, 'spot nodes can be evicted at any time: a prod environment needs security.allowSpotInProduction: true to use them');
  }
  let spotMaxPriceUsd = -1;
  if (pool.spotMaxPriceUsd !== undefined) {
    const price = pool.spotMaxPriceUsd;
    if (!spot) c.fail(`${prefix}.spotMaxPriceUsd`, price, 'only applies to spot pools: set spot: true or remove it');
    else if (typeof price !== 'number' || !(price === -1 || (price > 0 && price < 1000 && Math.round(price * 1e5) === price * 1e5))) {
      c.fail(`${prefix}.spotMaxPriceUsd`, price, 'accepted: -1 (cap at the on-demand price) or a positive hourly USD price with at most 5 decimals');
    } else spotMaxPriceUsd = price;
  }
  let spotEvictionPolicy: 'Delete' | 'Deallocate' = 'Delete';
  if (pool.spotEvictionPolicy !== undefined) {
    if (!spot) c.fail(`${prefix}.spotEvictionPolicy`, pool.spotEvictionPolicy, 'only applies to spot pools: set spot: true or remove it');
    else spotEvictionPolicy = c.oneOf(`${prefix}.spotEvictionPolicy`, pool.spotEvictionPolicy, ['Delete', 'Deallocate'] as const) ?? 'Delete';
  }
  let migProfile: MigProfile | undefined;
  if (pool.migProfile !== undefined) {
    migProfile = c.oneOf(`${prefix}.migProfile`, pool.migProfile, MIG_PROFILES);
    if (migProfile && facts?.gpu && !facts.gpu.mig) {
      c.fail(`${prefix}.migProfile`, migProfile, `${String(pool.vmSize)} has ${facts.gpu.model.toUpperCase()} GPUs, which have no MIG: remove migProfile or use an A100/H100/H200 size`);
    }
  }
  const zones = checkZones(c, `${prefix}.zones`, pool.zones);
  const driver = c.oneOf(`${prefix}.driver`, pool.driver, DRIVER_MODES, 'gpu-operator');
  const maxPods = checkMaxPods(c, `${prefix}.maxPods`, pool.maxPods, 50);
  const osDiskSizeGb = c.integer(`${prefix}.osDiskSizeGb`, pool.osDiskSizeGb, 30, 2048, 256);
  if (!name || !facts?.gpu || !counts || !zones || !driver || maxPods === undefined || osDiskSizeGb === undefined) return undefined;
  if (pool.migProfile !== undefined && !migProfile) return undefined;
  return {
    name,
    vmSize: pool.vmSize as string,
    gpu: facts.gpu,
    ...counts,
    spot,
    spotMaxPriceUsd,
    spotEvictionPolicy,
    ...(migProfile ? { migProfile } : {}),
    zones,
    driver,
    maxPods,
    osDiskSizeGb,
  };
}

function checkPoolNames(c: Checker, system?: ResolvedSystemPool, cpu?: ResolvedCpuPool, gpus?: readonly ResolvedGpuPool[]): void {
  const named: [string, string | undefined][] = [
    ['systemPool.name', system?.name],
    ['cpuPool.name', cpu?.name],
    ...(gpus ?? []).map((p, i): [string, string] => [`gpuPools[${i}].name`, p.name]),
  ];
  const seen = new Map<string, string>();
  for (const [setting, name] of named) {
    if (name === undefined) continue;
    const first = seen.get(name);
    if (first) c.fail(setting, name, `already used by ${first}: every node pool needs its own name`);
    else seen.set(name, setting);
  }
}

/** Every node, including one upgrade surge node per pool, takes an address of the node subnet. */
function checkSubnetCapacity(c: Checker, network: ResolvedNetwork, pools: readonly { maxCount: number }[]): void {
  const range = parseCidr(network.nodeSubnetCidr)!;
  const usable = range.last - range.first + 1 - AZURE_RESERVED_SUBNET_ADDRESSES;
  const needed = pools.reduce((sum, p) => sum + p.maxCount + 1, 0);
  if (needed > usable) {
    c.fail('network.nodeSubnetCidr', network.nodeSubnetCidr, `has ${usable} usable addresses but the pools can grow to ${needed} nodes (maxCount plus one surge node each): use a larger subnet or lower maxCount`);
  }
}

function checkRemoteState(c: Checker, value: unknown): ResolvedEnvironment['remoteState'] | undefined {
  const state = c.record('remoteState', value);
  if (!state) return undefined;
  const resourceGroupName = c.text('remoteState.resourceGroupName', state.resourceGroupName, /^[-\w.()]{0,89}[-\w()]$/, 'accepted: a resource group name of 1 to 90 letters, digits, _ - . ( ), not ending with a period');
  const storageAccountName = c.text('remoteState.storageAccountName', state.storageAccountName, /^[a-z0-9]{3,24}$/, 'accepted: 3 to 24 lowercase letters and digits');
  const containerName = c.text('remoteState.containerName', state.containerName, /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, 'accepted: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit', 'tfstate');
  if (!resourceGroupName || !storageAccountName || !containerName) return undefined;
  return { resourceGroupName, storageAccountName, containerName };
}

function checkMaintenance(c: Checker, value: unknown): ResolvedEnvironment['maintenance'] | undefined {
  const m = c.optionalRecord('maintenance', value);
  const dayOfWeek = c.oneOf('maintenance.dayOfWeek', m.dayOfWeek, DAYS, 'Sunday');
  const startTimeUtc = c.text('maintenance.startTimeUtc', m.startTimeUtc, /^([01]\d|2[0-3]):[0-5]\d$/, 'accepted: a 24-hour time "HH:MM" in UTC, e.g. "02:00"', '02:00');
  const durationHours = c.integer('maintenance.durationHours', m.durationHours, 4, 24, 4);
  if (!dayOfWeek || !startTimeUtc || durationHours === undefined) return undefined;
  return { dayOfWeek, startTimeUtc, durationHours };
}

function checkMonitoring(c: Checker, value: unknown): ResolvedEnvironment['monitoring'] | undefined {
  const m = c.optionalRecord('monitoring', value);
  const logRetentionDays = c.integer('monitoring.logRetentionDays', m.logRetentionDays, 30, 730, 30);
  const managedPrometheus = c.bool('monitoring.managedPrometheus', m.managedPrometheus, true);
  const grafana = c.bool('monitoring.grafana', m.grafana, managedPrometheus);
  if (grafana && !managedPrometheus) {
    c.fail('monitoring.grafana', true, 'Grafana shows the metrics of managed Prometheus: set monitoring.managedPrometheus to true, or grafana to false');
  }
  const alerts = checkAlerts(c, m.alerts, managedPrometheus);
  if (logRetentionDays === undefined || alerts === null) return undefined;
  return { logRetentionDays, managedPrometheus, ...(alerts ? { alerts } : {}), grafana: grafana && managedPrometheus };
}

const KEY_VAULT_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.KeyVault\/vaults\/[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/i;

/** The alert settings; `undefined` when no rule groups are made, `null` on a problem. */
function checkAlerts(c: Checker, value: unknown, managedPrometheus: boolean): NonNullable<ResolvedEnvironment['monitoring']['alerts']> | undefined | null {
  const a = c.optionalRecord('monitoring.alerts', value);
  const enabled = c.bool('monitoring.alerts.enabled', a.enabled, managedPrometheus);
  if (enabled && !managedPrometheus) {
    c.fail('monitoring.alerts.enabled', true, 'the alert rules read managed Prometheus: set monitoring.managedPrometheus to true, or alerts.enabled to false');
    return null;
  }
  const before = c.problems.length;
  const emails = (c.list('monitoring.alerts.emails', a.emails, []) ?? []).filter((e, i) => {
    if (typeof e === 'string' && EMAIL.test(e)) return true;
    c.fail(`monitoring.alerts.emails[${i}]`, e, 'accepted: an email address, e.g. "gpu-oncall@example.com"');
    return false;
  }) as string[];
  const webhooks = (c.list('monitoring.alerts.webhooks', a.webhooks, []) ?? []).flatMap((w, i) => {
    const hook = c.record(`monitoring.alerts.webhooks[${i}]`, w);
    if (!hook) return [];
    if (typeof hook.url === 'string' || typeof hook.serviceUri === 'string') {
      c.fail(`monitoring.alerts.webhooks[${i}]`, '(a URL)', 'a webhook URL may carry a token and must not be in the environment file: store it in a Key Vault secret and give keyVaultId and secretName');
      return [];
    }
    const name = c.text(`monitoring.alerts.webhooks[${i}].name`, hook.name, /^[A-Za-z0-9_-]{1,32}$/, 'accepted: 1 to 32 letters, digits, "-" or "_"');
    const keyVaultId = c.text(`monitoring.alerts.webhooks[${i}].keyVaultId`, hook.keyVaultId, KEY_VAULT_ID, 'accepted: a Key Vault resource id, "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>"');
    const secretName = c.text(`monitoring.alerts.webhooks[${i}].secretName`, hook.secretName, /^[0-9a-zA-Z-]{1,127}$/, 'accepted: a Key Vault secret name, 1 to 127 letters, digits and hyphens');
    return name && keyVaultId && secretName ? [{ name, keyVaultId, secretName }] : [];
  });
  const names = webhooks.map((w) => w.name);
  names.forEach((n, i) => { if (names.indexOf(n) !== i) c.fail(`monitoring.alerts.webhooks[${i}].name`, n, 'receiver names are unique within the action group: rename one'); });
  const idleGpuMinutes = c.integer('monitoring.alerts.idleGpuMinutes', a.idleGpuMinutes, 10, 1440, 30);
  const poolAtMaxMinutes = c.integer('monitoring.alerts.poolAtMaxMinutes', a.poolAtMaxMinutes, 15, 1440, 60);
  if (c.problems.length > before || idleGpuMinutes === undefined || poolAtMaxMinutes === undefined) return null;
  if (!enabled) {
    if (emails.length > 0 || webhooks.length > 0) c.fail('monitoring.alerts', '(receivers)', 'receivers without alert rules notify nobody: set alerts.enabled to true, or remove emails and webhooks');
    return undefined;
  }
  return { emails, webhooks, idleGpuMinutes, poolAtMaxMinutes };
}

function checkSecurity(c: Checker, value: unknown, stage: Stage | undefined): ResolvedEnvironment['security'] | undefined {
  const s = c.optionalRecord('security', value);
  const diskEncryption = c.oneOf('security.diskEncryption', s.diskEncryption, ['platform', 'customer-managed'] as const, stage === 'prod' ? 'customer-managed' : 'platform');
  if (stage === 'prod' && diskEncryption === 'platform') {
    c.fail('security.diskEncryption', diskEncryption, 'a prod environment encrypts node disks with its own key: use "customer-managed"');
  }
  const keyVaultAllowedIpRanges = checkPublicRanges(c, 'security.keyVaultAllowedIpRanges', s.keyVaultAllowedIpRanges, 0, 100);
  if (diskEncryption === 'platform' && keyVaultAllowedIpRanges && keyVaultAllowedIpRanges.length > 0) {
    c.fail('security.keyVaultAllowedIpRanges', keyVaultAllowedIpRanges, 'only applies with diskEncryption "customer-managed": remove it');
  }
  const allowSpotInProduction = c.bool('security.allowSpotInProduction', s.allowSpotInProduction, false);
  if (!diskEncryption || !keyVaultAllowedIpRanges) return undefined;
  return { diskEncryption, keyVaultAllowedIpRanges, allowSpotInProduction };
}

function checkUpgrades(c: Checker, value: unknown): ResolvedEnvironment['upgrades'] | undefined {
  const u = c.optionalRecord('upgrades', value);
  const channel = c.oneOf('upgrades.channel', u.channel, ['patch', 'stable', 'rapid', 'node-image'] as const, 'patch');
  const nodeOsChannel = c.oneOf('upgrades.nodeOsChannel', u.nodeOsChannel, ['NodeImage', 'SecurityPatch'] as const, 'NodeImage');
  if (channel === 'node-image' && nodeOsChannel !== 'NodeImage') {
    c.fail('upgrades.nodeOsChannel', nodeOsChannel, 'the "node-image" upgrade channel requires nodeOsChannel "NodeImage"');
  }
  if (!channel || !nodeOsChannel) return undefined;
  return { channel, nodeOsChannel };
}

const PREREQUISITE_SOURCES: readonly PrerequisiteSource[] = ['install', 'external', 'none'];
const COMPONENT_NAMES: readonly ComponentName[] = ['certManager', 'istiod', 'istioGateway', 'gpuOperator', 'trainer', 'kserve', 'sparkOperator'];

/**
 * The user-facing applications next to KServe: the models web app and Model
 * Registry are reached only through sign-in (the gateway sets the user header
 * they trust), so they default to on exactly when there is an access layer.
 */
function checkModelApps(
  c: Checker,
  comp: Record<string, unknown>,
  hasAccess: boolean,
  installed: { readonly kserve: boolean; readonly certManager?: PrerequisiteSource; readonly istio?: PrerequisiteSource },
): { modelsWebApp: boolean; modelRegistry: boolean; sparkOperator: boolean } {
  const modelsWebApp = c.bool('platform.components.modelsWebApp', comp.modelsWebApp, hasAccess && installed.kserve);
  const modelRegistry = c.bool('platform.components.modelRegistry', comp.modelRegistry, hasAccess);
  const sparkOperator = c.bool('platform.components.sparkOperator', comp.sparkOperator, true);
  const web = (setting: string, enabled: boolean, what: string) => {
    if (!enabled) return;
    if (!hasAccess) c.fail(`platform.components.${setting}`, true, `${what} is reached only through sign-in at the gateway: add an access section, or set platform.components.${setting} to false`);
    for (const prerequisite of ['certManager', 'istio'] as const) {
      if (installed[prerequisite] === 'none') c.fail(`platform.components.${setting}`, true, `${setting} needs ${prerequisite}: set platform.components.${prerequisite} to "install" or "external", or set platform.components.${setting} to false`);
    }
  };
  web('modelsWebApp', modelsWebApp, 'the models web app');
  web('modelRegistry', modelRegistry, 'Model Registry');
  if (modelsWebApp && !installed.kserve) c.fail('platform.components.modelsWebApp', true, 'the models web app manages KServe InferenceServices: enable platform.components.kserve, or set platform.components.modelsWebApp to false');
  return { modelsWebApp, modelRegistry, sparkOperator };
}

function checkPlatform(c: Checker, value: unknown, gpuPools: readonly ResolvedGpuPool[] | undefined, hasAccess: boolean): ResolvedPlatform | undefined {
  const p = c.optionalRecord('platform', value);
  const kubeLogin = c.oneOf('platform.kubeLogin', p.kubeLogin, ['azurecli', 'workloadidentity', 'msi'] as const, 'azurecli');
  const comp = c.optionalRecord('platform.components', p.components);
  const certManager = c.oneOf('platform.components.certManager', comp.certManager, PREREQUISITE_SOURCES, 'install');
  const istio = c.oneOf('platform.components.istio', comp.istio, PREREQUISITE_SOURCES, 'install');
  const hasGpuPools = (gpuPools ?? []).length > 0;
  const gpuOperator = c.bool('platform.components.gpuOperator', comp.gpuOperator, hasGpuPools);
  const trainer = c.bool('platform.components.trainer', comp.trainer, true);
  const katib = c.bool('platform.components.katib', comp.katib, true);
  const pipelines = c.bool('platform.components.pipelines', comp.pipelines, true);
  const kserve = c.bool('platform.components.kserve', comp.kserve, true);
  const modelApps = checkModelApps(c, comp, hasAccess, { kserve, certManager, istio });
  const kserveMode = c.oneOf('platform.kserveMode', p.kserveMode, ['standard', 'knative'] as const, 'standard');
  const knative = c.oneOf('platform.knative', p.knative, ['external', 'none'] as const, 'none');
  const publicIngress = c.bool('platform.publicIngress', p.publicIngress, false);

  const needs = (component: string, enabled: boolean, prerequisite: string, source: PrerequisiteSource | undefined) => {
    if (enabled && source === 'none') {
      c.fail(`platform.components.${component}`, true, `${component} needs ${prerequisite}: set platform.components.${prerequisite} to "install" or "external", or disable ${component}`);
    }
  };
  needs('katib', katib, 'certManager', certManager);
  needs('katib', katib, 'istio', istio);
  needs('pipelines', pipelines, 'certManager', certManager);
  needs('pipelines', pipelines, 'istio', istio);
  needs('kserve', kserve, 'certManager', certManager);
  if (kserveMode === 'knative') {
    if (!kserve) c.fail('platform.kserveMode', kserveMode, 'applies only with platform.components.kserve enabled: remove it');
    else if (knative !== 'external') c.fail('platform.kserveMode', kserveMode, 'Knative mode needs Knative Serving, which this project does not install: install it and set platform.knative: "external", or use "standard"');
    else if (istio === 'none') c.fail('platform.kserveMode', kserveMode, 'Knative mode needs Istio: set platform.components.istio to "install" or "external"');
  }
  if (gpuPools) {
    if (gpuOperator && !hasGpuPools) {
      c.fail('platform.components.gpuOperator', true, 'the environment has no GPU pools for the operator to manage: add one to gpuPools or set it to false');
    }
    if (gpuOperator) {
      const modes = new Set(gpuPools.map((pool) => pool.driver));
      if (modes.size > 1) {
        gpuPools.forEach((pool, i) => {
          if (pool.driver !== gpuPools[0].driver) c.fail(`gpuPools[${i}].driver`, pool.driver, `disagrees with gpuPools[0].driver ("${gpuPools[0].driver}"): the GPU Operator installs the driver on all pools or on none; give every pool the same driver`);
        });
      }
    } else {
      gpuPools.forEach((pool, i) => {
        if (pool.driver === 'gpu-operator') c.fail(`gpuPools[${i}].driver`, pool.driver, 'nothing would install the NVIDIA driver with platform.components.gpuOperator false: use driver "aks" or enable the GPU Operator');
      });
    }
  }
  const rawValues = c.optionalRecord('platform.values', p.values);
  const values: Partial<Record<ComponentName, Record<string, unknown>>> = {};
  for (const [key, v] of Object.entries(rawValues)) {
    if (!(COMPONENT_NAMES as readonly string[]).includes(key)) {
      c.fail(`platform.values.${key}`, key, `not a component with values: accepted: ${COMPONENT_NAMES.join(', ')}`);
    } else if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      c.fail(`platform.values.${key}`, v, 'expected an object of Helm values');
    } else {
      values[key as ComponentName] = v as Record<string, unknown>;
    }
  }
  if (!kubeLogin || !certManager || !istio || !kserveMode || !knative) return undefined;
  return {
    kubeLogin,
    components: { certManager, istio, gpuOperator, trainer, katib, pipelines, kserve, ...modelApps },
    kserveMode,
    knative,
    publicIngress,
    values,
  };
}

const DNS_NAME = /^(?=.{4,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const EMAIL = /^[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;
/** Namespaces the platform itself uses: a profile must not take one. */
const RESERVED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kubeflow', 'kubeflow-system', 'istio-system', 'cert-manager', 'oauth2-proxy', 'gpu-operator', 'kserve', 'spark-operator', 'gatekeeper-system'];
const GPU_MODELS = ['t4', 'a100', 'h100', 'h200'] as const;

function checkAccess(c: Checker, value: unknown, tenantId: string | undefined, platform: ResolvedPlatform | undefined): ResolvedEnvironment['access'] | undefined {
  if (value === undefined) return undefined;
  const a = c.record('access', value);
  if (!a) return undefined;
  const host = c.text('access.host', a.host, DNS_NAME, 'accepted: a DNS name in lowercase, such as "kubeflow.dev.example.com" (no scheme, port, path or wildcard)');
  if (tenantId === undefined) c.fail('tenantId', undefined, 'the access layer needs the Entra tenant id for its token issuer: set tenantId');
  const app = c.record('access.application', a.application);
  let application: AccessConfig['application'] | undefined;
  if (app) {
    const mode = c.oneOf('access.application.mode', app.mode, ['create', 'existing'] as const);
    if (mode === 'create') {
      const displayName = app.displayName === undefined ? undefined : c.text('access.application.displayName', app.displayName, /^.{1,120}$/, 'accepted: 1 to 120 characters');
      application = { mode, ...(displayName ? { displayName } : {}) };
    } else if (mode === 'existing') {
      const clientId = c.text('access.application.clientId', app.clientId, UUID, 'accepted: the application (client) id of the existing app registration, a GUID');
      if (clientId) application = { mode, clientId };
    }
  }
  const groups = c.list('access.allowedGroupObjectIds', a.allowedGroupObjectIds);
  const allowedGroupObjectIds: string[] = [];
  if (groups && groups.length === 0) c.fail('access.allowedGroupObjectIds', groups, 'at least one Entra ID group: the application requires assignment, so nobody else can sign in');
  (groups ?? []).forEach((g, i) => {
    if (typeof g !== 'string' || !UUID.test(g)) c.fail(`access.allowedGroupObjectIds[${i}]`, g, 'accepted: an Entra ID group object id (GUID)');
    else if (allowedGroupObjectIds.includes(g)) c.fail(`access.allowedGroupObjectIds[${i}]`, g, 'listed twice: remove the duplicate');
    else allowedGroupObjectIds.push(g);
  });
  const tls = checkTls(c, a.tls, host, platform);
  const machineToMachine = c.bool('access.machineToMachine', a.machineToMachine, false);
  const machineToMachineAudience = c.text('access.machineToMachineAudience', a.machineToMachineAudience, /^[A-Za-z0-9][A-Za-z0-9:/._-]{0,127}$/, 'accepted: 1 to 128 letters, digits and : / . _ -', 'kubeflow');
  if (platform && platform.components.istio === 'none') {
    c.fail('access', 'set', 'sign-in runs through the Istio ingress gateway: set platform.components.istio to "install" or "external"');
  }
  if (!host || !application || !tls || tenantId === undefined || !machineToMachineAudience || allowedGroupObjectIds.length === 0) return undefined;
  return { host, application, allowedGroupObjectIds, tls, tenantId, machineToMachine, machineToMachineAudience };
}

function checkTls(c: Checker, value: unknown, host: string | undefined, platform: ResolvedPlatform | undefined): AccessConfig['tls'] | undefined {
  const t = c.record('access.tls', value);
  if (!t) return undefined;
  const mode = c.oneOf('access.tls.mode', t.mode, ['acme', 'provided'] as const);
  if (mode === 'provided') {
    const secretName = c.text('access.tls.secretName', t.secretName, /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'accepted: the name of a kubernetes.io/tls Secret in istio-system (lowercase letters, digits, - and .)');
    return secretName ? { mode, secretName } : undefined;
  }
  if (mode !== 'acme') return undefined;
  const email = c.text('access.tls.email', t.email, EMAIL, 'accepted: an email address for the ACME account');
  const zone = c.record('access.tls.dnsZone', t.dnsZone);
  const server = c.oneOf('access.tls.server', t.server, ['production', 'staging'] as const, 'production');
  if (platform && platform.components.certManager !== 'install') {
    c.fail('access.tls.mode', mode, 'ACME certificates are requested by the cert-manager this project installs (with workload identity for Azure DNS): set platform.components.certManager to "install", or use tls.mode "provided"');
  }
  if (!zone) return undefined;
  const name = c.text('access.tls.dnsZone.name', zone.name, DNS_NAME, 'accepted: the Azure DNS zone name, e.g. "example.com"');
  const resourceGroupName = c.text('access.tls.dnsZone.resourceGroupName', zone.resourceGroupName, /^[-\w.()]{0,89}[-\w()]$/, 'accepted: a resource group name');
  const subscriptionId = c.text('access.tls.dnsZone.subscriptionId', zone.subscriptionId, UUID, 'accepted: a subscription id (GUID)');
  if (name && host && !(host === name || host.endsWith(`.${name}`))) {
    c.fail('access.host', host, `is not inside access.tls.dnsZone.name ("${name}"): the DNS-01 challenge must be answered in the zone that holds the host`);
  }
  if (!email || !name || !resourceGroupName || !subscriptionId || !server) return undefined;
  return { mode, email, dnsZone: { name, resourceGroupName, subscriptionId }, server };
}

function checkProfiles(c: Checker, value: unknown, hasAccess: boolean, gpuPools: readonly ResolvedGpuPool[] | undefined): ProfileConfig[] | undefined {
  const list = c.list('profiles', value, []);
  if (!list) return undefined;
  if (list.length > 0 && !hasAccess) {
    c.fail('profiles', `${list.length} profile(s)`, 'profiles need the access layer (sign-in, dashboard and profile controller): add an access section, or remove the profiles');
  }
  const names = new Set<string>();
  const models = new Set((gpuPools ?? []).map((p) => p.gpu.model));
  const result: ProfileConfig[] = [];
  list.forEach((item, i) => {
    const prefix = `profiles[${i}]`;
    const p = c.record(prefix, item);
    if (!p) return;
    const name = c.text(`${prefix}.name`, p.name, DNS_LABEL, 'accepted: a namespace name: lowercase letters, digits and hyphens, at most 63, starting and ending with a letter or digit');
    if (name && RESERVED_NAMESPACES.includes(name)) c.fail(`${prefix}.name`, name, `is a namespace of the platform itself: choose another (reserved: ${RESERVED_NAMESPACES.join(', ')})`);
    else if (name && names.has(name)) c.fail(`${prefix}.name`, name, 'another profile has this name: profile names must be unique');
    if (name) names.add(name);
    const owner = lowerCaseEmail(c, `${prefix}.owner`, c.text(`${prefix}.owner`, p.owner, EMAIL, 'accepted: the owner\'s email address exactly as Entra ID issues it in the email claim (it becomes kubeflow-userid)'));
    const contributors: { email: string; role: 'edit' | 'view' }[] = [];
    (c.list(`${prefix}.contributors`, p.contributors, []) ?? []).forEach((entry, j) => {
      const cp = `${prefix}.contributors[${j}]`;
      const e = c.record(cp, entry);
      if (!e) return;
      const email = lowerCaseEmail(c, `${cp}.email`, c.text(`${cp}.email`, e.email, EMAIL, 'accepted: an email address exactly as Entra ID issues it'));
      const role = c.oneOf(`${cp}.role`, e.role, ['edit', 'view'] as const);
      if (email && owner && email.toLowerCase() === owner.toLowerCase()) c.fail(`${cp}.email`, email, 'is the owner, who already has every right: remove this contributor');
      else if (email && contributors.some((x) => x.email.toLowerCase() === email.toLowerCase())) c.fail(`${cp}.email`, email, 'listed twice: keep one entry with the role you want');
      else if (email && role) contributors.push({ email, role });
    });
    let quota: ProfileConfig['quota'] | undefined;
    if (p.quota !== undefined) {
      const q = c.record(`${prefix}.quota`, p.quota);
      if (q) {
        const out: Record<string, unknown> = {};
        for (const key of ['cpu', 'memory', 'storage'] as const) {
          if (q[key] === undefined) continue;
          const v = c.text(`${prefix}.quota.${key}`, q[key], QUANTITY, 'accepted: a Kubernetes quantity such as "16", "500m", "64Gi"');
          if (v) out[key] = v;
        }
        if (q.gpus !== undefined) {
          const g = c.record(`${prefix}.quota.gpus`, q.gpus) ?? {};
          const gpus: Record<string, number> = {};
          for (const [model, count] of Object.entries(g)) {
            if (!(GPU_MODELS as readonly string[]).includes(model)) {
              c.fail(`${prefix}.quota.gpus.${model}`, model, `accepted GPU models: ${GPU_MODELS.join(', ')}`);
            } else if (gpuPools && !models.has(model as GpuFacts['model'])) {
              c.fail(`${prefix}.quota.gpus.${model}`, count, `no GPU pool of this environment has ${model.toUpperCase()} GPUs (pools have: ${[...models].join(', ') || 'none'}): add such a pool or remove this quota`);
            } else {
              const n = c.integer(`${prefix}.quota.gpus.${model}`, count, 0, 10000);
              if (n !== undefined) gpus[model] = n;
            }
          }
          out.gpus = gpus;
        }
        quota = out as ProfileConfig['quota'];
      }
    }
    if (name && owner) result.push({ name, owner, contributors, ...(quota ? { quota } : {}) });
  });
  return result.length === list.length ? result : undefined;
}

/**
 * Profile owners and contributors in lower case only. Kubeflow compares the
 * signed-in user's email claim (the `kubeflow-userid` header) with these
 * addresses character for character (Profile owner, RoleBinding subjects,
 * AuthorizationPolicy header values), so `Alice@…` in the file and `alice@…` in
 * the claim lock the owner out. Refused rather than lower-cased silently: the
 * file then shows exactly what is compared.
 */
function lowerCaseEmail(c: Checker, setting: string, email: string | undefined): string | undefined {
  if (email === undefined || email === email.toLowerCase()) return email;
  return c.fail(setting, email, `has capitals: Kubeflow compares this address with the signed-in user's email claim (the kubeflow-userid header) character for character, and profile addresses are written in lower case: write "${email.toLowerCase()}" (the user's address in Entra ID must be lower case too: docs/components/profiles.md)`);
}

function checkNotebooks(c: Checker, value: unknown, hasAccess: boolean, platform: ResolvedPlatform | undefined): ResolvedEnvironment['notebooks'] | undefined {
  const n = c.optionalRecord('notebooks', value);
  const enabled = c.bool('notebooks.enabled', n.enabled, hasAccess);
  if (enabled && !hasAccess) c.fail('notebooks.enabled', true, 'notebooks are reached through sign-in and the dashboard: add an access section, or set notebooks.enabled to false');
  if (enabled && platform && platform.components.istio === 'none') c.fail('notebooks.enabled', true, 'notebooks are served through Istio: set platform.components.istio to "install" or "external"');
  const idleMinutes = c.integer('notebooks.idleMinutes', n.idleMinutes, 10, 10080, 60);
  const culling = c.bool('notebooks.culling', n.culling, true);
  return idleMinutes === undefined ? undefined : { enabled, idleMinutes, culling };
}
