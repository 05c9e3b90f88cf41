import { DataProtectionBackupInstanceKubernetesCluster } from '@cdktf/provider-azurerm/lib/data-protection-backup-instance-kubernetes-cluster';
import { DataProtectionBackupVault } from '@cdktf/provider-azurerm/lib/data-protection-backup-vault';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { KubernetesClusterTrustedAccessRoleBinding } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-trusted-access-role-binding';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

export interface ProtectionProps {
  readonly vault: DataProtectionBackupVault;
  /** Where the cluster writes this instance's volume snapshots. */
  readonly snapshotGroup: ResourceGroup;
  readonly cluster: KubernetesCluster;
  /** The cluster's control-plane identity: it writes the volume snapshots. */
  readonly clusterIdentity: UserAssignedIdentity;
  /** The backup extension's Storage Account: the vault reads the backed-up objects there. */
  readonly stagingAccountId: string;
  /** The backup extension: the instance needs it running. */
  readonly extension: TerraformResource;
  readonly namespaces: readonly string[];
  readonly policyId: string;
  /** Name of the cluster's trusted-access binding for this vault (one per vault). */
  readonly bindingName: string;
  readonly instanceName: string;
  readonly location: string;
}

/**
 * Protects namespaces of the cluster with a vault's policy, granting the vault
 * what Azure documents for AKS backup and no more: the trusted-access binding
 * `backup-operator`, Reader on the cluster and the snapshot group, Storage Blob
 * Data Reader on the extension's account; and the cluster's identity
 * Contributor on the snapshot group, where it writes. The same for the
 * operational and the offsite vault.
 */
export function protectNamespaces(scope: Construct, p: ProtectionProps): DataProtectionBackupInstanceKubernetesCluster {
  const vaultPrincipal = p.vault.identity.principalId;
  const grants = [
    new KubernetesClusterTrustedAccessRoleBinding(scope, 'trusted-access', {
      name: p.bindingName,
      kubernetesClusterId: p.cluster.id,
      roles: ['Microsoft.DataProtection/backupVaults/backup-operator'],
      sourceResourceId: p.vault.id,
    }),
    new RoleAssignment(scope, 'vault-reads-cluster', { scope: p.cluster.id, roleDefinitionName: 'Reader', principalId: vaultPrincipal, principalType: 'ServicePrincipal' }),
    new RoleAssignment(scope, 'vault-reads-snapshots', { scope: p.snapshotGroup.id, roleDefinitionName: 'Reader', principalId: vaultPrincipal, principalType: 'ServicePrincipal' }),
    new RoleAssignment(scope, 'vault-reads-staging', { scope: p.stagingAccountId, roleDefinitionName: 'Storage Blob Data Reader', principalId: vaultPrincipal, principalType: 'ServicePrincipal' }),
    new RoleAssignment(scope, 'cluster-writes-snapshots', {
      scope: p.snapshotGroup.id,
      roleDefinitionName: 'Contributor',
      principalId: p.clusterIdentity.principalId,
      principalType: 'ServicePrincipal',
    }),
  ];
  return new DataProtectionBackupInstanceKubernetesCluster(scope, 'instance', {
    name: p.instanceName,
    location: p.location,
    vaultId: p.vault.id,
    kubernetesClusterId: p.cluster.id,
    snapshotResourceGroupName: p.snapshotGroup.name,
    backupPolicyId: p.policyId,
    backupDatasourceParameters: {
      includedNamespaces: [...p.namespaces],
      excludedNamespaces: [],
      includedResourceTypes: [],
      excludedResourceTypes: [],
      labelSelectors: [],
      // Cluster-scoped objects (CRDs, roles) come back from the stacks, not from a backup.
      clusterScopedResourcesEnabled: false,
      volumeSnapshotEnabled: true,
    },
    dependsOn: [p.extension, ...grants],
  });
}
