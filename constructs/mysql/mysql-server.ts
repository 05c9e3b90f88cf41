import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { MysqlFlexibleDatabase } from '@cdktf/provider-azurerm/lib/mysql-flexible-database';
import { MysqlFlexibleServer } from '@cdktf/provider-azurerm/lib/mysql-flexible-server';
import { MysqlFlexibleServerConfiguration } from '@cdktf/provider-azurerm/lib/mysql-flexible-server-configuration';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { DataResource, Fn, TerraformProvider, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { ResolvedAzureMysql } from './settings';
import { DeliveryFacts, ownRunnerReason } from '../../environments/delivery';
import { EphemeralResource } from '../lib/ephemeral-resource';
import { protectSubnet } from '../artifacts/private-storage';

/** The databases Kubeflow's consumers use, by consumer. Names are the distribution's defaults. */
export const MYSQL_DATABASES = {
  /** Pipelines API server and cache server. */
  pipelines: ['mlpipeline', 'cachedb'],
  /** ML Metadata gRPC server. */
  metadata: ['metadb'],
  /** Katib db-manager. */
  katib: ['katib'],
} as const;

/** The administrator login; consumers get their own users (see `constructs/mysql/azure-mysql.ts`). */
export const MYSQL_ADMIN_LOGIN = 'kfadmin';

/** Name of the Key Vault secret that holds the administrator password (the only copy outside the server). */
export const MYSQL_ADMIN_SECRET_NAME = 'mysql-admin-password';

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

/**
 * The firewall of the vault that keeps the administrator password: the disk
 * vault's ranges (`security.keyVaultAllowedIpRanges`) when both stacks deploy on
 * the environment's own runner and that runner reaches vaults over the internet
 * (validation has checked its egress against those ranges); otherwise none,
 * since a GitHub-hosted runner's address changes, or a runner with
 * `privateKeyVaultAccess` comes through a private endpoint this project does not
 * create. The vault answers only callers with a role on it either way.
 */
export function adminVaultAllowedIpRanges(env: DeliveryFacts & { readonly security: { readonly keyVaultAllowedIpRanges: readonly string[] } }): readonly string[] | undefined {
  const ownRunner = ownRunnerReason(env, 'cluster') !== undefined && ownRunnerReason(env, 'platform') !== undefined;
  return ownRunner && !env.delivery.deployRunner.privateKeyVaultAccess && env.security.keyVaultAllowedIpRanges.length > 0
    ? env.security.keyVaultAllowedIpRanges
    : undefined;
}

export interface MysqlServerProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly vnet: VirtualNetwork;
  readonly settings: ResolvedAzureMysql;
  /** Where the administrator password is generated (an ephemeral `random_password`). */
  readonly random: TerraformProvider;
  /** Globally unique name of the Key Vault that keeps the administrator password, 3 to 24 characters. */
  readonly keyVaultName: string;
  /**
   * Public IPv4 addresses or ranges allowed to reach that vault's data plane: the
   * runners that deploy both stacks (the cluster stack writes the secret, the
   * platform stack reads it). Without it the vault takes any caller with a role
   * on it (Entra authentication and Azure RBAC only).
   * @default - no firewall
   */
  readonly allowedIpRanges?: readonly string[];
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
 *
 * The administrator password is never in a plan or a state. It is an ephemeral
 * value, made fresh in each run, that only write-only arguments receive, and
 * only when the password version changes: the server's
 * `administrator_password_wo` and the Key Vault secret `mysql-admin-password`
 * (`value_wo`), which is its only copy. The platform stack reads it from there,
 * ephemerally again. The version is the creation time of a `terraform_data`
 * record (`YYYYMMDDhhmmss`); `npm run rotate-secret -- <env> azure-mysql-admin`
 * replaces the record, so both take a new password in one apply.
 * @see docs/components/data-stores.md
 */
export class MysqlServer extends Construct {
  public readonly server: MysqlFlexibleServer;
  public readonly subnet: Subnet;
  /** The vault that keeps the administrator password (Azure RBAC; purge protection). */
  public readonly keyVault: KeyVault;
  /** The administrator password in the vault, written only (`value_wo`). */
  public readonly adminPasswordSecret: KeyVaultSecret;
  /** The password version's record: replacing it (`-replace`) sets a new password. */
  public readonly adminPasswordVersion: DataResource;
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
    const admin = this.adminPasswordStore(props, tags);
    ({ keyVault: this.keyVault, secret: this.adminPasswordSecret, version: this.adminPasswordVersion } = admin);
    this.server = new MysqlFlexibleServer(this, 'server', {
      name: `mysql-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      version: s.version,
      skuName: s.skuName,
      administratorLogin: MYSQL_ADMIN_LOGIN,
      // The same run's value as the vault's, at the same version.
      administratorPasswordWo: admin.password,
      administratorPasswordWoVersion: admin.passwordVersion,
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
      // After the vault has the password: see adminPasswordStore.
      dependsOn: [link, this.adminPasswordSecret],
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

  /**
   * The vault, the deploying identity's right to write secrets there, the password
   * version and the secret. The secret is written before the server takes the same
   * run's value, so the vault never holds an older password than the server. One
   * apply that stops between the two (Azure refuses the server) leaves the vault
   * ahead: the next apply creates the server with a new value, so run
   * `rotate-secret … azure-mysql-admin` then (docs/components/data-stores.md).
   */
  private adminPasswordStore(props: MysqlServerProps, tags: Record<string, string>): { keyVault: KeyVault; secret: KeyVaultSecret; version: DataResource; password: string; passwordVersion: number } {
    const client = new DataAzurermClientConfig(this, 'client');
    const ranges = props.allowedIpRanges;
    const keyVault = new KeyVault(this, 'key-vault', {
      name: props.keyVaultName,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tenantId: client.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      publicNetworkAccessEnabled: true,
      networkAcls: ranges
        ? { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: [...ranges] }
        : { defaultAction: 'Allow', bypass: 'AzureServices' },
      tags,
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    });
    // Secrets Officer, not Secrets User: the cluster stack writes the secret, the platform stack (same identity) reads it.
    const deployerAccess = new RoleAssignment(this, 'deployer-secrets-officer', {
      scope: keyVault.id,
      roleDefinitionName: 'Key Vault Secrets Officer',
      principalId: client.objectId,
    });
    const generated = new EphemeralResource(this, 'admin-password', {
      type: 'random_password',
      // Letters and digits (safe in the user Job's option file), at least two of each kind: Azure wants three kinds of character.
      attributes: { length: 32, special: false, min_upper: 2, min_lower: 2, min_numeric: 2 },
      provider: props.random,
    });
    // The version is the record's creation time: stable until the record is replaced, and always larger afterwards.
    // ignore_changes: plantimestamp() differs in every plan; only a replacement takes a new one.
    const version = new DataResource(this, 'admin-password-version', {
      input: { created: Fn.plantimestamp() },
      lifecycle: { ignoreChanges: ['input'] },
    });
    const password = generated.attribute('result');
    const passwordVersion = Token.asNumber(Fn.parseint(Fn.formatdate('YYYYMMDDhhmmss', Token.asString(version.output.lookup('created'))), 10));
    const secret = new KeyVaultSecret(this, 'admin-password-secret', {
      name: MYSQL_ADMIN_SECRET_NAME,
      keyVaultId: keyVault.id,
      valueWo: password,
      valueWoVersion: passwordVersion,
      contentType: 'password',
      tags,
      dependsOn: [deployerAccess],
    });
    return { keyVault, secret, version, password, passwordVersion };
  }
}
