import { MysqlFlexibleDatabase } from '@cdktf/provider-azurerm/lib/mysql-flexible-database';
import { MysqlFlexibleServer } from '@cdktf/provider-azurerm/lib/mysql-flexible-server';
import { MysqlFlexibleServerConfiguration } from '@cdktf/provider-azurerm/lib/mysql-flexible-server-configuration';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import type { ResolvedAzureMysql } from '../mysql/settings';
import { GeneratedSecret } from '../platform/generated-secret';
import { protectSubnet } from './private-storage';

/** The databases Kubeflow's consumers use, by consumer. Names are the distribution's defaults. */
export const MYSQL_DATABASES = {
  /** Pipelines API server and cache server. */
  pipelines: ['mlpipeline', 'cachedb'],
  /** ML Metadata gRPC server. */
  metadata: ['metadb'],
  /** Katib db-manager. */
  katib: ['katib'],
} as const;

/** The administrator login; consumers get their own users (see `constructs/platform/mysql-users.ts`). */
export const MYSQL_ADMIN_LOGIN = 'kfadmin';

/**
 * Server parameters Kubeflow needs, beyond the Flexible Server defaults.
 * - `require_secure_transport` ON and TLS 1.2+ only: every connection is encrypted.
 * - `sql_generate_invisible_primary_key` OFF: Azure turns it on for 8.0 and later; the
 *   components' schemas are then created exactly as on the distribution's own MySQL,
 *   which runs with MySQL's default (OFF).
 */
export const MYSQL_SERVER_PARAMETERS: Readonly<Record<string, string>> = {
  require_secure_transport: 'ON',
  tls_version: 'TLSv1.2,TLSv1.3',
  sql_generate_invisible_primary_key: 'OFF',
};

/**
 * The parameters for a version: on 8.4 also `mysql_native_password=ON`, which MySQL 8.4
 * turns off and ML Metadata 1.14's client needs (google/ml-metadata#128).
 */
export function mysqlServerParameters(version: string): Readonly<Record<string, string>> {
  return version === '8.4' ? { ...MYSQL_SERVER_PARAMETERS, mysql_native_password: 'ON' } : MYSQL_SERVER_PARAMETERS;
}

export interface MysqlServerProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly vnet: VirtualNetwork;
  readonly settings: ResolvedAzureMysql;
  /** Where the administrator password is generated. */
  readonly random: TerraformProvider;
  /** Refuse `terraform destroy` of the server. @default false */
  readonly preventDestroy?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Azure Database for MySQL Flexible Server with private access only: a subnet
 * delegated to it, its own private DNS zone linked to the virtual network, TLS
 * required, backups with point-in-time restore (optionally geo-redundant), high
 * availability where the environment asks for it, and one database per consumer.
 * The administrator password is generated at apply time and is sensitive: plans
 * show `(sensitive value)`.
 * @see docs/components/data-stores.md
 */
export class MysqlServer extends Construct {
  public readonly server: MysqlFlexibleServer;
  public readonly subnet: Subnet;
  public readonly adminPassword: GeneratedSecret;
  public readonly databases: readonly MysqlFlexibleDatabase[];

  constructor(scope: Construct, id: string, props: MysqlServerProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const s = props.settings;
    this.subnet = new Subnet(this, 'subnet', {
      name: 'snet-mysql',
      resourceGroupName: props.resourceGroupName,
      virtualNetworkName: props.vnet.name,
      addressPrefixes: [s.subnetCidr],
      delegation: [{
        name: 'mysql',
        serviceDelegation: { name: 'Microsoft.DBforMySQL/flexibleServers', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] },
      }],
    });
    protectSubnet(this, 'nsg', { name: `nsg-mysql-${props.environment}`, location: props.location, resourceGroupName: props.resourceGroupName, subnet: this.subnet, tags });
    const zone = new PrivateDnsZone(this, 'dns-zone', {
      // A Flexible Server's private zone must end in `.mysql.database.azure.com`.
      name: `kubeflow-${props.environment}.private.mysql.database.azure.com`,
      resourceGroupName: props.resourceGroupName,
      tags,
    });
    const link = new PrivateDnsZoneVirtualNetworkLink(this, 'dns-zone-link', {
      name: `mysql-${props.environment}`,
      resourceGroupName: props.resourceGroupName,
      privateDnsZoneName: zone.name,
      virtualNetworkId: props.vnet.id,
      registrationEnabled: false,
      tags,
    });
    this.adminPassword = new GeneratedSecret(this, 'admin-password', { provider: props.random });
    this.server = new MysqlFlexibleServer(this, 'server', {
      name: `mysql-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      version: s.version,
      skuName: s.skuName,
      administratorLogin: MYSQL_ADMIN_LOGIN,
      administratorPassword: this.adminPassword.value,
      delegatedSubnetId: this.subnet.id,
      privateDnsZoneId: zone.id,
      publicNetworkAccess: 'Disabled',
      backupRetentionDays: s.backupRetentionDays,
      geoRedundantBackupEnabled: s.geoRedundantBackup,
      ...(s.zone ? { zone: s.zone } : {}),
      ...(s.highAvailability === 'none' ? {} : {
        highAvailability: {
          mode: s.highAvailability === 'zone-redundant' ? 'ZoneRedundant' : 'SameZone',
          ...(s.standbyZone ? { standbyAvailabilityZone: s.standbyZone } : {}),
        },
      }),
      storage: { sizeGb: s.storageSizeGb, autoGrowEnabled: true },
      tags,
      dependsOn: [link],
      lifecycle: {
        preventDestroy: props.preventDestroy ?? false,
        // A failover swaps primary and standby zones; following Azure is not drift.
        ignoreChanges: ['zone', 'high_availability[0].standby_availability_zone'],
      },
    });
    for (const [name, value] of Object.entries(mysqlServerParameters(s.version))) {
      new MysqlFlexibleServerConfiguration(this, `parameter-${name}`, {
        name,
        value,
        resourceGroupName: props.resourceGroupName,
        serverName: this.server.name,
      });
    }
    this.databases = Object.values(MYSQL_DATABASES).flat().map((name) => new MysqlFlexibleDatabase(this, `database-${name}`, {
      name,
      resourceGroupName: props.resourceGroupName,
      serverName: this.server.name,
      charset: 'utf8mb4',
      collation: 'utf8mb4_0900_ai_ci',
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    }));
  }
}
