import { DataProtectionBackupInstanceKubernetesCluster } from '@cdktf/provider-azurerm/lib/data-protection-backup-instance-kubernetes-cluster';
import { DataProtectionBackupPolicyKubernetesCluster } from '@cdktf/provider-azurerm/lib/data-protection-backup-policy-kubernetes-cluster';
import { DataProtectionBackupVault } from '@cdktf/provider-azurerm/lib/data-protection-backup-vault';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { KubernetesClusterExtension } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-extension';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import { PrivateEndpointNetwork, PrivateStorage, StorageKey } from '../artifacts/private-storage';
import { OffsiteCopy } from './offsite-copy';
import { protectNamespaces } from './protection';

/** The container the backup extension stages backups in. */
export const BACKUP_CONTAINER = 'aks-backup';

export interface ClusterBackupProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly cluster: KubernetesCluster;
  /** The cluster's control-plane identity: it writes the volume snapshots. */
  readonly clusterIdentity: UserAssignedIdentity;
  readonly network: PrivateEndpointNetwork;
  /** Globally unique name of the extension's Storage Account. */
  readonly storageAccountName: string;
  /** Namespaces to back up, with their volumes. */
  readonly namespaces: readonly string[];
  /** Hours between backups. */
  readonly everyHours: 4 | 6 | 8 | 12 | 24;
  /** `HH:MM` UTC of the first backup of a day. */
  readonly startTimeUtc: string;
  /** Days each backup is kept (operational tier: disk snapshots in the snapshot resource group). */
  readonly retentionDays: number;
  /** Replication of the extension's Storage Account (it holds the backed-up objects). @default 'LRS' */
  readonly storageReplication?: 'LRS' | 'ZRS' | 'GRS' | 'GZRS';
  /** Vault redundancy. @default 'LocallyRedundant' */
  readonly redundancy?: 'LocallyRedundant' | 'ZoneRedundant' | 'GeoRedundant';
  /**
   * A daily copy in the vault tier of a geo-redundant vault of its own, kept
   * `retentionDays` days (`OffsiteCopy`). @default none: the operational tier only
   */
  readonly vaultTier?: { readonly retentionDays: number };
  /** Refuse `terraform destroy` of the vault, the storage and the snapshot group. @default false */
  readonly preventDestroy?: boolean;
  /** Log Analytics workspace for the Storage Account's blob logs. */
  readonly logAnalyticsWorkspaceId: string;
  /** Encrypt the Storage Account with this customer-managed key. @default Microsoft-managed keys */
  readonly customerManagedKey?: StorageKey;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Azure Backup for AKS: the backup extension (staging in a private, Entra-only
 * Storage Account), a Backup vault with soft delete, the trusted-access binding
 * that lets the vault reach the cluster, a policy (every N hours, kept D days in
 * the operational tier) and the backup instance for the given namespaces with
 * their volume snapshots. Snapshots go to a resource group of their own.
 * With `vaultTier`, an `OffsiteCopy` beside it: a daily copy in the vault tier
 * of a geo-redundant vault outside the environment's resource group.
 * @see https://learn.microsoft.com/azure/backup/azure-kubernetes-service-cluster-backup
 * @see docs/components/data-stores.md (restore runbook)
 */
export class ClusterBackup extends Construct {
  public readonly vault: DataProtectionBackupVault;
  public readonly extension: KubernetesClusterExtension;
  public readonly instance: DataProtectionBackupInstanceKubernetesCluster;
  public readonly snapshotGroup: ResourceGroup;
  public readonly storage: PrivateStorage;
  /** The vault-tier copy, with `vaultTier`. */
  public readonly offsite?: OffsiteCopy;
  public readonly offsiteInstance?: DataProtectionBackupInstanceKubernetesCluster;

  constructor(scope: Construct, id: string, props: ClusterBackupProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const preventDestroy = props.preventDestroy ?? false;
    this.snapshotGroup = new ResourceGroup(this, 'snapshot-group', {
      name: `rg-kubeflow-${props.environment}-backup-snapshots`,
      location: props.location,
      tags,
      lifecycle: { preventDestroy },
    });
    this.vault = new DataProtectionBackupVault(this, 'vault', {
      name: `bvault-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      datastoreType: 'VaultStore',
      redundancy: props.redundancy ?? 'LocallyRedundant',
      // Deleted backups stay recoverable for 14 days; soft delete cannot be turned off by an attacker.
      softDelete: 'AlwaysOn',
      retentionDurationInDays: 14,
      identity: { type: 'SystemAssigned' },
      tags,
      lifecycle: { preventDestroy },
    });
    this.offsite = props.vaultTier && new OffsiteCopy(this, 'offsite', {
      environment: props.environment,
      location: props.location,
      startTimeUtc: props.startTimeUtc,
      retentionDays: props.vaultTier.retentionDays,
      preventDestroy,
      tags,
    });
    this.storage = new PrivateStorage(this, 'staging', {
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      name: props.storageAccountName,
      network: props.network,
      containers: [BACKUP_CONTAINER],
      replication: props.storageReplication ?? 'LRS',
      // The vault reads the backups through the firewall as a trusted resource (Azure's prerequisite).
      trustedResourceIds: [this.vault.id, ...(this.offsite ? [this.offsite.vault.id] : [])],
      // Backups are immutable sets the extension writes once; the vault keeps their history.
      versioning: false,
      softDeleteDays: 7,
      preventDestroy,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      ...(props.customerManagedKey ? { customerManagedKey: props.customerManagedKey } : {}),
      tags,
    });
    this.extension = new KubernetesClusterExtension(this, 'extension', {
      name: 'azure-aks-backup',
      clusterId: props.cluster.id,
      extensionType: 'microsoft.dataprotection.kubernetes',
      releaseTrain: 'stable',
      configurationSettings: {
        'configuration.backupStorageLocation.bucket': BACKUP_CONTAINER,
        'configuration.backupStorageLocation.config.storageAccount': this.storage.account.name,
        'configuration.backupStorageLocation.config.resourceGroup': props.resourceGroupName,
        'configuration.backupStorageLocation.config.subscriptionId': subscriptionOf(props.cluster),
        // The extension signs in with its managed identity (the account has no shared keys).
        'configuration.backupStorageLocation.config.useAAD': 'true',
        'configuration.backupStorageLocation.config.storageAccountURI': this.storage.account.primaryBlobEndpoint,
        'credentials.tenantId': props.clusterIdentity.tenantId,
      },
      dependsOn: [this.storage.endpoint, ...Object.values(this.storage.containers)],
    });
    new RoleAssignment(this, 'extension-storage-access', {
      scope: this.storage.account.id,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: this.extension.aksAssignedIdentity.get(0).principalId,
      principalType: 'ServicePrincipal',
    });

    const policy = new DataProtectionBackupPolicyKubernetesCluster(this, 'policy', {
      name: `every-${props.everyHours}h-${props.retentionDays}d`,
      resourceGroupName: props.resourceGroupName,
      vaultName: this.vault.name,
      backupRepeatingTimeIntervals: [repeatingInterval(props.startTimeUtc, props.everyHours)],
      timeZone: 'UTC',
      defaultRetentionRule: { lifeCycle: [{ dataStoreType: 'OperationalStore', duration: `P${props.retentionDays}D` }] },
    });
    this.instance = protectNamespaces(this, {
      vault: this.vault,
      snapshotGroup: this.snapshotGroup,
      cluster: props.cluster,
      clusterIdentity: props.clusterIdentity,
      stagingAccountId: this.storage.account.id,
      extension: this.extension,
      namespaces: props.namespaces,
      policyId: policy.id,
      bindingName: 'backup',
      instanceName: `aks-kubeflow-${props.environment}`,
      location: props.location,
    });
    this.offsiteInstance = this.offsite?.protect({
      cluster: props.cluster,
      clusterIdentity: props.clusterIdentity,
      stagingAccountId: this.storage.account.id,
      extension: this.extension,
      namespaces: props.namespaces,
    });
  }
}

/** ISO 8601 repeating interval of the policy: from a fixed first day, every N hours. */
export function repeatingInterval(startTimeUtc: string, everyHours: number): string {
  return `R/2026-01-01T${startTimeUtc}:00+00:00/${everyHours === 24 ? 'P1D' : `PT${everyHours}H`}`;
}

/** The subscription id in a resource id reference (`/subscriptions/<id>/...`). */
function subscriptionOf(cluster: KubernetesCluster): string {
  return `\${split("/", ${cluster.fqn}.id)[2]}`;
}
