import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import { KubernetesServiceAccountRef, TOKEN_EXCHANGE_AUDIENCE } from '../access/entra-application';
import { PrivateEndpointNetwork, PrivateStorage, StorageKey } from './private-storage';

/** The container Pipelines artifacts are mirrored to (the distribution's bucket name). */
export const ARTIFACT_CONTAINER = 'mlpipeline';

/** SeaweedFS's ServiceAccount in the distribution: its pod signs in to Azure Storage. */
export const SEAWEEDFS_SERVICE_ACCOUNT: KubernetesServiceAccountRef = { namespace: 'kubeflow', name: 'seaweedfs' };

export interface ArtifactStorageProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly network: PrivateEndpointNetwork;
  /** Globally unique account name. */
  readonly storageAccountName: string;
  readonly replication: 'LRS' | 'ZRS' | 'GRS' | 'GZRS';
  readonly softDeleteDays: number;
  readonly oidcIssuerUrl: string;
  /** Refuse `terraform destroy` of the account. @default false */
  readonly preventDestroy?: boolean;
  /** Log Analytics workspace for the Storage Account's blob logs. */
  readonly logAnalyticsWorkspaceId: string;
  /** Encrypt the Storage Account with this customer-managed key. @default Microsoft-managed keys */
  readonly customerManagedKey?: StorageKey;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Where Pipelines artifacts outlive the cluster: a private, Entra-only Storage
 * Account with one container (`mlpipeline`), blob versioning and soft delete
 * (SeaweedFS mirrors deletes, so the account, not the mirror, is the safety net),
 * and a managed identity federated with SeaweedFS's ServiceAccount that may read
 * and write that container only. No account key exists anywhere.
 * @see docs/components/data-stores.md
 */
export class ArtifactStorage extends Construct {
  public readonly storage: PrivateStorage;
  public readonly identity: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: ArtifactStorageProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.storage = new PrivateStorage(this, 'storage', {
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      name: props.storageAccountName,
      network: props.network,
      containers: [ARTIFACT_CONTAINER],
      replication: props.replication,
      softDeleteDays: props.softDeleteDays,
      versioning: true,
      preventDestroy: props.preventDestroy,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      ...(props.customerManagedKey ? { customerManagedKey: props.customerManagedKey } : {}),
      tags,
    });
    this.identity = new UserAssignedIdentity(this, 'identity', {
      name: `id-artifacts-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags,
    });
    new RoleAssignment(this, 'container-access', {
      scope: this.storage.containers[ARTIFACT_CONTAINER].id,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    new FederatedIdentityCredential(this, 'federation', {
      name: 'seaweedfs',
      resourceGroupName: props.resourceGroupName,
      parentId: this.identity.id,
      issuer: props.oidcIssuerUrl,
      subject: `system:serviceaccount:${SEAWEEDFS_SERVICE_ACCOUNT.namespace}:${SEAWEEDFS_SERVICE_ACCOUNT.name}`,
      audience: [TOKEN_EXCHANGE_AUDIENCE],
    });
  }
}
