import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { DiskEncryptionSet } from '@cdktf/provider-azurerm/lib/disk-encryption-set';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultKey } from '@cdktf/provider-azurerm/lib/key-vault-key';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';

export interface DiskEncryptionProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Globally unique Key Vault name, 3 to 24 characters. */
  readonly keyVaultName: string;
  /**
   * Public IPv4 addresses or ranges allowed to reach the vault's data plane: the
   * runner that creates and rotates the key. Azure services are let through.
   * @default []
   */
  readonly allowedIpRanges?: readonly string[];
  /** Key size in bits (RSA-HSM). @default 3072 */
  readonly keySizeBits?: 2048 | 3072 | 4096;
  /** ISO 8601 duration after which a key version expires; rotation makes the next one 30 days before. @default 'P1Y' */
  readonly keyLifetime?: string;
  /**
   * Refuse `terraform destroy` of the vault, the key and the encryption set: without
   * them the cluster's disks cannot be read. @default false
   */
  readonly preventDestroy?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A customer-managed key for the cluster's OS and data disks: a Key Vault with
 * purge protection and Azure RBAC, an HSM-backed key that rotates itself, and a
 * disk encryption set that follows the newest key version.
 * @see https://learn.microsoft.com/azure/aks/azure-disk-customer-managed-keys
 */
export class DiskEncryption extends Construct {
  public readonly keyVault: KeyVault;
  public readonly key: KeyVaultKey;
  public readonly encryptionSet: DiskEncryptionSet;
  /** Grant of the key to the encryption set; the cluster must wait for it. */
  public readonly keyAccess: RoleAssignment;
  /** The deploying identity's right to create keys in the vault. */
  public readonly deployerAccess: RoleAssignment;
  private readonly props: DiskEncryptionProps;
  private storageKeyCache?: { keyVaultKeyId: string; identity: UserAssignedIdentity; access: RoleAssignment };

  constructor(scope: Construct, id: string, props: DiskEncryptionProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const lifecycle = { preventDestroy: props.preventDestroy ?? false };
    const client = new DataAzurermClientConfig(this, 'client');
    this.keyVault = new KeyVault(this, 'key-vault', {
      name: props.keyVaultName,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tenantId: client.tenantId,
      // Premium: HSM-protected keys.
      skuName: 'premium',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      enabledForDiskEncryption: true,
      publicNetworkAccessEnabled: true,
      networkAcls: {
        defaultAction: 'Deny',
        bypass: 'AzureServices',
        ipRules: [...(props.allowedIpRanges ?? [])],
      },
      tags,
      lifecycle,
    });
    this.props = props;
    const deployerAccess = new RoleAssignment(this, 'deployer-crypto-officer', {
      scope: this.keyVault.id,
      roleDefinitionName: 'Key Vault Crypto Officer',
      principalId: client.objectId,
    });
    this.deployerAccess = deployerAccess;
    this.key = this.rotatingKey('disk-key', `disk-${props.environment}`);
    this.encryptionSet = new DiskEncryptionSet(this, 'encryption-set', {
      name: `des-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      keyVaultKeyId: this.key.versionlessId,
      autoKeyRotationEnabled: true,
      encryptionType: 'EncryptionAtRestWithCustomerKey',
      identity: { type: 'SystemAssigned' },
      tags,
      lifecycle,
    });
    this.keyAccess = new RoleAssignment(this, 'encryption-set-key-access', {
      scope: this.keyVault.id,
      roleDefinitionName: 'Key Vault Crypto Service Encryption User',
      principalId: this.encryptionSet.identity.principalId,
      principalType: 'ServicePrincipal',
    });
  }

  /**
   * A key of this vault for the data Storage Accounts, separate from the disk key
   * (one key, one purpose), rotating the same way, and the identity that may use
   * it (Key Vault Crypto Service Encryption User on that key only).
   */
  storageKey(): { keyVaultKeyId: string; identity: UserAssignedIdentity; access: RoleAssignment } {
    if (this.storageKeyCache) return this.storageKeyCache;
    const props = this.props;
    const key = this.rotatingKey('storage-key', `storage-${props.environment}`);
    const identity = new UserAssignedIdentity(this, 'storage-key-identity', {
      name: `id-storage-cmk-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags: props.tags ?? {},
    });
    const access = new RoleAssignment(this, 'storage-key-access', {
      scope: key.resourceVersionlessId,
      roleDefinitionName: 'Key Vault Crypto Service Encryption User',
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
    });
    this.storageKeyCache = { keyVaultKeyId: key.versionlessId, identity, access };
    return this.storageKeyCache;
  }

  /** An HSM-backed key of this vault that rotates itself before it expires; kept from destroy with the vault. */
  private rotatingKey(id: string, name: string): KeyVaultKey {
    const props = this.props;
    return new KeyVaultKey(this, id, {
      name,
      keyVaultId: this.keyVault.id,
      keyType: 'RSA-HSM',
      keySize: props.keySizeBits ?? 3072,
      keyOpts: ['wrapKey', 'unwrapKey'],
      rotationPolicy: {
        expireAfter: props.keyLifetime ?? 'P1Y',
        notifyBeforeExpiry: 'P29D',
        automatic: { timeBeforeExpiry: 'P30D' },
      },
      dependsOn: [this.deployerAccess],
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    });
  }
}
