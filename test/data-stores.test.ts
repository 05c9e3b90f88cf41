import { spawnSync } from 'child_process';
import { X509Certificate } from 'crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigError, EnvironmentConfig, resolveEnvironment } from '../environments';
import { AKS_SUPPORT } from '../catalog/aks-support';
import { MYSQL_ADMIN_SECRET_NAME, MYSQL_SERVER_PARAMETERS, adminVaultAllowedIpRanges, mysqlServerParameters } from '../constructs/mysql/mysql-server';
import { AZURE_MYSQL_CA_BUNDLE, AZURE_MYSQL_ROOTS } from '../constructs/mysql/azure-mysql-roots';
import { MYSQL_CONSUMERS, userJobScript, userSql } from '../constructs/mysql/azure-mysql';
import { KATIB_TLS_DATABASE, mlmdServerConfig } from '../constructs/mysql/mysql-wiring';
import { mirrorScript } from '../constructs/artifacts/artifact-wiring';
import { BACKUP_POLICY_API, OFFSITE_OPERATIONAL_DAYS, vaultTierPolicyBody } from '../constructs/backup/offsite-copy';
import { repeatingInterval } from '../constructs/backup/cluster-backup';
import { checkovSkips } from '../scripts/environments';
import { dev, prod, staging } from './fixtures/environments';
import { SynthJson, byName, onlyResource, releaseValues, releasesByName, resourcesOfType, synthCluster, synthPlatform } from './helpers';
import { costEnvelope } from '../scripts/preview/cost';
import { STATEFUL } from '../scripts/preview/destructive';
import { PRICES } from '../catalog/prices';
import type { StackJson } from '../scripts/preview/synthesized';

/** Problems of an environment as `setting: accepted` lines (the accepted text shortened to its start). */
function problems(config: EnvironmentConfig): string[] {
  try {
    resolveEnvironment(config);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.setting}: ${p.accepted}`);
  }
}

const azureProd = (dataStores: EnvironmentConfig['dataStores']): EnvironmentConfig => ({ ...prod, dataStores });
const NO_ZONES = AKS_SUPPORT.regions.find((r) => !AKS_SUPPORT.zoneRegions.includes(r) && r !== 'westcentralus')!;

describe('dataStores: defaults by stage', () => {
  test('dev keeps in-cluster stores and no backup; staging backs up; prod (fixture) uses Azure with prod defaults', () => {
    const d = resolveEnvironment(dev).dataStores;
    expect(d).toEqual({ mysql: { kind: 'in-cluster' }, artifacts: { kind: 'in-cluster' }, keepData: false, deleteDataOnRemoval: false });
    expect(resolveEnvironment(staging).dataStores).toMatchObject({ keepData: true, deleteDataOnRemoval: false });
    expect(resolveEnvironment(staging).dataStores.clusterBackup).toEqual({ everyHours: 24, startTimeUtc: '01:00', retentionDays: 7, storageReplication: 'LRS' });
    const p = resolveEnvironment(prod).dataStores;
    expect(p.mysql).toEqual({
      kind: 'azure', subnetCidr: '10.30.255.0/28', skuName: 'GP_Standard_D2ds_v4', version: '8.0.21', highAvailability: 'zone-redundant', zone: '1', standbyZone: '2',
      backupRetentionDays: 35, geoRedundantBackup: true, storageSizeGb: 32,
    });
    expect(p.artifacts).toEqual({ kind: 'azure-blob', replication: 'GZRS', softDeleteDays: 30, volumeSizeGb: 100 });
    expect(p.clusterBackup).toEqual({ everyHours: 24, startTimeUtc: '01:00', retentionDays: 14, storageReplication: 'GZRS', vaultTier: { retentionDays: 35 } });
  });

  test('the vault-tier copy: on in prod where the region offers it and has a pair; refused where it cannot be had', () => {
    const backup = (config: EnvironmentConfig) => resolveEnvironment(config).dataStores.clusterBackup;
    expect(backup(staging)?.vaultTier).toBeUndefined();
    expect(backup({ ...staging, dataStores: { ...staging.dataStores, clusterBackup: { vaultTier: true, vaultTierDays: 90 } } })?.vaultTier).toEqual({ retentionDays: 90 });
    const at = (location: string, clusterBackup: Record<string, unknown>): EnvironmentConfig => ({ ...prod, location, dataStores: { ...prod.dataStores, clusterBackup } });
    const vaultProblems = (config: EnvironmentConfig) => problems(config).filter((p) => p.startsWith('dataStores.clusterBackup.vault'));
    // Operational only, or no pair: off by default there, and refused when asked for.
    expect(vaultProblems(at('polandcentral', {}))).toEqual([]);
    expect(vaultProblems(at('polandcentral', { vaultTier: true }))).toEqual([
      'dataStores.clusterBackup.vaultTier: Azure Backup for AKS offers only the operational tier in polandcentral; accepted: false, or a location with the vault tier and a pair (catalog/backup-regions.ts)',
    ]);
    expect(vaultProblems(at('italynorth', { vaultTier: true }))).toEqual([
      'dataStores.clusterBackup.vaultTier: italynorth has no paired region, so a geo-redundant vault cannot restore elsewhere; accepted: false, or a location with the vault tier and a pair (catalog/backup-regions.ts)',
    ]);
    expect(vaultProblems({ ...prod, dataStores: { ...prod.dataStores, clusterBackup: { vaultTier: false, vaultTierDays: 30 } } })).toEqual([
      'dataStores.clusterBackup.vaultTierDays: only applies when clusterBackup.vaultTier is on: remove it or set vaultTier: true',
    ]);
    expect(vaultProblems({ ...prod, dataStores: { ...prod.dataStores, clusterBackup: { vaultTierDays: 5 } } })).toHaveLength(1);
  });

  test('subnets left out take the highest free /28s, around the ranges the file names', () => {
    const auto = resolveEnvironment(azureProd({ mysql: 'azure', artifacts: 'azure-blob' })).dataStores;
    expect([auto.mysql.kind === 'azure' && auto.mysql.subnetCidr, auto.privateEndpointSubnetCidr]).toEqual(['10.30.255.240/28', '10.30.255.224/28']);
    const around = resolveEnvironment(azureProd({ mysql: 'azure', privateEndpointSubnetCidr: '10.30.255.240/28' })).dataStores;
    expect(around.mysql.kind === 'azure' && around.mysql.subnetCidr).toBe('10.30.255.224/28');
  });

  test('prod with in-cluster stores synthesizes, with a warning per store', () => {
    const env = resolveEnvironment({ ...prod, dataStores: { mysql: 'in-cluster', artifacts: 'in-cluster' } });
    expect(env.warnings).toEqual(expect.arrayContaining([
      expect.stringContaining('dataStores.mysql is "in-cluster" in a prod environment'),
      expect.stringContaining('dataStores.artifacts is "in-cluster" in a prod environment'),
    ]));
  });
});

describe('dataStores: combinations that cannot work are refused', () => {
  test.each<[string, EnvironmentConfig, RegExp]>([
    ['settings of a store that is not used', { ...dev, dataStores: { azureMysql: { skuName: 'GP_Standard_D2ds_v4' } } }, /^dataStores\.azureMysql: only applies with dataStores\.mysql "azure"/],
    ['high availability on a Burstable size', azureProd({ mysql: 'azure', azureMysql: { skuName: 'B_Standard_B1ms' } }), /^dataStores\.azureMysql\.highAvailability: the Burstable size "B_Standard_B1ms" has no high availability/],
    ['zone-redundant HA in a region without zones', { ...dev, location: NO_ZONES, gpuPools: [], dataStores: { mysql: 'azure', azureMysql: { highAvailability: 'zone-redundant' } } }, /^dataStores\.azureMysql\.highAvailability: region "[a-z0-9]+" has no availability zones/],
    ['a standby in the primary\'s zone', azureProd({ mysql: 'azure', azureMysql: { zone: '2', standbyZone: '2' } }), /^dataStores\.azureMysql\.standbyZone: must differ from dataStores\.azureMysql\.zone/],
    ['a subnet overlapping the nodes', azureProd({ mysql: 'azure', azureMysql: { subnetCidr: '10.30.0.0/28' } }), /^dataStores\.azureMysql\.subnetCidr: overlaps network\.nodeSubnetCidr/],
    ['a subnet outside the virtual network', azureProd({ mysql: 'azure', azureMysql: { subnetCidr: '10.99.0.0/28' } }), /^dataStores\.azureMysql\.subnetCidr: must lie inside network\.vnetCidr/],
    ['a subnet too small', azureProd({ mysql: 'azure', azureMysql: { subnetCidr: '10.30.255.0/29' } }), /^dataStores\.azureMysql\.subnetCidr: accepted: a \/28 or larger/],
    ['two data subnets on one range', azureProd({ mysql: 'azure', artifacts: 'azure-blob', azureMysql: { subnetCidr: '10.30.255.0/28' }, privateEndpointSubnetCidr: '10.30.255.0/28' }), /^dataStores\.(azureMysql\.subnetCidr|privateEndpointSubnetCidr): overlaps/],
    ['no free range left for the server', { ...prod, network: { vnetCidr: '10.30.0.0/21', nodeSubnetCidr: '10.30.0.0/21' }, dataStores: { mysql: 'azure' } }, /^dataStores\.azureMysql\.subnetCidr: network\.vnetCidr \(10\.30\.0\.0\/21\) has no free \/28 left/],
    ['an Azure server nobody uses', azureProd({ mysql: 'azure' }), /./],
    ['blob artifacts without Pipelines', { ...azureProd({ artifacts: 'azure-blob' }), platform: { components: { pipelines: false } } }, /^dataStores\.artifacts: Pipelines is not installed/],
    ['zone-redundant storage in a region without zones', { ...dev, location: NO_ZONES, gpuPools: [], dataStores: { artifacts: 'azure-blob', artifactStorage: { replication: 'ZRS' } } }, /^dataStores\.artifactStorage\.replication: region "[a-z0-9]+" has no availability zones/],
    ['backup settings with backup off', { ...dev, dataStores: { clusterBackup: { retentionDays: 30 } } }, /^dataStores\.clusterBackup\.retentionDays: only applies when clusterBackup\.enabled is true/],
    ['a backup interval Azure does not offer', { ...staging, dataStores: { clusterBackup: { everyHours: 5 as 4 } } }, /^dataStores\.clusterBackup\.everyHours: accepted: the number 4, 6, 8, 12 or 24/],
    ['a misspelt setting', { ...dev, dataStores: { mysqll: 'azure' } as unknown as EnvironmentConfig['dataStores'] }, /^dataStores\.mysqll: unknown setting: did you mean "mysql"\?/],
  ])('%s', (_what, config, expected) => {
    const found = problems(config);
    if (_what === 'an Azure server nobody uses') {
      // The prod fixture installs Pipelines and Katib, so this one is valid; turning both off is not.
      expect(found).toEqual([]);
      expect(problems({ ...config, platform: { components: { pipelines: false, katib: false } } })).toEqual([expect.stringMatching(/^dataStores\.mysql: neither Pipelines nor Katib is installed/)]);
      return;
    }
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  test('backup turned on with nothing to protect', () => {
    const config: EnvironmentConfig = { ...prod, profiles: [], platform: { components: { modelRegistry: false } }, dataStores: { mysql: 'azure', artifacts: 'azure-blob', clusterBackup: { enabled: true } } };
    expect(problems(config)).toEqual([expect.stringMatching(/^dataStores\.clusterBackup\.enabled: there is nothing to back up/)]);
    // Left to its default, it is simply off (with the prod warning).
    expect(resolveEnvironment({ ...config, dataStores: { mysql: 'azure', artifacts: 'azure-blob' } }).dataStores.clusterBackup).toBeUndefined();
  });
});

describe('Azure MySQL in the cluster stack (prod fixture)', () => {
  const { parsed, json } = synthCluster(prod);
  const server = onlyResource(parsed, 'azurerm_mysql_flexible_server');

  test('private access only: delegated subnet with its own NSG, private zone of the right suffix, no public network', () => {
    const subnets = Object.values(resourcesOfType(parsed, 'azurerm_subnet')) as { name: string; address_prefixes: string[]; delegation?: { service_delegation: { name: string } }[] }[];
    const mysqlSubnet = subnets.find((s) => s.name === 'snet-mysql')!;
    expect(mysqlSubnet.address_prefixes).toEqual(['10.30.255.0/28']);
    expect(mysqlSubnet.delegation?.[0].service_delegation.name).toBe('Microsoft.DBforMySQL/flexibleServers');
    const zones = Object.values(resourcesOfType(parsed, 'azurerm_private_dns_zone')).map((z) => z.name as string);
    expect(zones).toEqual(expect.arrayContaining(['kubeflow-prod.private.mysql.database.azure.com', 'privatelink.blob.core.windows.net']));
    expect(server).toMatchObject({ public_network_access: 'Disabled', version: '8.0.21', sku_name: 'GP_Standard_D2ds_v4' });
    const nsgNames = Object.values(resourcesOfType(parsed, 'azurerm_network_security_group')).map((n) => n.name);
    expect(nsgNames).toEqual(expect.arrayContaining(['nsg-mysql-prod', 'nsg-private-endpoints-prod']));
    expect(Object.keys(resourcesOfType(parsed, 'azurerm_subnet_network_security_group_association'))).toHaveLength(3);
  });

  test('zone-redundant HA, 35 days of point-in-time restore, geo-redundant backups, kept from destroy', () => {
    expect(server).toMatchObject({
      zone: '1',
      high_availability: { mode: 'ZoneRedundant', standby_availability_zone: '2' },
      backup_retention_days: 35,
      geo_redundant_backup_enabled: true,
      storage: { size_gb: 32, auto_grow_enabled: true },
      lifecycle: { prevent_destroy: true, ignore_changes: ['zone', 'high_availability[0].standby_availability_zone'] },
    });
  });

  test('TLS required, parameters set, one database per consumer', () => {
    const parameters = Object.fromEntries(Object.values(resourcesOfType(parsed, 'azurerm_mysql_flexible_server_configuration')).map((c) => [c.name, c.value]));
    expect(parameters).toEqual(MYSQL_SERVER_PARAMETERS);
    expect(parameters.require_secure_transport).toBe('ON');
    expect(mysqlServerParameters('8.4')).toEqual({ ...MYSQL_SERVER_PARAMETERS, mysql_native_password: 'ON' });
    const databases = Object.values(resourcesOfType(parsed, 'azurerm_mysql_flexible_database')).map((d) => d.name).sort();
    expect(databases).toEqual(Object.values(MYSQL_CONSUMERS).flatMap((c) => c.databases).sort());
  });

  describe('the administrator password is in no plan and no state', () => {
    type Block = Record<string, unknown> & { depends_on?: string[] };
    const ephemeral = (parsed as unknown as { ephemeral?: Record<string, Record<string, Block>> }).ephemeral ?? {};
    const generated = Object.entries(ephemeral.random_password ?? {});
    const [secretId, secret] = Object.entries(resourcesOfType(parsed, 'azurerm_key_vault_secret'))[0] as [string, Block];
    const vaults = Object.values(resourcesOfType(parsed, 'azurerm_key_vault'));

    test('an ephemeral random_password, never a random_password resource; the server takes it write-only', () => {
      expect(generated).toHaveLength(1);
      const [id, block] = generated[0];
      expect(block).toMatchObject({ length: 32, special: false, min_upper: 2, min_lower: 2, min_numeric: 2 });
      expect(Object.keys(resourcesOfType(parsed, 'random_password'))).toEqual([]);
      expect(server.administrator_password).toBeUndefined();
      expect(json).not.toMatch(/"administrator_password":/);
      expect(server.administrator_password_wo).toBe(`\${ephemeral.random_password.${id}.result}`);
    });

    test('the Key Vault secret is its only copy: the same run\'s value, write-only, at the same version as the server', () => {
      const [id] = generated[0];
      expect(secret).toMatchObject({ name: MYSQL_ADMIN_SECRET_NAME, value_wo: `\${ephemeral.random_password.${id}.result}` });
      expect(secret.value).toBeUndefined();
      expect(secret.value_wo_version).toMatch(/^\$\{parseint\(formatdate\("YYYYMMDDhhmmss", terraform_data\.mysql_admin-password-version_[0-9A-F]+\.output\["created"\]\), 10\)\}$/);
      expect(server.administrator_password_wo_version).toBe(secret.value_wo_version);
      // The version is the record's creation time; only a replacement (rotate-secret) changes it.
      const version = Object.entries(resourcesOfType(parsed, 'terraform_data')).find(([rid]) => rid.startsWith('mysql_admin-password-version'))![1];
      expect(version).toMatchObject({ input: { created: '${plantimestamp()}' }, lifecycle: { ignore_changes: ['input'] } });
      // The vault is written first: it never holds an older password than the server.
      expect(server.depends_on).toContain(`azurerm_key_vault_secret.${secretId}`);
      expect(secret.depends_on).toEqual([expect.stringMatching(/^azurerm_role_assignment\.mysql_deployer-secrets-officer_/)]);
    });

    test('its vault: RBAC only, purge protection, the deploying identity may write secrets; prod\'s runners are its firewall', () => {
      const vault = vaults.find((v) => String(v.name).startsWith('kvdb-'))!;
      expect(vault).toMatchObject({
        rbac_authorization_enabled: true,
        purge_protection_enabled: true,
        soft_delete_retention_days: 90,
        network_acls: { default_action: 'Deny', bypass: 'AzureServices', ip_rules: ['198.51.100.10'] },
        lifecycle: { prevent_destroy: true },
      });
      const roles = Object.values(resourcesOfType(parsed, 'azurerm_role_assignment')).filter((r) => String(r.scope).includes('mysql_key-vault'));
      expect(roles.map((r) => r.role_definition_name)).toEqual(['Key Vault Secrets Officer']);
    });

    test('without its own runner for both stacks, the vault has no firewall (a hosted runner\'s address changes)', () => {
      const env = resolveEnvironment(prod);
      expect(adminVaultAllowedIpRanges(env)).toEqual(['198.51.100.10']);
      expect(adminVaultAllowedIpRanges({ ...env, apiAccess: { ...env.apiAccess, mode: 'public' } })).toBeUndefined();
      expect(adminVaultAllowedIpRanges({ ...env, delivery: { deployRunner: { ...env.delivery.deployRunner, privateKeyVaultAccess: true } } })).toBeUndefined();
      expect(adminVaultAllowedIpRanges({ ...env, security: { ...env.security, diskEncryption: 'platform', keyVaultAllowedIpRanges: [] } })).toBeUndefined();
    });

    test('nothing leaves the cluster stack but the vault\'s id: no output holds the password', () => {
      const cluster = synthPlatform(prod).cluster;
      const values = Object.values(cluster.output ?? {}).map((o) => JSON.stringify(o.value));
      expect(values.filter((v) => /random_password|ephemeral\.|administrator_password|key_vault_secret/.test(v))).toEqual([]);
      expect(values.filter((v) => v.includes('azurerm_key_vault.mysql_key-vault'))).toHaveLength(1);
    });
  });

  test('dev (in-cluster) has no server, no storage and no backup', () => {
    const devJson = synthCluster(dev).parsed;
    for (const type of ['azurerm_mysql_flexible_server', 'azurerm_storage_account', 'azurerm_data_protection_backup_vault', 'random_password']) {
      expect({ type, count: Object.keys(resourcesOfType(devJson, type)).length }).toEqual({ type, count: 0 });
    }
  });
});

describe('artifacts and backup in the cluster stack (prod fixture)', () => {
  const { parsed } = synthCluster(prod);
  const accounts = Object.values(resourcesOfType(parsed, 'azurerm_storage_account'));

  test('every data Storage Account: private, Entra only, TLS 1.2, soft delete, logged', () => {
    expect(accounts).toHaveLength(2);
    const backupAccount = accounts.find((a) => String(a.name).startsWith('stbk'))!;
    const vaults = Object.keys(resourcesOfType(parsed, 'azurerm_data_protection_backup_vault'));
    expect(vaults).toHaveLength(2);
    for (const a of accounts) {
      // Only the backup account opens its firewall, to its vaults alone (operational and offsite); the artifact account has no public endpoint.
      expect(a.public_network_access_enabled).toBe(a === backupAccount);
      expect((a.network_rules as { private_link_access: { endpoint_resource_id: string }[] }).private_link_access.map((r) => r.endpoint_resource_id).sort()).toEqual(a === backupAccount ? vaults.map((v) => `\${azurerm_data_protection_backup_vault.${v}.id}`).sort() : []);
      expect(a).toMatchObject({
        shared_access_key_enabled: false,
        allow_nested_items_to_be_public: false,
        min_tls_version: 'TLS1_2',
        infrastructure_encryption_enabled: true,
        network_rules: { default_action: 'Deny' },
        lifecycle: { prevent_destroy: true },
      });
      expect((a.account_replication_type as string)).toBe('GZRS');
    }
    expect(Object.keys(resourcesOfType(parsed, 'azurerm_private_endpoint'))).toHaveLength(2);
    const logs = Object.values(resourcesOfType(parsed, 'azurerm_monitor_diagnostic_setting')).filter((d) => String(d.target_resource_id).endsWith('/blobServices/default'));
    expect(logs).toHaveLength(2);
  });

  test('the artifact container keeps versions; SeaweedFS signs in with its federated identity, scoped to that container', () => {
    const artifacts = accounts.find((a) => String(a.name).startsWith('start'))!;
    expect(artifacts).toMatchObject({ blob_properties: { versioning_enabled: true, delete_retention_policy: { days: 30 }, container_delete_retention_policy: { days: 30 } } });
    const federation = Object.values(resourcesOfType(parsed, 'azurerm_federated_identity_credential')).find((f) => f.name === 'seaweedfs')!;
    expect(federation.subject).toBe('system:serviceaccount:kubeflow:seaweedfs');
    const grant = Object.values(resourcesOfType(parsed, 'azurerm_role_assignment')).find((r) => String(r.scope).includes('azurerm_storage_container.artifacts'))!;
    expect(grant.role_definition_name).toBe('Storage Blob Data Contributor');
  });

  test('Azure Backup for AKS: extension, trusted access, policy and the profile namespaces with their volumes', () => {
    const extension = onlyResource(parsed, 'azurerm_kubernetes_cluster_extension');
    expect(extension).toMatchObject({ extension_type: 'microsoft.dataprotection.kubernetes', configuration_settings: { 'configuration.backupStorageLocation.bucket': 'aks-backup', 'configuration.backupStorageLocation.config.useAAD': 'true' } });
    expect(byName(parsed, 'azurerm_kubernetes_cluster_trusted_access_role_binding', 'backup').roles).toEqual(['Microsoft.DataProtection/backupVaults/backup-operator']);
    expect(byName(parsed, 'azurerm_data_protection_backup_vault', 'bvault-kubeflow-prod')).toMatchObject({ soft_delete: 'AlwaysOn', redundancy: 'ZoneRedundant', lifecycle: { prevent_destroy: true } });
    expect(onlyResource(parsed, 'azurerm_data_protection_backup_policy_kubernetes_cluster')).toMatchObject({ backup_repeating_time_intervals: ['R/2026-01-01T01:00:00+00:00/P1D'], default_retention_rule: { life_cycle: [{ data_store_type: 'OperationalStore', duration: 'P14D' }] } });
    const instance = byName(parsed, 'azurerm_data_protection_backup_instance_kubernetes_cluster', 'aks-kubeflow-prod');
    // MySQL and artifacts are in Azure here; `kubeflow` still holds Model Registry's database.
    expect(instance.backup_datasource_parameters).toMatchObject({ included_namespaces: [...prod.profiles!.map((p) => p.name), 'kubeflow'], volume_snapshot_enabled: true, cluster_scoped_resources_enabled: false });
    const withoutRegistry = byName(synthCluster({ ...prod, platform: { components: { modelRegistry: false } } }).parsed, 'azurerm_data_protection_backup_instance_kubernetes_cluster', 'aks-kubeflow-prod');
    expect((withoutRegistry.backup_datasource_parameters as { included_namespaces: string[] }).included_namespaces).toEqual(prod.profiles!.map((p) => p.name));
    expect(repeatingInterval('06:30', 6)).toBe('R/2026-01-01T06:30:00+00:00/PT6H');
  });

  test('the offsite copy: a geo-redundant vault of its own with cross-region restore, a daily copy to the vault tier, the same namespaces', () => {
    const group = byName(parsed, 'azurerm_resource_group', 'rg-kubeflow-prod-offsite-backup');
    expect(group.lifecycle).toEqual({ prevent_destroy: true });
    const vaultId = Object.entries(resourcesOfType(parsed, 'azurerm_data_protection_backup_vault')).find(([, v]) => v.name === 'bvault-kubeflow-prod-offsite')![0];
    const vault = byName(parsed, 'azurerm_data_protection_backup_vault', 'bvault-kubeflow-prod-offsite');
    expect(vault).toMatchObject({ redundancy: 'GeoRedundant', cross_region_restore_enabled: true, soft_delete: 'AlwaysOn', lifecycle: { prevent_destroy: true } });
    // Outside the environment's resource group: deleting rg-kubeflow-prod leaves it.
    expect(vault.resource_group_name).toMatch(/azurerm_resource_group\.backup_offsite_vault-group/);
    const policy = Object.values(resourcesOfType(parsed, 'azapi_resource'))[0];
    expect(policy).toMatchObject({ type: BACKUP_POLICY_API, parent_id: `\${azurerm_data_protection_backup_vault.${vaultId}.id}` });
    expect(policy.body).toEqual(vaultTierPolicyBody('01:00', 35));
    const rules = (policy.body as { properties: { policyRules: Array<{ name: string; lifecycles?: Array<{ sourceDataStore: { dataStoreType: string }; deleteAfter: { duration: string }; targetDataStoreCopySettings: Array<{ dataStore: { dataStoreType: string } }> }> }> } }).properties.policyRules;
    const daily = rules.find((r) => r.name === 'Daily')!.lifecycles!;
    expect(daily.map((l) => [l.sourceDataStore.dataStoreType, l.deleteAfter.duration, l.targetDataStoreCopySettings.map((t) => t.dataStore.dataStoreType)]))
      .toEqual([['OperationalStore', `P${OFFSITE_OPERATIONAL_DAYS}D`, ['VaultStore']], ['VaultStore', 'P35D', []]]);
    const instance = byName(parsed, 'azurerm_data_protection_backup_instance_kubernetes_cluster', 'aks-kubeflow-prod-offsite');
    expect(instance.backup_policy_id).toMatch(/^\$\{azapi_resource\./);
    expect(instance.backup_datasource_parameters).toEqual(byName(parsed, 'azurerm_data_protection_backup_instance_kubernetes_cluster', 'aks-kubeflow-prod').backup_datasource_parameters);
    expect(byName(parsed, 'azurerm_kubernetes_cluster_trusted_access_role_binding', 'backup-offsite').source_resource_id).toBe(`\${azurerm_data_protection_backup_vault.${vaultId}.id}`);
    // The cluster's identity writes snapshots in a group of their own, never where the vault is.
    const clusterGrants = Object.values(resourcesOfType(parsed, 'azurerm_role_assignment')).filter((r) => r.role_definition_name === 'Contributor' && String(r.scope).includes('backup_offsite'));
    expect(clusterGrants.map((r) => r.scope)).toEqual([expect.stringMatching(/backup_offsite_snapshot-group/)]);
    // staging has backup without the copy; the file can turn it off in prod.
    expect(Object.keys(resourcesOfType(synthCluster(staging).parsed, 'azapi_resource'))).toEqual([]);
    const off = synthCluster({ ...prod, dataStores: { ...prod.dataStores, clusterBackup: { ...prod.dataStores?.clusterBackup, vaultTier: false } } }).parsed;
    expect(Object.keys(resourcesOfType(off, 'azapi_resource'))).toEqual([]);
    expect(off.terraform).not.toHaveProperty('required_providers.azapi');
  });

  test('with customer-managed disk keys, the data Storage Accounts use their own key of the same vault', () => {
    const key = Object.entries(resourcesOfType(parsed, 'azurerm_key_vault_key')).find(([, k]) => k.name === 'storage-prod')!;
    expect(key[1]).toMatchObject({ key_type: 'RSA-HSM', key_opts: ['wrapKey', 'unwrapKey'], lifecycle: { prevent_destroy: true } });
    for (const a of accounts) {
      expect((a.customer_managed_key as { key_vault_key_id: string }).key_vault_key_id).toBe(`\${azurerm_key_vault_key.${key[0]}.versionless_id}`);
      expect((a.identity as { type: string }).type).toBe('UserAssigned');
    }
    const grant = Object.values(resourcesOfType(parsed, 'azurerm_role_assignment')).find((r) => r.role_definition_name === 'Key Vault Crypto Service Encryption User' && String(r.scope).includes(key[0]))!;
    expect(grant).toBeDefined();
    // staging (platform keys) keeps Microsoft-managed keys and says so to checkov.
    const staged = Object.values(resourcesOfType(synthCluster(staging).parsed, 'azurerm_storage_account'));
    for (const a of staged) expect(a.customer_managed_key).toBeUndefined();
    expect(checkovSkips(resolveEnvironment(staging), 'cluster').map((x) => x.check)).toContain('CKV2_AZURE_1');
  });

  test('Key Vault and the disk encryption set are kept from destroy in prod', () => {
    for (const type of ['azurerm_key_vault', 'azurerm_key_vault_key', 'azurerm_disk_encryption_set']) {
      for (const r of Object.values(resourcesOfType(parsed, type))) expect({ type, lifecycle: r.lifecycle }).toEqual({ type, lifecycle: { prevent_destroy: true } });
    }
    // Two vaults: the disk keys' and the MySQL administrator password's.
    const vaults = Object.values(resourcesOfType(parsed, 'azurerm_key_vault'));
    expect(vaults.map((v) => String(v.name).replace(/-[0-9a-f]{6}$/, '')).sort()).toEqual(['kv-kf-prod', 'kvdb-kf-prod']);
    for (const vault of vaults) expect(vault).toMatchObject({ purge_protection_enabled: true, soft_delete_retention_days: 90 });
  });

  test('checkov skips come only with the resources they are about, each with its reason', () => {
    const p = resolveEnvironment(prod);
    expect(checkovSkips(p, 'cluster').map((s) => s.check)).toEqual(['CKV_AZURE_40', 'CKV2_AZURE_32', 'CKV_AZURE_41', 'CKV_AZURE_53', 'CKV2_AZURE_56', 'CKV_AZURE_33', 'CKV2_AZURE_21', 'CKV_AZURE_59']);
    expect(checkovSkips(resolveEnvironment(staging), 'cluster').map((s) => s.check)).toEqual(expect.arrayContaining(['CKV_AZURE_206']));
    expect(checkovSkips(resolveEnvironment(dev), 'cluster').map((s) => s.check)).not.toEqual(expect.arrayContaining(['CKV_AZURE_53']));
    // A fork putting staging on Azure MySQL keeps the default (no geo-redundant backups): the skip names that setting.
    const stagingAzure = checkovSkips(resolveEnvironment({ ...staging, dataStores: { mysql: 'azure' } }), 'cluster');
    expect(stagingAzure.find((x) => x.check === 'CKV_AZURE_94')?.reason).toContain('environments/staging.ts leaves dataStores.azureMysql.geoRedundantBackup false');
    expect(checkovSkips(p, 'cluster').map((x) => x.check)).not.toContain('CKV_AZURE_94');
  });
});

describe('Azure MySQL in the platform stack (prod fixture)', () => {
  const { parsed, json } = synthPlatform(prod);
  const job = Object.values(resourcesOfType(parsed, 'kubernetes_job_v1'))[0] as Record<string, unknown> & { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { container: { image: string; command: string[]; security_context: unknown }[]; security_context: unknown } } } };

  test('the user Job: pinned client image, verified TLS, no sidecar, restricted security context, waits for completion', () => {
    expect(job.wait_for_completion).toBe(true);
    const container = job.spec.template.spec.container[0];
    expect(container.image).toBe('docker.io/library/mysql:8.4.13');
    expect(container.command[2]).toContain('--ssl-mode=VERIFY_IDENTITY');
    expect(job.spec.template.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    expect(container.security_context).toMatchObject({ allow_privilege_escalation: false, read_only_root_filesystem: true, capabilities: { drop: ['ALL'] } });
    expect(job.spec.template.spec.security_context).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: 'RuntimeDefault' } });
  });

  test('the SQL: one user per consumer, TLS required, rights on its own databases only, passwords never inline', () => {
    const sql = userSql(['pipelines', 'metadata', 'katib']);
    expect(sql).toContain("CREATE USER IF NOT EXISTS 'mlmd'@'%' IDENTIFIED WITH mysql_native_password BY '$METADATA_PASSWORD' REQUIRE SSL;");
    expect(sql).toContain("CREATE USER IF NOT EXISTS 'kfp'@'%' IDENTIFIED WITH caching_sha2_password BY '$PIPELINES_PASSWORD' REQUIRE SSL;");
    expect(sql.match(/^GRANT .*$/gm)).toEqual([
      "GRANT ALL PRIVILEGES ON mlpipeline.* TO 'kfp'@'%';",
      "GRANT ALL PRIVILEGES ON cachedb.* TO 'kfp'@'%';",
      "GRANT ALL PRIVILEGES ON metadb.* TO 'mlmd'@'%';",
      "GRANT ALL PRIVILEGES ON katib.* TO 'katib'@'%';",
    ]);
    // The SQL runs in an unquoted here-document: a backquote would run a command.
    expect(sql).not.toContain('`');
    expect(job.spec.template.spec.container[0].command[2]).toContain(userSql(['pipelines', 'metadata', 'katib']));
  });

  test('credentials travel only in sensitive Secrets, as references', () => {
    const secrets = Object.values(resourcesOfType(parsed, 'kubernetes_secret_v1')) as { metadata: { name: string }; data: Record<string, string>; data_wo?: Record<string, string> }[];
    const job = secrets.find((s) => s.metadata.name === 'azure-mysql-user-job')!;
    // Read from the cluster stack's vault for the run only, into write-only data.
    expect(job.data).toBeUndefined();
    expect(job.data_wo!.ADMIN_PASSWORD).toMatch(/^\$\{ephemeral\.azurerm_key_vault_secret\.azure-mysql_admin-password_[0-9A-F]+\.value\}$/);
    const read = Object.values((parsed as unknown as { ephemeral: Record<string, Record<string, Record<string, unknown>>> }).ephemeral.azurerm_key_vault_secret);
    expect(read).toEqual([expect.objectContaining({
      name: MYSQL_ADMIN_SECRET_NAME,
      key_vault_id: expect.stringMatching(/^\$\{data\.terraform_remote_state\.[\w-]+\.outputs\.cross-stack-output-azurerm_key_vaultmysql_key-vault_[0-9A-F]+id\}$/),
      provider: 'azurerm.mysql-admin',
    })]);
    // Its own azurerm configuration reads one secret: it registers no resource providers.
    expect((parsed.provider as { azurerm: unknown[] }).azurerm).toEqual([{ alias: 'mysql-admin', features: [{}], resource_provider_registrations: 'none' }]);
    // The platform state holds no reference to the administrator password outside write-only data.
    expect(json.match(/ephemeral\.azurerm_key_vault_secret\.[\w-]+\.value/g)).toHaveLength(1);
    // No Secret keeps the administrator password once the Job has run (see below); none is named for it.
    expect(secrets.map((s) => s.metadata.name)).not.toContain('azure-mysql-admin');
    const mlmd = secrets.find((s) => s.metadata.name === 'mlmd-mysql-config')!;
    expect(mlmd.data['config.pbtxt']).toMatch(/password: "\$\{random_password\.[\w-]+\.result\}"/);
    expect(mlmd.data['config.pbtxt']).toContain('verify_server_cert: true');
    expect(secrets.find((s) => s.metadata.name === 'katib-mysql-secrets')!.data).toEqual({ DB_USER: 'katib', DB_PASSWORD: expect.stringMatching(/^\$\{random_password\./) });
    // No generated password is ever written out as a value.
    expect(json).not.toMatch(/"(password|DB_PASSWORD|MYSQL_ROOT_PASSWORD)":\s*"[A-Za-z0-9]{20,}"/);
  });

  describe('the administrator password is in the cluster only while the user Job runs', () => {
    type Resource = Record<string, unknown> & { metadata: { name: string }; lifecycle?: { ignore_changes?: string[]; replace_triggered_by?: string[] }; depends_on?: string[] };
    const byType = (type: string) => Object.entries(resourcesOfType(parsed, type)) as [string, Resource][];
    const [secretId, secret] = byType('kubernetes_secret_v1').find(([, r]) => r.metadata.name === 'azure-mysql-user-job')!;
    const [versionId, version] = byType('terraform_data').find(([id]) => id.startsWith('azure-mysql_credentials-version'))!;
    const [, userJob] = byType('kubernetes_job_v1').find(([, r]) => r.metadata.name === 'azure-mysql-users')!;

    test('the Job\'s Secret holds every credential it needs, write-only: never read back, so the emptied Secret is no drift', () => {
      expect(secret.data).toBeUndefined();
      expect(Object.keys(secret.data_wo as object).sort()).toEqual(['ADMIN_PASSWORD', 'ADMIN_USER', 'KATIB_PASSWORD', 'METADATA_PASSWORD', 'PIPELINES_PASSWORD']);
      expect(secret.data_wo_revision).toBe(1);
      expect(secret.lifecycle).toEqual({ replace_triggered_by: [`terraform_data.${versionId}`] });
      expect(secret.depends_on).toContain(`terraform_data.${versionId}`);
    });

    test('the version record changes with a consumer\'s password, the consumers or the Job\'s script: the Secret is filled again and the Job, replaced with it, runs again', () => {
      const triggers = version.triggers_replace as Record<string, string>;
      // Not the administrator password: an ephemeral value cannot enter a resource's arguments, and the users do not depend on it.
      expect(Object.keys(triggers).sort()).toEqual(['job', 'katib', 'metadata', 'pipelines']);
      for (const consumer of ['katib', 'metadata', 'pipelines']) expect(triggers[consumer]).toMatch(/^\$\{sha256\(random_password\.azure-mysql_[a-z]+-password_value_[0-9A-F]+\.result\)\}$/);
      expect(triggers.job).toMatch(/^[0-9a-f]{64}$/);
      expect(userJob.lifecycle).toEqual({ replace_triggered_by: [`kubernetes_secret_v1.${secretId}`] });
      expect(userJob.depends_on).toContain(`kubernetes_secret_v1.${secretId}`);
      // A rotation applied with -target=<the Job> (npm run rotate-secret) takes the record and the Secret with it.
      expect(userJob.depends_on).toEqual(expect.arrayContaining([`kubernetes_secret_v1.${secretId}`]));
    });

    test('the Job may patch its own Secret and nothing else: no get, no other Secret', () => {
      const release = releasesByName(parsed)['azure-mysql-users-access'];
      const objects = (releaseValues(release).manifests as string[]).map((m) => JSON.parse(m) as { kind: string; rules?: unknown; subjects?: unknown });
      expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding']);
      expect(objects[1].rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['azure-mysql-user-job'], verbs: ['patch'] }]);
      expect(objects[2].subjects).toEqual([{ kind: 'ServiceAccount', name: 'azure-mysql-users', namespace: 'kubeflow' }]);
      expect(userJob.depends_on).toContain(release.address);
      const spec = (userJob.spec as { template: { spec: { service_account_name: string; automount_service_account_token: boolean; container: { env: { name: string; value_from?: { secret_key_ref: { name: string; optional: boolean } } }[] }[] } } }).template.spec;
      expect(spec.service_account_name).toBe('azure-mysql-users');
      expect(spec.automount_service_account_token).toBe(true);
      // Every credential is optional: a pod started after the Secret was emptied starts, finds nothing to do and succeeds.
      const fromSecret = spec.container[0].env.filter((e) => e.value_from);
      expect(fromSecret.map((e) => e.name).sort()).toEqual(['ADMIN_PASSWORD', 'ADMIN_USER', 'KATIB_PASSWORD', 'METADATA_PASSWORD', 'PIPELINES_PASSWORD']);
      for (const e of fromSecret) expect(e.value_from!.secret_key_ref).toEqual({ name: 'azure-mysql-user-job', key: e.name, optional: true });
    });

    /** Runs the Job's script with stub mysql and curl that record what they were given. */
    function runScript(env: Record<string, string>): { status: number; stdout: string; calls: string } {
      const dir = mkdtempSync(join(tmpdir(), 'mysql-job-'));
      const calls = join(dir, 'calls');
      writeFileSync(join(dir, 'mysql'), `#!/bin/sh\n{ echo "mysql $*"; cat; } >> ${calls}\n`);
      writeFileSync(join(dir, 'curl'), `#!/bin/sh\nprintf 'curl' >> ${calls}; printf ' [%s]' "$@" >> ${calls}; echo >> ${calls}\n`);
      chmodSync(join(dir, 'mysql'), 0o755);
      chmodSync(join(dir, 'curl'), 0o755);
      mkdirSync(join(dir, 'sa'));
      writeFileSync(join(dir, 'sa', 'token'), 'the-job-token');
      writeFileSync(join(dir, 'sa', 'ca.crt'), 'ca');
      writeFileSync(calls, '');
      const script = userJobScript(['pipelines', 'katib']).replace(/\/tmp\//g, `${dir}/`).replace(/\/var\/run\/secrets\/kubernetes\.io\/serviceaccount/g, join(dir, 'sa'));
      const run = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH}`, MYSQL_HOST: 'server.mysql.database.azure.com', CONSUMERS: 'pipelines,katib', ...env } });
      return { status: run.status ?? 1, stdout: run.stdout, calls: readFileSync(calls, 'utf8') };
    }

    test('with credentials, the script sets the users, then empties its Secret with the Job\'s token; the password is on no command line', () => {
      const run = runScript({ ADMIN_USER: 'kfadmin', ADMIN_PASSWORD: 'Admin0Password0123', PIPELINES_PASSWORD: 'Kfp0Password', KATIB_PASSWORD: 'Katib0Password' });
      expect(run.status).toBe(0);
      expect(run.calls).toContain("IDENTIFIED WITH caching_sha2_password BY 'Kfp0Password' REQUIRE SSL;");
      const curl = run.calls.split('\n').find((l) => l.startsWith('curl'))!;
      expect(curl).toContain('[--request] [PATCH] [--data] [{"data":null}] [https://kubernetes.default.svc/api/v1/namespaces/kubeflow/secrets/azure-mysql-user-job]');
      expect(curl).toContain('[Authorization: Bearer the-job-token]');
      expect(curl).toContain('[Content-Type: application/merge-patch+json]');
      // The administrator password reaches mysql through its option file (removed afterwards), never as an argument.
      expect(run.calls.split('\n').filter((l) => l.startsWith('mysql ') || l.startsWith('curl')).join('\n')).not.toContain('Admin0Password0123');
      expect(run.stdout).toContain('credentials removed from Secret azure-mysql-user-job');
    });

    test('without a service account token, the script fails rather than send an empty one', () => {
      const dirless = userJobScript(['katib']);
      expect(dirless).toMatch(/^token=\$\(cat \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token\)$/m);
      const run = spawnSync('sh', ['-c', 'set -eu\ntoken=$(cat /nonexistent/token)\necho reached'], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stdout).not.toContain('reached');
    });

    test('without credentials (the Secret was emptied), the script does nothing and succeeds', () => {
      const run = runScript({});
      expect(run.status).toBe(0);
      expect(run.calls).toBe('');
      expect(run.stdout).toContain('holds no credentials: a run already set the users and emptied it; nothing to do');
    });
  });

  test('the MLMD configuration and Katib\'s DSN ask for TLS with the Azure roots', () => {
    const config = mlmdServerConfig('server.mysql.database.azure.com', 'pw');
    expect(config).toContain('host: "server.mysql.database.azure.com"');
    expect(config).toContain('ca: "/etc/azure-mysql-ca/ca.pem"');
    const dsn = new URLSearchParams(KATIB_TLS_DATABASE.split('?')[1]);
    expect(dsn.get('tls')).toBe('true');
    // What Katib appends ends up after a `#`, inside a comment of the last SET statement.
    expect(decodeURIComponent(`${KATIB_TLS_DATABASE}?timeout=5s`.split('wait_timeout=')[1])).toBe('28800#?timeout=5s');
  });

  test('the mirror script configures the remote with workload identity, never a key, and never unmounts', () => {
    const script = mirrorScript();
    expect(script).toContain('-azure.client_id=$AZURE_CLIENT_ID');
    expect(script).not.toMatch(/account_key|remote\.unmount/);
    expect(script).toContain('weed filer.remote.sync -filer=localhost:8888 -dir=/buckets/mlpipeline');
  });
});

describe('the Azure MySQL CA bundle', () => {
  test('each root is the certificate it claims, by SHA-256 fingerprint, subject and expiry', () => {
    for (const root of AZURE_MYSQL_ROOTS) {
      const cert = new X509Certificate(root.pem);
      expect({ subject: root.subject, sha256: cert.fingerprint256.replace(/:/g, '') }).toEqual({ subject: root.subject, sha256: root.sha256 });
      expect(cert.subject).toContain(`CN=${root.subject}`);
      expect(new Date(cert.validTo).toISOString().slice(0, 10)).toBe(root.notAfter);
      expect(cert.ca).toBe(true);
    }
    expect(AZURE_MYSQL_CA_BUNDLE.match(/BEGIN CERTIFICATE/g)).toHaveLength(AZURE_MYSQL_ROOTS.length);
  });
});

describe('the preview\'s cost envelope includes the database', () => {
  const withServer = synthCluster(prod).parsed as unknown as StackJson;
  const table = PRICES.regions.westeurope;

  test('an always-on server, twice with its HA standby, in idle and full alike', () => {
    const servers = resourcesOfType(withServer as unknown as SynthJson, 'azurerm_mysql_flexible_server');
    const withoutServer = JSON.parse(JSON.stringify(withServer, (key, value) => (key === 'azurerm_mysql_flexible_server' ? undefined : value))) as StackJson;
    expect(Object.keys(servers)).toHaveLength(1);
    const db = 2 * (table.mysql!.computePerHour.GP_Standard_D2ds_v4 + (32 * table.mysql!.storagePerGbMonth) / 730);
    const a = costEnvelope(withServer)!.envelope;
    const b = costEnvelope(withoutServer)!.envelope;
    expect(a.idleUsdPerHour! - b.idleUsdPerHour!).toBeCloseTo(db, 1);
    expect(a.fullUsdPerHour! - b.fullUsdPerHour!).toBeCloseTo(db, 1);
  });

  test('a server size without a price makes the envelope unknown, with a warning', () => {
    const odd = JSON.parse(JSON.stringify(withServer).replace('"GP_Standard_D2ds_v4"', '"GP_Standard_D64ds_v4"')) as StackJson;
    const result = costEnvelope(odd)!;
    expect(result.envelope.idleUsdPerHour).toBeUndefined();
    expect(result.warnings).toEqual([expect.stringMatching(/^No price for MySQL GP_Standard_D64ds_v4 in westeurope/)]);
  });
});

describe('the preview warns before a data store is destroyed', () => {
  test('the server, its databases, the vault and the backup instance are stateful', () => {
    for (const type of ['azurerm_mysql_flexible_server', 'azurerm_mysql_flexible_database', 'azurerm_data_protection_backup_vault', 'azurerm_data_protection_backup_instance_kubernetes_cluster', 'azurerm_storage_account']) {
      expect({ type, known: STATEFUL[type] !== undefined }).toEqual({ type, known: true });
    }
  });
});

describe('dataStores.keepData: prevent_destroy on every Azure data store and its backups', () => {
  /** Every Azure data store and what protects it, by resource type; each must be in the synth below. */
  const DATA_TYPES = [
    'azurerm_mysql_flexible_server', 'azurerm_mysql_flexible_database',
    'azurerm_storage_account', 'azurerm_storage_container',
    'azurerm_data_protection_backup_vault', 'azurerm_resource_group',
    'azurerm_log_analytics_workspace',
  ] as const;
  const everything = (keepData: boolean | undefined): EnvironmentConfig => ({ ...prod, dataStores: { ...prod.dataStores, mysql: 'azure', artifacts: 'azure-blob', clusterBackup: { enabled: true }, ...(keepData === undefined ? {} : { keepData }) } });
  /** `type name → prevent_destroy` for every data resource; the environment's own resource group is not a data store. */
  function guards(config: EnvironmentConfig): Record<string, unknown> {
    const parsed = synthCluster(config).parsed;
    const out: Record<string, unknown> = {};
    for (const type of DATA_TYPES) {
      const found = Object.values(resourcesOfType(parsed, type)).filter((r) => type !== 'azurerm_resource_group' || String(r.name).endsWith('-backup-snapshots'));
      expect({ type, count: found.length > 0 }).toEqual({ type, count: true });
      for (const r of found) out[`${type} ${String(r.name)}`] = (r.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy;
    }
    return out;
  }

  test('defaults by stage: on in staging and prod, off in dev', () => {
    expect(resolveEnvironment(dev).dataStores.keepData).toBe(false);
    expect(resolveEnvironment(staging).dataStores.keepData).toBe(true);
    expect(resolveEnvironment(prod).dataStores.keepData).toBe(true);
  });

  test('on (prod default): every data resource, the mlpipeline container and the Log Analytics workspace refuse destroy', () => {
    const g = guards(everything(undefined));
    expect(Object.keys(g)).toEqual(expect.arrayContaining(['azurerm_storage_container mlpipeline', 'azurerm_log_analytics_workspace log-kubeflow-prod', 'azurerm_resource_group rg-kubeflow-prod-backup-snapshots']));
    expect(Object.entries(g).filter(([, v]) => v !== true)).toEqual([]);
  });

  test('off: none of them does', () => {
    const g = guards(everything(false));
    expect(Object.entries(g).filter(([, v]) => v !== false)).toEqual([]);
  });

  test('staging with Azure stores keeps them by default (before, only prod did)', () => {
    const parsed = synthCluster({ ...staging, dataStores: { mysql: 'azure', artifacts: 'azure-blob' } }).parsed;
    expect(onlyResource(parsed, 'azurerm_mysql_flexible_server').lifecycle).toMatchObject({ prevent_destroy: true });
    expect(onlyResource(parsed, 'azurerm_data_protection_backup_vault').lifecycle).toEqual({ prevent_destroy: true });
  });

  test('deleteDataOnRemoval: refused while keepData is on (named, with the default), a warning when allowed', () => {
    expect(problems({ ...staging, dataStores: { deleteDataOnRemoval: true } })).toEqual([expect.stringMatching(/^dataStores\.deleteDataOnRemoval: contradicts dataStores\.keepData \(true by default in staging\)/)]);
    expect(problems({ ...dev, dataStores: { keepData: 'yes' as unknown as boolean } })).toEqual(['dataStores.keepData: accepted: true or false']);
    const env = resolveEnvironment({ ...dev, dataStores: { deleteDataOnRemoval: true } });
    expect(env.dataStores.deleteDataOnRemoval).toBe(true);
    expect(env.warnings).toEqual(expect.arrayContaining([expect.stringContaining('dataStores.deleteDataOnRemoval is true')]));
    expect(resolveEnvironment({ ...prod, dataStores: { ...prod.dataStores, keepData: false } }).warnings).toEqual(expect.arrayContaining([expect.stringContaining('dataStores.keepData is false in a prod environment')]));
  });
});
