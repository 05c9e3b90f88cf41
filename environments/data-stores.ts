import { AKS_SUPPORT } from '../catalog/aks-support';
import { Checker, isObject } from './checker';
import { Ipv4Range, contains, formatIpv4, overlaps, parseCidr } from './cidr';
import type { AvailabilityZone, Stage } from './types';

/** Data stores after validation, with every default filled in. */
export interface ResolvedDataStores {
  readonly mysql: 'in-cluster' | 'azure';
  /** Present with `mysql: 'azure'`. */
  readonly azureMysql?: ResolvedAzureMysql;
  readonly artifacts: 'in-cluster' | 'azure-blob';
  /** Present with `artifacts: 'azure-blob'`. */
  readonly artifactStorage?: { readonly replication: 'LRS' | 'ZRS' | 'GRS' | 'GZRS'; readonly softDeleteDays: number; readonly volumeSizeGb: number };
  /** Present when a data store needs private endpoints (blob artifacts, cluster backup). */
  readonly privateEndpointSubnetCidr?: string;
  /** Present when Azure Backup for AKS is on. */
  readonly clusterBackup?: {
    readonly everyHours: 4 | 6 | 8 | 12 | 24;
    readonly startTimeUtc: string;
    readonly retentionDays: number;
    /** Replication of the extension's Storage Account (it holds the backed-up objects): geo-redundant in prod. */
    readonly storageReplication: 'LRS' | 'GRS' | 'GZRS';
  };
  /** `prevent_destroy` on every Azure data store and its backups. */
  readonly keepData: boolean;
  /** In-cluster store volumes go with their component (no keep policy, StorageClass `reclaimPolicy: Delete`). */
  readonly deleteDataOnRemoval: boolean;
}

export interface ResolvedAzureMysql {
  readonly subnetCidr: string;
  readonly skuName: string;
  readonly version: '8.0.21' | '8.4';
  readonly highAvailability: 'none' | 'same-zone' | 'zone-redundant';
  readonly zone?: AvailabilityZone;
  readonly standbyZone?: AvailabilityZone;
  readonly backupRetentionDays: number;
  readonly geoRedundantBackup: boolean;
  readonly storageSizeGb: number;
}

export interface DataStoreContext {
  readonly stage?: Stage;
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

const ZONES: readonly AvailabilityZone[] = ['1', '2', '3'];
const SKU = /^(B|GP|MO)_Standard_[A-Za-z0-9]+(_v\d+)?$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Smallest data subnet: 16 addresses, 11 usable (Azure keeps 5); MySQL HA takes two and a restore or scale one more. */
const DATA_SUBNET_PREFIX = 28;

/** Regions with availability zones (`catalog/aks-support.json`, `zoneRegions`). */
export function regionHasZones(location: string): boolean {
  return AKS_SUPPORT.zoneRegions.includes(location);
}

/**
 * Checks `dataStores`. Azure MySQL and private endpoints take subnets of the
 * environment's virtual network; left out, each gets the highest free /28 of it.
 */
export function checkDataStores(c: Checker, value: unknown, ctx: DataStoreContext): ResolvedDataStores | undefined {
  const d = c.optionalRecord('dataStores', value);
  const mysql = c.oneOf('dataStores.mysql', d.mysql, ['in-cluster', 'azure'] as const, 'in-cluster');
  const artifacts = c.oneOf('dataStores.artifacts', d.artifacts, ['in-cluster', 'azure-blob'] as const, 'in-cluster');
  const taken: { name: string; range: Ipv4Range }[] = [];
  const vnet = ctx.network ? parseCidr(ctx.network.vnetCidr) : undefined;
  if (ctx.network) taken.push({ name: 'network.nodeSubnetCidr', range: parseCidr(ctx.network.nodeSubnetCidr)! });
  // Ranges named in the file are taken first, so a range chosen automatically never lands on one of them.
  const mysqlSettings = isObject(d.azureMysql) ? d.azureMysql : {};
  for (const [name, given] of [['dataStores.azureMysql.subnetCidr', mysqlSettings.subnetCidr], ['dataStores.privateEndpointSubnetCidr', d.privateEndpointSubnetCidr]] as const) {
    const range = parseCidr(given);
    if (range) taken.push({ name, range });
  }

  let azureMysql: ResolvedAzureMysql | undefined;
  if (mysql === 'azure') {
    if (ctx.pipelines === false && ctx.katib === false) {
      c.fail('dataStores.mysql', mysql, 'neither Pipelines nor Katib is installed, so nothing would use the server: use "in-cluster" or turn a consumer on');
    }
    azureMysql = checkAzureMysql(c, d.azureMysql, ctx, vnet, taken);
  } else if (d.azureMysql !== undefined) {
    c.fail('dataStores.azureMysql', d.azureMysql, 'only applies with dataStores.mysql "azure": remove it or set mysql to "azure"');
  }

  let artifactStorage: ResolvedDataStores['artifactStorage'];
  if (artifacts === 'azure-blob') {
    if (ctx.pipelines === false) c.fail('dataStores.artifacts', artifacts, 'Pipelines is not installed, so nothing would store artifacts: use "in-cluster" or turn Pipelines on');
    const a = c.optionalRecord('dataStores.artifactStorage', d.artifactStorage);
    const zonal = ctx.location === undefined || regionHasZones(ctx.location);
    const replication = c.oneOf('dataStores.artifactStorage.replication', a.replication, ['LRS', 'ZRS', 'GRS', 'GZRS'] as const, ctx.stage === 'prod' ? (zonal ? 'GZRS' : 'GRS') : 'LRS');
    if ((replication === 'ZRS' || replication === 'GZRS') && ctx.location && !regionHasZones(ctx.location)) {
      c.fail('dataStores.artifactStorage.replication', replication, `region "${ctx.location}" has no availability zones: use "LRS" or "GRS"`);
    }
    const softDeleteDays = c.integer('dataStores.artifactStorage.softDeleteDays', a.softDeleteDays, 1, 365, 30);
    const volumeSizeGb = c.integer('dataStores.artifactStorage.volumeSizeGb', a.volumeSizeGb, 10, 32767, 100);
    if (replication && softDeleteDays !== undefined && volumeSizeGb !== undefined) artifactStorage = { replication, softDeleteDays, volumeSizeGb };
  } else if (d.artifactStorage !== undefined) {
    c.fail('dataStores.artifactStorage', d.artifactStorage, 'only applies with dataStores.artifacts "azure-blob": remove it or set artifacts to "azure-blob"');
  }

  const inCluster = mysql === 'in-cluster' || artifacts === 'in-cluster' || ctx.modelRegistry === true;
  const clusterBackup = checkClusterBackup(c, d.clusterBackup, ctx, (ctx.hasProfiles ?? true) || inCluster);
  let privateEndpointSubnetCidr: string | undefined;
  if (artifacts === 'azure-blob' || clusterBackup) {
    privateEndpointSubnetCidr = dataSubnet(c, 'dataStores.privateEndpointSubnetCidr', d.privateEndpointSubnetCidr, vnet, taken);
  } else if (d.privateEndpointSubnetCidr !== undefined) {
    c.fail('dataStores.privateEndpointSubnetCidr', d.privateEndpointSubnetCidr, 'only used with artifacts "azure-blob" or clusterBackup: remove it');
  }

  if (ctx.stage === 'prod') {
    if (mysql === 'in-cluster' && (ctx.pipelines !== false || ctx.katib !== false)) ctx.warnings.push('dataStores.mysql is "in-cluster" in a prod environment: Pipelines and Katib metadata has no point-in-time restore and is lost with the cluster (docs/components/data-stores.md)');
    if (artifacts === 'in-cluster' && ctx.pipelines !== false) ctx.warnings.push('dataStores.artifacts is "in-cluster" in a prod environment: Pipelines artifacts are lost with the cluster (docs/components/data-stores.md)');
    if (!clusterBackup) ctx.warnings.push('dataStores.clusterBackup is off in a prod environment: profile namespaces and their volumes have no backup');
  }
  const keepData = c.bool('dataStores.keepData', d.keepData, ctx.stage === 'staging' || ctx.stage === 'prod');
  const deleteDataOnRemoval = c.bool('dataStores.deleteDataOnRemoval', d.deleteDataOnRemoval, false);
  if (deleteDataOnRemoval && keepData) {
    c.fail('dataStores.deleteDataOnRemoval', true, `contradicts dataStores.keepData (${d.keepData === undefined ? `true by default in ${ctx.stage}` : 'true'}): set keepData to false as well to let this environment's data go, or remove deleteDataOnRemoval`);
  } else if (deleteDataOnRemoval) {
    ctx.warnings.push('dataStores.deleteDataOnRemoval is true: turning Pipelines, Katib or Model Registry off, or uninstalling them, deletes their in-cluster databases and artifacts with their disks (docs/components/data-stores.md)');
  }
  if (!keepData && ctx.stage === 'prod') ctx.warnings.push('dataStores.keepData is false in a prod environment: a plan may delete or replace the MySQL server, the artifact Storage Account, the backups and the Log Analytics workspace with their data');
  if (mysql === undefined || artifacts === undefined || (mysql === 'azure' && !azureMysql) || (artifacts === 'azure-blob' && !artifactStorage)) return undefined;
  if ((artifacts === 'azure-blob' || clusterBackup) && !privateEndpointSubnetCidr) return undefined;
  return {
    mysql,
    ...(azureMysql ? { azureMysql } : {}),
    artifacts,
    ...(artifactStorage ? { artifactStorage } : {}),
    ...(privateEndpointSubnetCidr ? { privateEndpointSubnetCidr } : {}),
    ...(clusterBackup ? { clusterBackup } : {}),
    keepData,
    deleteDataOnRemoval,
  };
}

function checkAzureMysql(c: Checker, value: unknown, ctx: DataStoreContext, vnet: Ipv4Range | undefined, taken: { name: string; range: Ipv4Range }[]): ResolvedAzureMysql | undefined {
  const m = c.optionalRecord('dataStores.azureMysql', value);
  const prod = ctx.stage === 'prod';
  const zonal = ctx.location === undefined ? true : regionHasZones(ctx.location);
  const subnetCidr = dataSubnet(c, 'dataStores.azureMysql.subnetCidr', m.subnetCidr, vnet, taken);
  const skuName = c.text('dataStores.azureMysql.skuName', m.skuName, SKU, 'accepted: a Flexible Server compute size such as "GP_Standard_D2ds_v4" (General Purpose), "MO_Standard_E2ds_v4" (Business Critical) or "B_Standard_B1ms" (Burstable)', 'GP_Standard_D2ds_v4');
  const version = c.oneOf('dataStores.azureMysql.version', m.version, ['8.0.21', '8.4'] as const, '8.0.21');
  const defaultHa = prod ? (zonal ? 'zone-redundant' : 'same-zone') : 'none';
  const highAvailability = c.oneOf('dataStores.azureMysql.highAvailability', m.highAvailability, ['none', 'same-zone', 'zone-redundant'] as const, defaultHa);
  if (highAvailability && highAvailability !== 'none' && skuName?.startsWith('B_')) {
    c.fail('dataStores.azureMysql.highAvailability', highAvailability, `the Burstable size "${skuName}" has no high availability: use a General Purpose ("GP_Standard_D2ds_v4") or Business Critical size, or highAvailability "none"`);
  }
  if (highAvailability === 'zone-redundant' && !zonal) {
    c.fail('dataStores.azureMysql.highAvailability', highAvailability, `region "${ctx.location}" has no availability zones: use "same-zone" or "none"`);
  }
  if (prod && highAvailability === 'none') ctx.warnings.push('dataStores.azureMysql.highAvailability is "none" in a prod environment: a zone or host failure stops Pipelines and Katib until the server is back');
  const zone = m.zone === undefined ? (zonal ? '1' : undefined) : c.oneOf('dataStores.azureMysql.zone', m.zone, ZONES);
  if (m.zone !== undefined && !zonal) c.fail('dataStores.azureMysql.zone', m.zone, `region "${ctx.location}" has no availability zones: remove it`);
  let standbyZone: AvailabilityZone | undefined;
  if (highAvailability === 'zone-redundant' && zone) {
    standbyZone = m.standbyZone === undefined ? ZONES[(ZONES.indexOf(zone) + 1) % ZONES.length] : c.oneOf('dataStores.azureMysql.standbyZone', m.standbyZone, ZONES);
    if (standbyZone === zone) c.fail('dataStores.azureMysql.standbyZone', standbyZone, `must differ from dataStores.azureMysql.zone ("${zone}"): the standby protects against the loss of that zone`);
  } else if (m.standbyZone !== undefined) {
    c.fail('dataStores.azureMysql.standbyZone', m.standbyZone, 'only applies with highAvailability "zone-redundant": remove it');
  }
  const backupRetentionDays = c.integer('dataStores.azureMysql.backupRetentionDays', m.backupRetentionDays, 1, 35, prod ? 35 : 7);
  const geoRedundantBackup = c.bool('dataStores.azureMysql.geoRedundantBackup', m.geoRedundantBackup, prod);
  const storageSizeGb = c.integer('dataStores.azureMysql.storageSizeGb', m.storageSizeGb, 20, 16384, 32);
  if (!subnetCidr || !skuName || !version || !highAvailability || backupRetentionDays === undefined || storageSizeGb === undefined) return undefined;
  if (m.zone !== undefined && !zone) return undefined;
  return {
    subnetCidr, skuName, version, highAvailability,
    ...(zone ? { zone } : {}),
    ...(standbyZone ? { standbyZone } : {}),
    backupRetentionDays, geoRedundantBackup, storageSizeGb,
  };
}

function checkClusterBackup(c: Checker, value: unknown, ctx: DataStoreContext, somethingToProtect: boolean): ResolvedDataStores['clusterBackup'] | undefined {
  const stage = ctx.stage;
  const b = c.optionalRecord('dataStores.clusterBackup', value);
  const enabled = c.bool('dataStores.clusterBackup.enabled', b.enabled, stage !== undefined && stage !== 'dev' && somethingToProtect);
  if (b.enabled === true && !somethingToProtect) {
    c.fail('dataStores.clusterBackup.enabled', true, 'there is nothing to back up: no profiles, every data store is in Azure and Model Registry is off; add a profile or turn backup off');
  }
  const everyHours = c.oneOf('dataStores.clusterBackup.everyHours', b.everyHours === undefined ? undefined : String(b.everyHours), ['4', '6', '8', '12', '24'] as const, '24');
  if (b.everyHours !== undefined && typeof b.everyHours !== 'number') c.fail('dataStores.clusterBackup.everyHours', b.everyHours, 'accepted: the number 4, 6, 8, 12 or 24');
  const startTimeUtc = c.text('dataStores.clusterBackup.startTimeUtc', b.startTimeUtc, HH_MM, 'accepted: a 24-hour time "HH:MM" in UTC, e.g. "01:00"', '01:00');
  const retentionDays = c.integer('dataStores.clusterBackup.retentionDays', b.retentionDays, 1, 360, stage === 'prod' ? 14 : 7);
  if (!enabled) {
    const extra = Object.keys(b).filter((k) => k !== 'enabled');
    if (extra.length > 0) c.fail(`dataStores.clusterBackup.${extra[0]}`, b[extra[0]], 'only applies when clusterBackup.enabled is true: remove it or turn backup on');
    return undefined;
  }
  if (!everyHours || !startTimeUtc || retentionDays === undefined) return undefined;
  const zonal = ctx.location === undefined || regionHasZones(ctx.location);
  const storageReplication = stage !== 'prod' ? 'LRS' : zonal ? 'GZRS' : 'GRS';
  return { everyHours: Number(everyHours) as 4 | 6 | 8 | 12 | 24, startTimeUtc, retentionDays, storageReplication };
}

/** A subnet for a data store: the one given (checked), or the highest free /28 of the virtual network. */
function dataSubnet(c: Checker, setting: string, value: unknown, vnet: Ipv4Range | undefined, taken: { name: string; range: Ipv4Range }[]): string | undefined {
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
  const range = parseCidr(value);
  if (!range) return c.fail(setting, value, 'accepted: an IPv4 CIDR range with no host bits set, e.g. "10.30.255.0/28"');
  if (!contains(vnet, range)) return c.fail(setting, value, `must lie inside network.vnetCidr (${formatIpv4(vnet.first)}/${vnet.prefix})`);
  if (range.prefix > DATA_SUBNET_PREFIX) return c.fail(setting, value, `accepted: a /${DATA_SUBNET_PREFIX} or larger subnet (11 usable addresses: the server, its standby, and room for a restore)`);
  const clash = taken.find((t) => t.name !== setting && overlaps(t.range, range));
  if (clash) return c.fail(setting, value, `overlaps ${clash.name} (${formatIpv4(clash.range.first)}/${clash.range.prefix}): choose a free range of the virtual network`);
  return value as string;
}
