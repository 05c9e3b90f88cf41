import { artifactStorageSettings, artifactsMode, type ResolvedArtifacts } from '../artifacts/settings';
import { clusterBackupSettings, type ResolvedClusterBackup } from '../backup/settings';
import { azureMysqlSettings, mysqlMode, type ResolvedMysql } from '../mysql/settings';
import { bool, cidr, object } from '../../environments/schema/kit';

/** The data stores as one setting: `dataStores` (metadata, artifacts, backup, their subnets, data keeping). */

export const dataStoresSettings = object({
  mysql: mysqlMode,
  azureMysql: azureMysqlSettings.optional(),
  artifacts: artifactsMode,
  artifactStorage: artifactStorageSettings.optional(),
  privateEndpointSubnetCidr: cidr('10.30.255.0/28').optional().meta({
    description: 'Subnet for private endpoints of the data stores (artifact and backup Storage Accounts): inside `network.vnetCidr`, disjoint from the other subnets, a /28 or larger. Only with `azure-blob` artifacts or the cluster backup.',
    defaultText: 'the highest free /28 of the virtual network after the MySQL subnet',
  }),
  clusterBackup: clusterBackupSettings,
  keepData: bool().optional().meta({
    description: 'Terraform `prevent_destroy` on every Azure data store and its backups: a plan that would delete or replace one fails.',
    defaultText: 'true in staging and prod, false in dev',
  }),
  deleteDataOnRemoval: bool().default(false).meta({ description: 'Delete the volumes of in-cluster stores when their component is turned off or uninstalled. Refused while `keepData` is true.' }),
}).prefault({}).meta({ description: 'Where metadata and artifacts live and how the cluster\'s state is backed up.' });

/** Data stores after validation, with every default filled in. */
export interface ResolvedDataStores {
  /** Metadata of Pipelines and Katib: in the cluster, or on Azure MySQL with its settings. */
  readonly mysql: ResolvedMysql;
  /** Pipelines artifacts: in the cluster, or mirrored to an Azure Storage Account with its settings. */
  readonly artifacts: ResolvedArtifacts;
  /** Present when a data store needs private endpoints (blob artifacts, cluster backup). */
  readonly privateEndpointSubnetCidr?: string;
  /** Present when Azure Backup for AKS is on. */
  readonly clusterBackup?: ResolvedClusterBackup;
  /** `prevent_destroy` on every Azure data store and its backups. */
  readonly keepData: boolean;
  /** In-cluster store volumes go with their component (no keep policy, StorageClass `reclaimPolicy: Delete`). */
  readonly deleteDataOnRemoval: boolean;
}
