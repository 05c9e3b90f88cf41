import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/**
 * A network security group on a data subnet: Azure's default rules (inbound only
 * from the virtual network, nothing from the internet), so every subnet is
 * covered by one and later rules have a place to go.
 */
export function protectSubnet(scope: Construct, id: string, props: { name: string; location: string; resourceGroupName: string; subnet: Subnet; tags?: Record<string, string> }): NetworkSecurityGroup {
  const group = new NetworkSecurityGroup(scope, id, { name: props.name, location: props.location, resourceGroupName: props.resourceGroupName, tags: props.tags ?? {} });
  new SubnetNetworkSecurityGroupAssociation(scope, `${id}-association`, { subnetId: props.subnet.id, networkSecurityGroupId: group.id });
  return group;
}

export interface PrivateEndpointNetworkProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly vnet: VirtualNetwork;
  /** Subnet of the private endpoints, inside the virtual network. */
  readonly subnetCidr: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Where the data stores' private endpoints live: one subnet and the
 * `privatelink.blob.core.windows.net` zone linked to the virtual network, so
 * that nodes resolve each Storage Account to its private address.
 */
export class PrivateEndpointNetwork extends Construct {
  public readonly subnet: Subnet;
  public readonly blobZone: PrivateDnsZone;

  constructor(scope: Construct, id: string, props: PrivateEndpointNetworkProps) {
    super(scope, id);
    this.subnet = new Subnet(this, 'subnet', {
      name: 'snet-private-endpoints',
      resourceGroupName: props.resourceGroupName,
      virtualNetworkName: props.vnet.name,
      addressPrefixes: [props.subnetCidr],
    });
    protectSubnet(this, 'nsg', { name: `nsg-private-endpoints-${props.environment}`, location: props.location, resourceGroupName: props.resourceGroupName, subnet: this.subnet, tags: props.tags });
    this.blobZone = new PrivateDnsZone(this, 'blob-zone', {
      name: 'privatelink.blob.core.windows.net',
      resourceGroupName: props.resourceGroupName,
      tags: props.tags ?? {},
    });
    new PrivateDnsZoneVirtualNetworkLink(this, 'blob-zone-link', {
      name: `blob-${props.environment}`,
      resourceGroupName: props.resourceGroupName,
      privateDnsZoneName: this.blobZone.name,
      virtualNetworkId: props.vnet.id,
      registrationEnabled: false,
      tags: props.tags ?? {},
    });
  }
}

/** A customer-managed key for Storage Accounts, the identity that uses it, and its grant (the account waits for it). */
export interface StorageKey {
  readonly keyVaultKeyId: string;
  readonly identity: UserAssignedIdentity;
  readonly access: ITerraformDependable;
}

export interface PrivateStorageProps {
  readonly location: string;
  readonly resourceGroupName: string;
  /** Globally unique account name: 3 to 24 lowercase letters and digits. */
  readonly name: string;
  readonly network: PrivateEndpointNetwork;
  /** Blob containers to create (through the management plane: no data-plane access needed at deploy). */
  readonly containers: readonly string[];
  /** @default 'LRS' */
  readonly replication?: 'LRS' | 'ZRS' | 'GRS' | 'GZRS';
  /** Days deleted blobs and containers stay recoverable. @default 30 */
  readonly softDeleteDays?: number;
  /** Keep every blob version (overwrites recoverable). @default true */
  readonly versioning?: boolean;
  /** Refuse `terraform destroy` of the account and its containers. @default false */
  readonly preventDestroy?: boolean;
  /** Log Analytics workspace that receives the blob service's read, write and delete logs. */
  readonly logAnalyticsWorkspaceId: string;
  /**
   * Azure resources let through the firewall by resource-instance rules (e.g. a Backup
   * vault). Instance rules are part of the firewall, which applies only while public
   * network access is "enabled from selected networks": with any, the account keeps
   * its public endpoint with every other caller denied. @default [] (public network access off)
   */
  readonly trustedResourceIds?: readonly string[];
  /**
   * Encrypt with a customer-managed key (versionless id: the account follows the key's
   * rotations), read through a user-assigned identity that may use the key.
   * @default Microsoft-managed keys
   */
  readonly customerManagedKey?: StorageKey;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A Storage Account reachable only through its private endpoint: no public
 * network access, Entra ID only (shared keys and SAS off), TLS 1.2, infrastructure
 * encryption, blob soft delete, container soft delete and versioning, and every
 * blob read, write and delete logged to Log Analytics.
 */
export class PrivateStorage extends Construct {
  public readonly account: StorageAccount;
  public readonly containers: Readonly<Record<string, StorageContainer>>;
  public readonly endpoint: PrivateEndpoint;

  constructor(scope: Construct, id: string, props: PrivateStorageProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const softDeleteDays = props.softDeleteDays ?? 30;
    const trusted = props.trustedResourceIds ?? [];
    this.account = new StorageAccount(this, 'account', {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: props.replication ?? 'LRS',
      httpsTrafficOnlyEnabled: true,
      minTlsVersion: 'TLS1_2',
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      publicNetworkAccessEnabled: trusted.length > 0,
      allowNestedItemsToBePublic: false,
      crossTenantReplicationEnabled: false,
      infrastructureEncryptionEnabled: true,
      localUserEnabled: false,
      ...(props.customerManagedKey ? {
        identity: { type: 'UserAssigned', identityIds: [props.customerManagedKey.identity.id] },
        customerManagedKey: { keyVaultKeyId: props.customerManagedKey.keyVaultKeyId, userAssignedIdentityId: props.customerManagedKey.identity.id },
      } : {}),
      sftpEnabled: false,
      networkRules: {
        defaultAction: 'Deny',
        bypass: ['AzureServices'],
        ipRules: [],
        privateLinkAccess: trusted.map((endpointResourceId) => ({ endpointResourceId })),
      },
      blobProperties: {
        versioningEnabled: props.versioning ?? true,
        changeFeedEnabled: props.versioning ?? true,
        deleteRetentionPolicy: { days: softDeleteDays },
        containerDeleteRetentionPolicy: { days: softDeleteDays },
      },
      tags,
      ...(props.customerManagedKey ? { dependsOn: [props.customerManagedKey.access] } : {}),
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    });
    this.containers = Object.fromEntries(props.containers.map((name) => [name, new StorageContainer(this, `container-${name}`, {
      name,
      storageAccountId: this.account.id,
      containerAccessType: 'private',
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    })]));
    this.endpoint = new PrivateEndpoint(this, 'endpoint', {
      name: `pe-${props.name}-blob`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      subnetId: props.network.subnet.id,
      privateServiceConnection: {
        name: `${props.name}-blob`,
        privateConnectionResourceId: this.account.id,
        subresourceNames: ['blob'],
        isManualConnection: false,
      },
      privateDnsZoneGroup: { name: 'blob', privateDnsZoneIds: [props.network.blobZone.id] },
      tags,
    });
    new MonitorDiagnosticSetting(this, 'blob-logs', {
      name: 'blob-access',
      targetResourceId: `${this.account.id}/blobServices/default`,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      enabledLog: ['StorageRead', 'StorageWrite', 'StorageDelete'].map((category) => ({ category })),
    });
  }
}
