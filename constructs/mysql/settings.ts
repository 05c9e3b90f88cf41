import { z } from 'zod';
import { ZONES, bool, cidr, integer, object, oneOf, text, type Filled } from '../../environments/schema/kit';

/** Azure Database for MySQL Flexible Server: `dataStores.mysql` and `dataStores.azureMysql`. */

export const mysqlMode = oneOf(['in-cluster', 'azure']).default('in-cluster').meta({
  description: 'Where the metadata of Pipelines and Katib lives: MySQL pods on a cluster disk (`in-cluster`) or Azure Database for MySQL Flexible Server (`azure`: TLS, point-in-time restore, optional HA).',
});

export const azureMysqlSettings = object({
  subnetCidr: cidr('10.30.255.0/28').optional().meta({
    description: 'Subnet delegated to the server: inside `network.vnetCidr`, disjoint from the other subnets, a /28 or larger.',
    defaultText: 'the highest free /28 of the virtual network',
  }),
  skuName: text(/^(B|GP|MO)_Standard_[A-Za-z0-9]+(_v\d+)?$/, 'accepted: a Flexible Server compute size such as "GP_Standard_D2ds_v4" (General Purpose), "MO_Standard_E2ds_v4" (Business Critical) or "B_Standard_B1ms" (Burstable)')
    .default('GP_Standard_D2ds_v4').meta({ description: 'Compute size (General Purpose `GP_`, Business Critical `MO_`, Burstable `B_`).' }),
  version: oneOf(['8.0.21', '8.4']).default('8.0.21').meta({ description: 'MySQL server version; `8.0.21` is the one ML Metadata 1.14 is known to work with (docs/components/data-stores.md).' }),
  highAvailability: oneOf(['none', 'same-zone', 'zone-redundant']).optional().meta({
    description: 'A standby in another zone, in the same zone, or none. Needs a General Purpose or Business Critical size.',
    defaultText: '`\'zone-redundant\'` in prod (`\'same-zone\'` in a region without zones), `\'none\'` elsewhere',
  }),
  zone: oneOf(ZONES).optional().meta({ description: 'Zone of the primary server; refused in a region without zones.', defaultText: '`\'1\'` when the region has zones' }),
  standbyZone: oneOf(ZONES).optional().meta({ description: 'Zone of the zone-redundant standby; differs from `zone`.', defaultText: 'the zone after `zone`' }),
  backupRetentionDays: integer(1, 35).optional().meta({ description: 'Days of automatic backups (point-in-time restore window).', defaultText: '35 in prod, 7 elsewhere' }),
  geoRedundantBackup: bool().optional().meta({ description: 'Copy backups to the paired region (cannot be changed after creation).', defaultText: 'true in prod, false elsewhere' }),
  storageSizeGb: integer(20, 16384).default(32).meta({ description: 'Storage in GiB; grows automatically.' }),
}).meta({ description: 'Settings of the Azure MySQL server; only with `mysql: \'azure\'`.' });

/** The Azure MySQL server after resolution: every stage- and region-dependent default chosen. */
export type ResolvedAzureMysql = Filled<z.output<typeof azureMysqlSettings>, 'subnetCidr' | 'highAvailability' | 'backupRetentionDays' | 'geoRedundantBackup'>;

/** Where metadata lives, after resolution: code that reads an Azure MySQL setting narrows on `kind`. */
export type ResolvedMysql = { readonly kind: 'in-cluster' } | ({ readonly kind: 'azure' } & ResolvedAzureMysql);
