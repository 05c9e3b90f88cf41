import type { z } from 'zod';
import { AKS_SUPPORT } from '../catalog/aks-support';
import { AKS_VAULT_TIER_REGIONS, REGIONS_WITHOUT_PAIR } from '../catalog/backup-regions';
import type { ResolvedArtifacts } from '../constructs/artifacts/settings';
import type { ResolvedClusterBackup } from '../constructs/backup/settings';
import type { ResolvedMysql } from '../constructs/mysql/settings';
import type { ResolvedDataStores, dataStoresSettings } from '../constructs/stores/settings';
import { Checker } from './checker';
import { Ipv4Range, contains, formatIpv4, overlaps, parseCidr } from './cidr';
import { ZONES } from './schema/kit';

export type { ResolvedDataStores } from '../constructs/stores/settings';
export type { ResolvedAzureMysql } from '../constructs/mysql/settings';

/** What the data stores' defaults and rules need from the rest of the environment (undefined where that part is broken). */
export interface DataStoreContext {
  /** `dataStores` as written: some rules ask whether a setting was given at all. */
  readonly raw: Record<string, unknown>;
  readonly stage?: 'dev' | 'staging' | 'prod';
  readonly location?: string;
  readonly network?: { readonly vnetCidr: string; readonly nodeSubnetCidr: string };
  /** Which consumers are installed: a managed store nobody uses is refused. */
  readonly pipelines?: boolean;
  readonly katib?: boolean;
  /** Profile namespaces exist: the cluster backup has something to protect. */
  readonly hasProfiles?: boolean;
  /** Model Registry keeps its database in the cluster. */
  readonly modelRegistry?: boolean;
  readonly warnings: string[];
}

/** Smallest data subnet: 16 addresses, 11 usable (Azure keeps 5); MySQL HA takes two and a restore or scale one more. */
const DATA_SUBNET_PREFIX = 28;

/** Regions with availability zones (`catalog/aks-support.json`, `zoneRegions`). */
export function regionHasZones(location: string): boolean {
  return AKS_SUPPORT.zoneRegions.includes(location);
}

type Taken = { name: string; range: Ipv4Range }[];

/**
 * The data stores' stage- and region-dependent defaults and their rules. Azure MySQL and
 * private endpoints take subnets of the environment's virtual network; left out, each
 * gets the highest free /28 of it. The file's string + optional object pairs
 * (`mysql` + `azureMysql`, `artifacts` + `artifactStorage`) become tagged unions.
 */
export function resolveDataStores(c: Checker, d: z.output<typeof dataStoresSettings>, ctx: DataStoreContext): ResolvedDataStores | undefined {
  const before = c.problems.length;
  const taken: Taken = [];
  const vnet = ctx.network ? parseCidr(ctx.network.vnetCidr) : undefined;
  if (ctx.network) taken.push({ name: 'network.nodeSubnetCidr', range: parseCidr(ctx.network.nodeSubnetCidr)! });
  // Ranges named in the file are taken first, so a range chosen automatically never lands on one of them.
  for (const [name, given] of [['dataStores.azureMysql.subnetCidr', d.azureMysql?.subnetCidr], ['dataStores.privateEndpointSubnetCidr', d.privateEndpointSubnetCidr]] as const) {
    const range = parseCidr(given);
    if (range) taken.push({ name, range });
  }
  const zonal = ctx.location === undefined || regionHasZones(ctx.location);
  const prod = ctx.stage === 'prod';

  let mysql: ResolvedMysql | undefined = { kind: 'in-cluster' };
  if (d.mysql === 'azure') {
    if (ctx.pipelines === false && ctx.katib === false) {
      c.fail('dataStores.mysql', d.mysql, 'neither Pipelines nor Katib is installed, so nothing would use the server: use "in-cluster" or turn a consumer on');
    }
    mysql = azureMysql(c, d.azureMysql ?? { skuName: 'GP_Standard_D2ds_v4', version: '8.0.21', storageSizeGb: 32 }, ctx, vnet, taken, zonal);
  } else if (d.azureMysql !== undefined) {
    c.fail('dataStores.azureMysql', ctx.raw.azureMysql, 'only applies with dataStores.mysql "azure": remove it or set mysql to "azure"');
  }

  let artifacts: ResolvedArtifacts = { kind: 'in-cluster' };
  if (d.artifacts === 'azure-blob') {
    if (ctx.pipelines === false) c.fail('dataStores.artifacts', d.artifacts, 'Pipelines is not installed, so nothing would store artifacts: use "in-cluster" or turn Pipelines on');
    const a = d.artifactStorage ?? { softDeleteDays: 30, volumeSizeGb: 100 };
    const replication = a.replication ?? (prod ? (zonal ? 'GZRS' : 'GRS') : 'LRS');
    if ((replication === 'ZRS' || replication === 'GZRS') && ctx.location && !regionHasZones(ctx.location)) {
      c.fail('dataStores.artifactStorage.replication', replication, `region "${ctx.location}" has no availability zones: use "LRS" or "GRS"`);
    }
    artifacts = { kind: 'azure-blob', replication, softDeleteDays: a.softDeleteDays, volumeSizeGb: a.volumeSizeGb };
  } else if (d.artifactStorage !== undefined) {
    c.fail('dataStores.artifactStorage', ctx.raw.artifactStorage, 'only applies with dataStores.artifacts "azure-blob": remove it or set artifacts to "azure-blob"');
  }

  const inCluster = d.mysql === 'in-cluster' || d.artifacts === 'in-cluster' || ctx.modelRegistry === true;
  const clusterBackup = resolveClusterBackup(c, d.clusterBackup, ctx, (ctx.hasProfiles ?? true) || inCluster, zonal);
  let privateEndpointSubnetCidr: string | undefined;
  if (artifacts.kind === 'azure-blob' || clusterBackup) {
    privateEndpointSubnetCidr = dataSubnet(c, 'dataStores.privateEndpointSubnetCidr', d.privateEndpointSubnetCidr, vnet, taken);
  } else if (d.privateEndpointSubnetCidr !== undefined) {
    c.fail('dataStores.privateEndpointSubnetCidr', d.privateEndpointSubnetCidr, 'only used with artifacts "azure-blob" or clusterBackup: remove it');
  }

  if (prod) {
    if (d.mysql === 'in-cluster' && (ctx.pipelines !== false || ctx.katib !== false)) ctx.warnings.push('dataStores.mysql is "in-cluster" in a prod environment: Pipelines and Katib metadata has no point-in-time restore and is lost with the cluster (docs/components/data-stores.md)');
    if (d.artifacts === 'in-cluster' && ctx.pipelines !== false) ctx.warnings.push('dataStores.artifacts is "in-cluster" in a prod environment: Pipelines artifacts are lost with the cluster (docs/components/data-stores.md)');
    if (!clusterBackup) ctx.warnings.push('dataStores.clusterBackup is off in a prod environment: profile namespaces and their volumes have no backup');
  }
  const keepData = d.keepData ?? (ctx.stage === 'staging' || ctx.stage === 'prod');
  if (d.deleteDataOnRemoval && keepData) {
    c.fail('dataStores.deleteDataOnRemoval', true, `contradicts dataStores.keepData (${d.keepData === undefined ? `true by default in ${ctx.stage}` : 'true'}): set keepData to false as well to let this environment's data go, or remove deleteDataOnRemoval`);
  } else if (d.deleteDataOnRemoval) {
    ctx.warnings.push('dataStores.deleteDataOnRemoval is true: turning Pipelines, Katib or Model Registry off, or uninstalling them, deletes their in-cluster databases and artifacts with their disks (docs/components/data-stores.md)');
  }
  if (!keepData && prod) ctx.warnings.push('dataStores.keepData is false in a prod environment: a plan may delete or replace the MySQL server, the artifact Storage Account, the backups and the Log Analytics workspace with their data');
  if (c.problems.length > before || !mysql || !ctx.network) return undefined;
  if ((artifacts.kind === 'azure-blob' || clusterBackup) && !privateEndpointSubnetCidr) return undefined;
  return {
    mysql,
    artifacts,
    ...(privateEndpointSubnetCidr ? { privateEndpointSubnetCidr } : {}),
    ...(clusterBackup ? { clusterBackup } : {}),
    keepData,
    deleteDataOnRemoval: d.deleteDataOnRemoval,
  };
}

function azureMysql(
  c: Checker,
  m: NonNullable<z.output<typeof dataStoresSettings>['azureMysql']>,
  ctx: DataStoreContext,
  vnet: Ipv4Range | undefined,
  taken: Taken,
  zonal: boolean,
): ResolvedMysql | undefined {
  const prod = ctx.stage === 'prod';
  const subnetCidr = dataSubnet(c, 'dataStores.azureMysql.subnetCidr', m.subnetCidr, vnet, taken);
  const highAvailability = m.highAvailability ?? (prod ? (zonal ? 'zone-redundant' : 'same-zone') : 'none');
  if (highAvailability !== 'none' && m.skuName.startsWith('B_')) {
    c.fail('dataStores.azureMysql.highAvailability', highAvailability, `the Burstable size "${m.skuName}" has no high availability: use a General Purpose ("GP_Standard_D2ds_v4") or Business Critical size, or highAvailability "none"`);
  }
  if (highAvailability === 'zone-redundant' && !zonal) {
    c.fail('dataStores.azureMysql.highAvailability', highAvailability, `region "${ctx.location}" has no availability zones: use "same-zone" or "none"`);
  }
  if (prod && highAvailability === 'none') ctx.warnings.push('dataStores.azureMysql.highAvailability is "none" in a prod environment: a zone or host failure stops Pipelines and Katib until the server is back');
  const zone = m.zone ?? (zonal ? '1' : undefined);
  if (m.zone !== undefined && !zonal) c.fail('dataStores.azureMysql.zone', m.zone, `region "${ctx.location}" has no availability zones: remove it`);
  let standbyZone: (typeof ZONES)[number] | undefined;
  if (highAvailability === 'zone-redundant' && zone) {
    standbyZone = m.standbyZone ?? ZONES[(ZONES.indexOf(zone) + 1) % ZONES.length];
    if (standbyZone === zone) c.fail('dataStores.azureMysql.standbyZone', standbyZone, `must differ from dataStores.azureMysql.zone ("${zone}"): the standby protects against the loss of that zone`);
  } else if (m.standbyZone !== undefined) {
    c.fail('dataStores.azureMysql.standbyZone', m.standbyZone, 'only applies with highAvailability "zone-redundant": remove it');
  }
  if (!subnetCidr) return undefined;
  return {
    kind: 'azure',
    subnetCidr, skuName: m.skuName, version: m.version, highAvailability,
    ...(zone ? { zone } : {}),
    ...(standbyZone ? { standbyZone } : {}),
    backupRetentionDays: m.backupRetentionDays ?? (prod ? 35 : 7),
    geoRedundantBackup: m.geoRedundantBackup ?? prod,
    storageSizeGb: m.storageSizeGb,
  };
}

function resolveClusterBackup(
  c: Checker,
  b: z.output<typeof dataStoresSettings>['clusterBackup'],
  ctx: DataStoreContext,
  somethingToProtect: boolean,
  zonal: boolean,
): ResolvedClusterBackup | undefined {
  const stage = ctx.stage;
  const enabled = b.enabled ?? (stage !== undefined && stage !== 'dev' && somethingToProtect);
  if (b.enabled === true && !somethingToProtect) {
    c.fail('dataStores.clusterBackup.enabled', true, 'there is nothing to back up: no profiles, every data store is in Azure and Model Registry is off; add a profile or turn backup off');
  }
  if (!enabled) {
    const given = ctx.raw.clusterBackup;
    const extra = given && typeof given === 'object' ? Object.keys(given).filter((k) => k !== 'enabled') : [];
    if (extra.length > 0) c.fail(`dataStores.clusterBackup.${extra[0]}`, (given as Record<string, unknown>)[extra[0]], 'only applies when clusterBackup.enabled is true: remove it or turn backup on');
    return undefined;
  }
  const storageReplication = stage !== 'prod' ? 'LRS' : zonal ? 'GZRS' : 'GRS';
  const vaultTier = resolveVaultTier(c, b, ctx);
  return {
    everyHours: b.everyHours,
    startTimeUtc: b.startTimeUtc,
    retentionDays: b.retentionDays ?? (stage === 'prod' ? 14 : 7),
    storageReplication,
    ...(vaultTier ? { vaultTier } : {}),
  };
}

/**
 * The vault-tier copy: on by default in prod where the region offers the vault
 * tier and has a pair (cross-region restore restores there); asked for where it
 * cannot be had, refused.
 */
function resolveVaultTier(c: Checker, b: z.output<typeof dataStoresSettings>['clusterBackup'], ctx: DataStoreContext): { retentionDays: number } | undefined {
  const location = ctx.location;
  const offered = location === undefined || (AKS_VAULT_TIER_REGIONS.includes(location) && !REGIONS_WITHOUT_PAIR.includes(location));
  if (b.vaultTier === true && location !== undefined && !offered) {
    const why = AKS_VAULT_TIER_REGIONS.includes(location)
      ? `${location} has no paired region, so a geo-redundant vault cannot restore elsewhere`
      : `Azure Backup for AKS offers only the operational tier in ${location}`;
    c.fail('dataStores.clusterBackup.vaultTier', true, `${why}; accepted: false, or a location with the vault tier and a pair (catalog/backup-regions.ts)`);
    return undefined;
  }
  const on = b.vaultTier ?? (ctx.stage === 'prod' && offered);
  if (!on) {
    if (b.vaultTierDays !== undefined) c.fail('dataStores.clusterBackup.vaultTierDays', b.vaultTierDays, 'only applies when clusterBackup.vaultTier is on: remove it or set vaultTier: true');
    return undefined;
  }
  return { retentionDays: b.vaultTierDays ?? 35 };
}

/** A subnet for a data store: the one given (checked), or the highest free /28 of the virtual network. */
function dataSubnet(c: Checker, setting: string, value: string | undefined, vnet: Ipv4Range | undefined, taken: Taken): string | undefined {
  if (!vnet) return undefined;
  if (value === undefined) {
    const size = 2 ** (32 - DATA_SUBNET_PREFIX);
    for (let first = vnet.last + 1 - size; first >= vnet.first; first -= size) {
      const range = { first, last: first + size - 1, prefix: DATA_SUBNET_PREFIX };
      if (taken.some((t) => overlaps(t.range, range))) continue;
      taken.push({ name: setting, range });
      return `${formatIpv4(first)}/${DATA_SUBNET_PREFIX}`;
    }
    return c.fail(setting, value, `network.vnetCidr (${formatIpv4(vnet.first)}/${vnet.prefix}) has no free /${DATA_SUBNET_PREFIX} left beside ${taken.map((t) => t.name).join(', ')}: make the node subnet smaller, the virtual network larger, or name a free range here`);
  }
  const range = parseCidr(value)!;
  if (!contains(vnet, range)) return c.fail(setting, value, `must lie inside network.vnetCidr (${formatIpv4(vnet.first)}/${vnet.prefix})`);
  if (range.prefix > DATA_SUBNET_PREFIX) return c.fail(setting, value, `accepted: a /${DATA_SUBNET_PREFIX} or larger subnet (11 usable addresses: the server, its standby, and room for a restore)`);
  const clash = taken.find((t) => t.name !== setting && overlaps(t.range, range));
  if (clash) return c.fail(setting, value, `overlaps ${clash.name} (${formatIpv4(clash.range.first)}/${clash.range.prefix}): choose a free range of the virtual network`);
  return value;
}
