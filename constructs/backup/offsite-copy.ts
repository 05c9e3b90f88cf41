import { DataProtectionBackupInstanceKubernetesCluster } from '@cdktf/provider-azurerm/lib/data-protection-backup-instance-kubernetes-cluster';
import { DataProtectionBackupVault } from '@cdktf/provider-azurerm/lib/data-protection-backup-vault';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { AzapiResource } from '../lib/azapi';
import { protectNamespaces } from './protection';

/** The API version of the vault-tier policy: the one azurerm v4.55.0 uses for Data Protection. */
export const BACKUP_POLICY_API = 'Microsoft.DataProtection/backupVaults/backupPolicies@2024-04-01';

/** Days the daily backup of the offsite instance stays in the operational tier before only its vault copy is left. */
export const OFFSITE_OPERATIONAL_DAYS = 7;

export interface OffsiteCopyProps {
  readonly environment: string;
  readonly location: string;
  /** `HH:MM` UTC of the daily backup. */
  readonly startTimeUtc: string;
  /** Days each daily copy is kept in the vault tier. */
  readonly retentionDays: number;
  /** Refuse `terraform destroy` of the vault and its resource groups. @default false */
  readonly preventDestroy?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** What the offsite instance protects, and through what (known once the extension exists). */
export interface OffsiteProtection {
  readonly cluster: KubernetesCluster;
  /** The cluster's control-plane identity: it writes the volume snapshots. */
  readonly clusterIdentity: UserAssignedIdentity;
  /** The backup extension's Storage Account: the vault reads the backed-up objects there. */
  readonly stagingAccountId: string;
  /** The backup extension: the instance needs it running. */
  readonly extension: TerraformResource;
  /** The namespaces the operational instance protects: the same set. */
  readonly namespaces: readonly string[];
}

/**
 * A daily copy of the cluster's backups in the vault tier, outside the
 * environment's resource group and region: a geo-redundant Backup vault with
 * cross-region restore, in a resource group of its own (the environment's
 * stack never deletes it while `preventDestroy` holds, and deleting
 * `rg-kubeflow-<env>` leaves it), a policy that backs up once a day, keeps the
 * snapshot `OFFSITE_OPERATIONAL_DAYS` days and copies it to the vault at once,
 * and a second backup instance of the cluster through the same extension.
 *
 * Azure allows one cluster in two vaults; the operational vault keeps its
 * frequent recovery points, this one the copies that survive the loss of the
 * cluster's snapshots or its region. The policy is an `azapi_resource`: azurerm
 * (v4.55.0 to v5.2.0) accepts only `OperationalStore` for AKS policies and always
 * sends an empty copy setting.
 * @see https://learn.microsoft.com/azure/backup/azure-kubernetes-service-cluster-backup-support-matrix
 * @see docs/components/data-stores.md ("Off-site copies: the vault tier")
 */
export class OffsiteCopy extends Construct {
  public readonly vault: DataProtectionBackupVault;
  public readonly vaultGroup: ResourceGroup;
  public readonly snapshotGroup: ResourceGroup;
  public readonly policy: AzapiResource;

  private readonly environment: string;
  private readonly location: string;

  constructor(scope: Construct, id: string, props: OffsiteCopyProps) {
    super(scope, id);
    this.environment = props.environment;
    this.location = props.location;
    const tags = props.tags ?? {};
    const preventDestroy = props.preventDestroy ?? false;
    this.vaultGroup = new ResourceGroup(this, 'vault-group', {
      name: `rg-kubeflow-${props.environment}-offsite-backup`,
      location: props.location,
      tags,
      lifecycle: { preventDestroy },
    });
    // The cluster's identity is Contributor where it writes snapshots: never on the vault's group.
    this.snapshotGroup = new ResourceGroup(this, 'snapshot-group', {
      name: `rg-kubeflow-${props.environment}-offsite-snapshots`,
      location: props.location,
      tags,
      lifecycle: { preventDestroy },
    });
    this.vault = new DataProtectionBackupVault(this, 'vault', {
      name: `bvault-kubeflow-${props.environment}-offsite`,
      location: props.location,
      resourceGroupName: this.vaultGroup.name,
      datastoreType: 'VaultStore',
      // Cross-region restore needs a geo-redundant vault, chosen at creation and never changed.
      redundancy: 'GeoRedundant',
      crossRegionRestoreEnabled: true,
      softDelete: 'AlwaysOn',
      retentionDurationInDays: 14,
      identity: { type: 'SystemAssigned' },
      tags,
      lifecycle: { preventDestroy },
    });
    this.policy = new AzapiResource(this, 'policy', {
      type: BACKUP_POLICY_API,
      // Azure refuses changes to a policy in use: the name carries every input of the body,
      // so a change is a new policy (and a new instance, which the preview marks).
      name: `daily-${props.startTimeUtc.replace(':', '')}-vault-${props.retentionDays}d`,
      parentId: this.vault.id,
      body: vaultTierPolicyBody(props.startTimeUtc, props.retentionDays),
    });
  }

  /**
   * Grants the vault what Azure documents for AKS backup (the operational vault's
   * roles, no more) and protects the cluster's namespaces with the policy.
   * Separate from the constructor: the extension's Storage Account must
   * already trust this vault, so it is built between the two.
   */
  public protect(props: OffsiteProtection): DataProtectionBackupInstanceKubernetesCluster {
    return protectNamespaces(this, {
      ...props,
      vault: this.vault,
      snapshotGroup: this.snapshotGroup,
      policyId: this.policy.id,
      bindingName: 'backup-offsite',
      instanceName: `aks-kubeflow-${this.environment}-offsite`,
      location: this.location,
    });
  }
}

const store = (dataStoreType: 'OperationalStore' | 'VaultStore') => ({ objectType: 'DataStoreInfoBase', dataStoreType });
const keep = (days: number) => ({ objectType: 'AbsoluteDeleteOption', duration: `P${days}D` });

/**
 * The ARM body of the offsite policy: one backup a day at `startTimeUtc`, tagged
 * `Daily` (the first of the day, which is the only one); kept
 * `OFFSITE_OPERATIONAL_DAYS` days as a snapshot and copied at once to the vault
 * tier, kept there `retentionDays` days. The shape of the Azure CLI
 * `dataprotection` extension's default AKS policy (1.5.0 and later), with its
 * hourly schedule made daily: only one backup a day reaches the vault tier.
 */
export function vaultTierPolicyBody(startTimeUtc: string, retentionDays: number): Record<string, unknown> {
  return {
    properties: {
      objectType: 'BackupPolicy',
      datasourceTypes: ['Microsoft.ContainerService/managedClusters'],
      policyRules: [
        {
          name: 'BackupDaily',
          objectType: 'AzureBackupRule',
          backupParameters: { objectType: 'AzureBackupParams', backupType: 'Incremental' },
          dataStore: store('OperationalStore'),
          trigger: {
            objectType: 'ScheduleBasedTriggerContext',
            schedule: { repeatingTimeIntervals: [`R/2026-01-01T${startTimeUtc}:00+00:00/P1D`], timeZone: 'UTC' },
            taggingCriteria: [
              {
                isDefault: false,
                taggingPriority: 25,
                tagInfo: { tagName: 'Daily' },
                criteria: [{ objectType: 'ScheduleBasedBackupCriteria', absoluteCriteria: ['FirstOfDay'] }],
              },
              { isDefault: true, taggingPriority: 99, tagInfo: { tagName: 'Default' } },
            ],
          },
        },
        {
          name: 'Default',
          objectType: 'AzureRetentionRule',
          isDefault: true,
          lifecycles: [{ deleteAfter: keep(OFFSITE_OPERATIONAL_DAYS), sourceDataStore: store('OperationalStore'), targetDataStoreCopySettings: [] }],
        },
        {
          name: 'Daily',
          objectType: 'AzureRetentionRule',
          isDefault: false,
          lifecycles: [
            {
              deleteAfter: keep(OFFSITE_OPERATIONAL_DAYS),
              sourceDataStore: store('OperationalStore'),
              targetDataStoreCopySettings: [{ dataStore: store('VaultStore'), copyAfter: { objectType: 'ImmediateCopyOption' } }],
            },
            { deleteAfter: keep(retentionDays), sourceDataStore: store('VaultStore'), targetDataStoreCopySettings: [] },
          ],
        },
      ],
    },
  };
}
