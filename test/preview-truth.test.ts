import { execFile } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { App } from 'cdktf';
import { EnvironmentConfig, resolveEnvironment } from '../environments';
import { addEnvironment } from '../stacks/app';
import { costEnvelope } from '../scripts/preview/cost';
import { CRD_RELEASES, destroyWarning } from '../scripts/preview/destructive';
import { summarize } from '../scripts/preview/diff';
import { PRICES, PriceTable } from '../catalog/prices';
import { renderMarkdown, renderText } from '../scripts/preview/render';
import { FORCES_REPLACEMENT, REPLACES_WHEN, ROTATES_POOL, forcesReplacement, rotatesPool } from '../scripts/preview/replacement';
import { removeStaleStacks } from '../stacks/stale-stacks';
import { StackJson, loadSynthesized } from '../scripts/preview/synthesized';
import { dev, staging } from './fixtures/environments';

/**
 * What each attribute change does, checked in the pinned providers' source
 * (paths as in scripts/preview/replacement.ts). One row per entry of the
 * replacement and rotation tables, plus the in-place updates the tables used
 * to get wrong or that sit next to a conditional replacement.
 */
const AZ = 'azurerm v4.55.0 internal/services/';
const POOL = `${AZ}containers/kubernetes_cluster_node_pool_resource.go`;
const CLUSTER = `${AZ}containers/kubernetes_cluster_resource.go`;
const DEFAULT_POOL = `${AZ}containers/kubernetes_nodepool.go (SchemaDefaultNodePool)`;
const forceNew = (file: string) => `${file}: ForceNew`;
const location = (file: string) => `${file}: commonschema.Location() (ForceNew)`;
const group = (file: string) => `${file}: commonschema.ResourceGroupName() (ForceNew)`;
const named = (type: string, file: string): Row[] => [[type, 'name', 'replace', forceNew(file)], [type, 'location', 'replace', location(file)], [type, 'resource_group_name', 'replace', group(file)]];

type Effect = 'replace' | 'rotate' | 'update';
type Row = [type: string, path: string, effect: Effect, source: string];
const K8S = 'kubernetes v2.38.0 kubernetes/';
/** Rows for attributes marked `ForceNew: true`, with the common location and resource group where the type has them. */
const forced = (type: string, file: string, attributes: string[], common: { location?: boolean; group?: boolean } = {}): Row[] => [
  ...attributes.map((a): Row => [type, a, 'replace', forceNew(file)]),
  ...(common.location ? [[type, 'location', 'replace', location(file)] as Row] : []),
  ...(common.group ? [[type, 'resource_group_name', 'replace', group(file)] as Row] : []),
];

const ROWS: Row[] = [
  ['azurerm_resource_group', 'name', 'replace', group(`${AZ}resource/resource_group_resource.go`)],
  ['azurerm_resource_group', 'location', 'replace', location(`${AZ}resource/resource_group_resource.go`)],
  ['azurerm_resource_group', 'tags', 'update', `${AZ}resource/resource_group_resource.go: no ForceNew`],
  ...named('azurerm_virtual_network', `${AZ}network/virtual_network_resource.go`),
  ['azurerm_virtual_network', 'edge_zone', 'replace', `${AZ}network/virtual_network_resource.go: commonschema.EdgeZoneOptionalForceNew()`],
  ['azurerm_virtual_network', 'address_space', 'update', `${AZ}network/virtual_network_resource.go: no ForceNew`],
  ['azurerm_subnet', 'name', 'replace', forceNew(`${AZ}network/subnet_resource.go`)],
  ['azurerm_subnet', 'resource_group_name', 'replace', group(`${AZ}network/subnet_resource.go`)],
  ['azurerm_subnet', 'virtual_network_name', 'replace', forceNew(`${AZ}network/subnet_resource.go`)],
  ['azurerm_subnet', 'address_prefixes', 'update', `${AZ}network/subnet_resource.go: no ForceNew`],
  ...named('azurerm_network_security_group', `${AZ}network/network_security_group_resource.go`),
  ['azurerm_subnet_network_security_group_association', 'subnet_id', 'replace', forceNew(`${AZ}network/subnet_network_security_group_association_resource.go`)],
  ['azurerm_subnet_network_security_group_association', 'network_security_group_id', 'replace', forceNew(`${AZ}network/subnet_network_security_group_association_resource.go`)],
  ...named('azurerm_log_analytics_workspace', `${AZ}loganalytics/log_analytics_workspace_resource.go`),
  ['azurerm_log_analytics_workspace', 'sku', 'replace', `${AZ}loganalytics/log_analytics_workspace_resource.go: resourceLogAnalyticsWorkspaceCustomDiff d.ForceNew("sku")`],
  ['azurerm_log_analytics_workspace', 'retention_in_days', 'update', `${AZ}loganalytics/log_analytics_workspace_resource.go: no ForceNew`],
  ...named('azurerm_monitor_workspace', `${AZ}monitor/monitor_workspace_resource.go`),
  ...named('azurerm_monitor_data_collection_rule', `${AZ}monitor/monitor_data_collection_rule_resource.go`),
  ['azurerm_monitor_data_collection_rule', 'kind', 'replace', `${AZ}monitor/monitor_data_collection_rule_resource.go: CustomizeDiff ForceNew("kind") from a set value`],
  ...named('azurerm_monitor_data_collection_endpoint', `${AZ}monitor/monitor_data_collection_endpoint_resource.go`),
  ['azurerm_monitor_data_collection_endpoint', 'kind', 'update', `${AZ}monitor/monitor_data_collection_endpoint_resource.go: Update sets Kind`],
  ['azurerm_monitor_data_collection_rule_association', 'name', 'replace', forceNew(`${AZ}monitor/monitor_data_collection_rule_association_resource.go`)],
  ['azurerm_monitor_data_collection_rule_association', 'target_resource_id', 'replace', forceNew(`${AZ}monitor/monitor_data_collection_rule_association_resource.go`)],
  ...named('azurerm_user_assigned_identity', `${AZ}managedidentity/user_assigned_identity_resource.go`),
  ...named('azurerm_key_vault', `${AZ}keyvault/key_vault_resource.go`),
  ['azurerm_key_vault', 'sku_name', 'update', `${AZ}keyvault/key_vault_resource.go: no ForceNew (was listed as replacing)`],
  ['azurerm_key_vault', 'tenant_id', 'update', `${AZ}keyvault/key_vault_resource.go: no ForceNew`],
  ['azurerm_key_vault_secret', 'name', 'replace', forceNew(`${AZ}keyvault/key_vault_secret_resource.go`)],
  ['azurerm_key_vault_secret', 'key_vault_id', 'replace', `${AZ}keyvault/key_vault_secret_resource.go: commonschema.ResourceIDReferenceRequiredForceNew`],
  ['azurerm_key_vault_secret', 'value_wo_version', 'update', `${AZ}keyvault/key_vault_secret_resource.go: no ForceNew; Update writes value_wo when it changes`],
  ['azurerm_key_vault_secret', 'content_type', 'update', `${AZ}keyvault/key_vault_secret_resource.go: no ForceNew`],
  ['azurerm_key_vault_key', 'name', 'replace', forceNew(`${AZ}keyvault/key_vault_key_resource.go`)],
  ['azurerm_key_vault_key', 'key_vault_id', 'replace', `${AZ}keyvault/key_vault_key_resource.go: commonschema.ResourceIDReferenceRequiredForceNew`],
  ['azurerm_key_vault_key', 'key_type', 'replace', forceNew(`${AZ}keyvault/key_vault_key_resource.go`)],
  ['azurerm_key_vault_key', 'key_size', 'replace', forceNew(`${AZ}keyvault/key_vault_key_resource.go`)],
  ['azurerm_key_vault_key', 'curve', 'replace', forceNew(`${AZ}keyvault/key_vault_key_resource.go`)],
  ['azurerm_key_vault_key', 'key_opts', 'update', `${AZ}keyvault/key_vault_key_resource.go: no ForceNew`],
  ...named('azurerm_disk_encryption_set', `${AZ}compute/disk_encryption_set_resource.go`),
  ['azurerm_disk_encryption_set', 'encryption_type', 'replace', forceNew(`${AZ}compute/disk_encryption_set_resource.go`)],
  ['azurerm_disk_encryption_set', 'key_vault_key_id', 'update', `${AZ}compute/disk_encryption_set_resource.go: no ForceNew`],
  ...(['name', 'scope', 'role_definition_id', 'role_definition_name', 'principal_id', 'principal_type', 'description', 'condition', 'condition_version', 'delegated_managed_identity_resource_id']
    .map((a): Row => ['azurerm_role_assignment', a, 'replace', forceNew(`${AZ}authorization/role_assignment_resource.go`)])),
  ['azurerm_federated_identity_credential', 'name', 'replace', forceNew(`${AZ}managedidentity/federated_identity_credential_resource.go`)],
  ['azurerm_federated_identity_credential', 'resource_group_name', 'replace', group(`${AZ}managedidentity/federated_identity_credential_resource.go`)],
  ['azurerm_federated_identity_credential', 'parent_id', 'replace', forceNew(`${AZ}managedidentity/federated_identity_credential_resource.go`)],
  ['azurerm_federated_identity_credential', 'subject', 'update', `${AZ}managedidentity/federated_identity_credential_resource.go: no ForceNew, Update()`],
  ['azurerm_federated_identity_credential', 'issuer', 'update', `${AZ}managedidentity/federated_identity_credential_resource.go: no ForceNew, Update()`],

  // The cluster.
  ...named('azurerm_kubernetes_cluster', CLUSTER),
  ...(['dns_prefix', 'dns_prefix_private_cluster', 'node_resource_group', 'disk_encryption_set_id', 'private_cluster_enabled', 'private_dns_zone_id', 'role_based_access_control_enabled',
    'kubelet_identity.0.client_id', 'linux_profile.0.admin_username', 'linux_profile.0.ssh_key.0.key_data', 'network_profile.0.network_plugin', 'network_profile.0.network_mode',
    'network_profile.0.pod_cidr', 'network_profile.0.pod_cidrs', 'network_profile.0.service_cidr', 'network_profile.0.service_cidrs', 'network_profile.0.dns_service_ip',
    'network_profile.0.load_balancer_sku', 'network_profile.0.ip_versions'].map((a): Row => ['azurerm_kubernetes_cluster', a, 'replace', forceNew(CLUSTER)])),
  ['azurerm_kubernetes_cluster', 'edge_zone', 'replace', `${CLUSTER}: commonschema.EdgeZoneOptionalForceNew()`],
  ['azurerm_kubernetes_cluster', 'network_profile.0.network_data_plane', 'replace', `${CLUSTER}: ForceNewIfChange("network_profile.0.network_data_plane") once set`],
  ['azurerm_kubernetes_cluster', 'network_profile.0.network_policy', 'replace', `${CLUSTER}: ForceNewIfChange("network_profile.0.network_policy") once set`],
  ['azurerm_kubernetes_cluster', 'network_profile.0.network_plugin_mode', 'replace', `${CLUSTER}: ForceNewIfChange("network_profile.0.network_plugin_mode") to anything but overlay`],
  ['azurerm_kubernetes_cluster', 'network_profile.0.outbound_type', 'update', `${CLUSTER}: no ForceNew, resourceKubernetesClusterUpdate sets OutboundType (was listed as replacing)`],
  ['azurerm_kubernetes_cluster', 'default_node_pool.0.name', 'replace', `${CLUSTER}: ForceNewIf("default_node_pool.0.name")`],
  ...(['type', 'gpu_instance', 'gpu_driver', 'capacity_reservation_group_id', 'host_group_id', 'node_public_ip_prefix_id', 'proximity_placement_group_id']
    .map((a): Row => ['azurerm_kubernetes_cluster', `default_node_pool.0.${a}`, 'replace', forceNew(DEFAULT_POOL)])),
  ...(['fips_enabled', 'host_encryption_enabled', 'kubelet_config', 'kubelet_disk_type', 'linux_os_config', 'max_pods', 'node_public_ip_enabled', 'only_critical_addons_enabled',
    'os_disk_size_gb', 'os_disk_type', 'pod_subnet_id', 'snapshot_id', 'ultra_ssd_enabled', 'vm_size', 'vnet_subnet_id', 'zones']
    .map((a): Row => ['azurerm_kubernetes_cluster', `default_node_pool.0.${a}`, 'rotate', `${CLUSTER}: cycleNodePoolProperties (resourceKubernetesClusterUpdate)`])),
  ['azurerm_kubernetes_cluster', 'default_node_pool.0.os_sku', 'update', `${CLUSTER}: os_sku cycles only to or from a SKU other than Ubuntu/AzureLinux`],
  ['azurerm_kubernetes_cluster', 'default_node_pool.0.max_count', 'update', `${DEFAULT_POOL}: no ForceNew`],
  ['azurerm_kubernetes_cluster', 'sku_tier', 'update', `${CLUSTER}: no ForceNew`],
  ['azurerm_kubernetes_cluster', 'kubernetes_version', 'update', `${CLUSTER}: no ForceNew`],

  // User node pools.
  ...(['name', 'kubernetes_cluster_id', 'os_type', 'priority', 'eviction_policy', 'spot_max_price', 'gpu_instance', 'gpu_driver', 'capacity_reservation_group_id',
    'host_group_id', 'node_public_ip_prefix_id', 'proximity_placement_group_id', 'windows_profile.0.outbound_nat_enabled']
    .map((a): Row => ['azurerm_kubernetes_cluster_node_pool', a, 'replace', forceNew(POOL)])),
  ...(['fips_enabled', 'host_encryption_enabled', 'kubelet_config', 'kubelet_disk_type', 'linux_os_config', 'max_pods', 'node_public_ip_enabled', 'os_disk_size_gb',
    'os_disk_type', 'pod_subnet_id', 'snapshot_id', 'ultra_ssd_enabled', 'vm_size', 'vnet_subnet_id', 'zones']
    .map((a): Row => ['azurerm_kubernetes_cluster_node_pool', a, 'rotate', `${POOL}: cycleNodePoolProperties (resourceKubernetesClusterNodePoolUpdate), no ForceNew`])),
  ['azurerm_kubernetes_cluster_node_pool', 'mode', 'update', `${POOL}: no ForceNew (was listed as replacing)`],
  ['azurerm_kubernetes_cluster_node_pool', 'os_sku', 'update', `${POOL}: ForceNewIfChange("os_sku") only to or from a SKU other than Ubuntu/AzureLinux`],
  ['azurerm_kubernetes_cluster_node_pool', 'max_count', 'update', `${POOL}: no ForceNew`],
  ['azurerm_kubernetes_cluster_node_pool', 'node_taints', 'update', `${POOL}: no ForceNew`],
  ['azurerm_kubernetes_cluster_node_pool', 'temporary_name_for_rotation', 'update', `${POOL}: no ForceNew`],

  // Entra ID (azuread v3.7.0).
  ['azuread_application_federated_identity_credential', 'application_id', 'replace', 'azuread v3.7.0 internal/services/applications/application_federated_identity_credential_resource.go: ForceNew'],
  ['azuread_application_federated_identity_credential', 'display_name', 'replace', 'azuread v3.7.0 internal/services/applications/application_federated_identity_credential_resource.go: ForceNew'],
  ['azuread_application_federated_identity_credential', 'issuer', 'update', 'azuread v3.7.0 internal/services/applications/application_federated_identity_credential_resource.go: no ForceNew (was listed as replacing)'],
  ['azuread_application_federated_identity_credential', 'subject', 'update', 'azuread v3.7.0 internal/services/applications/application_federated_identity_credential_resource.go: no ForceNew (was listed as replacing)'],
  ['azuread_application', 'template_id', 'replace', 'azuread v3.7.0 internal/services/applications/application_resource.go: ForceNew'],
  ['azuread_application', 'display_name', 'update', 'azuread v3.7.0 internal/services/applications/application_resource.go: no ForceNew'],
  ...(['app_role_id', 'principal_object_id', 'resource_object_id']
    .map((a): Row => ['azuread_app_role_assignment', a, 'replace', 'azuread v3.7.0 internal/services/approleassignments/app_role_assignment_resource.go: ForceNew'])),
  ['azuread_service_principal', 'client_id', 'replace', 'azuread v3.7.0 internal/services/serviceprincipals/service_principal_resource.go: ForceNew'],

  // Kubernetes objects (helm v3.1.1, kubernetes v2.38.0) and generated secrets (random v3.7.2).
  ['helm_release', 'name', 'replace', 'helm v3.1.1 helm/resource_helm_release.go: stringplanmodifier.RequiresReplace()'],
  ['helm_release', 'namespace', 'replace', 'helm v3.1.1 helm/resource_helm_release.go: stringplanmodifier.RequiresReplace()'],
  ['helm_release', 'chart', 'update', 'helm v3.1.1 helm/resource_helm_release.go: no RequiresReplace'],
  ['helm_release', 'values', 'update', 'helm v3.1.1 helm/resource_helm_release.go: no RequiresReplace'],
  ['kubernetes_namespace_v1', 'metadata.0.name', 'replace', 'kubernetes v2.38.0 kubernetes/schema_metadata.go: metadataFields "name" ForceNew'],
  ['kubernetes_namespace_v1', 'metadata.0.generate_name', 'replace', 'kubernetes v2.38.0 kubernetes/schema_metadata.go: metadataSchema "generate_name" ForceNew'],
  ['kubernetes_namespace_v1', 'metadata.0.labels', 'update', 'kubernetes v2.38.0 kubernetes/schema_metadata.go: no ForceNew'],
  ...(['length', 'special', 'upper', 'lower', 'numeric', 'number', 'min_upper', 'min_lower', 'min_numeric', 'min_special', 'override_special', 'keepers']
    .map((a): Row => ['random_password', a, 'replace', 'random v3.7.2 internal/provider/resource_password.go: RequiresReplace'])),

  // The generic ARM resource (azapi v2.12.0, catalog/versions.ts PROVIDERS.azapi).
  ['azapi_resource', 'name', 'replace', 'azapi v2.12.0 internal/services/azapi_resource.go: stringplanmodifier.RequiresReplace() on name, and ModifyPlan when the default name changes'],
  ['azapi_resource', 'parent_id', 'replace', 'azapi v2.12.0 internal/services/azapi_resource.go: stringplanmodifier.RequiresReplace() on parent_id'],
  ['azapi_resource', 'location', 'replace', 'azapi v2.12.0 internal/services/azapi_resource.go: ModifyPlan RequiresReplace when the normalized location changes'],
  ['azapi_resource', 'type', 'update', 'azapi v2.12.0 internal/services/azapi_resource.go: no plan modifier on type (a new API version is a PUT)'],
  ['azapi_resource', 'body', 'update', 'azapi v2.12.0 internal/services/azapi_resource.go: DynamicUseStateWhen(SemanticallyEqual), no RequiresReplace'],

  // The engine's built-in resource (OpenTofu v1.12.6, .ci/opentofu/go.mod).
  ['terraform_data', 'triggers_replace', 'replace', 'opentofu v1.12.6 internal/builtin/providers/tf/resource_data.go: RequiresReplace on triggers_replace'],
  ['terraform_data', 'input', 'update', 'opentofu v1.12.6 internal/builtin/providers/tf/resource_data.go: a new input plans a new output, no RequiresReplace'],

  // Data stores, their network and their backups (azurerm v4.55.0).
  ...forced('azurerm_mysql_flexible_server', `${AZ}mysql/mysql_flexible_server_resource.go`, ['name', 'administrator_login', 'create_mode', 'delegated_subnet_id', 'geo_redundant_backup_enabled',
    'point_in_time_restore_time_in_utc', 'private_dns_zone_id', 'source_server_id'], { location: true, group: true }),
  ['azurerm_mysql_flexible_server', 'storage.0.size_gb', 'replace', `${AZ}mysql/mysql_flexible_server_resource.go: ForceNewIfChange("storage.0.size_gb") when new < old (REPLACES_WHEN)`],
  ['azurerm_mysql_flexible_server', 'storage.0.iops', 'update', `${AZ}mysql/mysql_flexible_server_resource.go: no ForceNew`],
  ['azurerm_mysql_flexible_server', 'high_availability.0.mode', 'update', `${AZ}mysql/mysql_flexible_server_resource.go: no ForceNew`],
  ['azurerm_mysql_flexible_server', 'backup_retention_days', 'update', `${AZ}mysql/mysql_flexible_server_resource.go: no ForceNew`],
  ['azurerm_mysql_flexible_server', 'sku_name', 'update', `${AZ}mysql/mysql_flexible_server_resource.go: no ForceNew`],
  ...forced('azurerm_mysql_flexible_database', `${AZ}mysql/mysql_flexible_database_resource.go`, ['name', 'server_name', 'charset', 'collation'], { group: true }),
  ...forced('azurerm_mysql_flexible_server_configuration', `${AZ}mysql/mysql_flexible_server_configuration_resource.go`, ['name', 'server_name'], { group: true }),
  ['azurerm_mysql_flexible_server_configuration', 'value', 'update', `${AZ}mysql/mysql_flexible_server_configuration_resource.go: no ForceNew`],
  ...forced('azurerm_storage_account', `${AZ}storage/storage_account_resource.go`, ['name', 'account_tier', 'provisioned_billing_model_version', 'immutability_policy', 'is_hns_enabled',
    'nfsv3_enabled', 'dns_endpoint_type', 'queue_encryption_key_type', 'table_encryption_key_type', 'infrastructure_encryption_enabled'], { location: true, group: true }),
  ['azurerm_storage_account', 'edge_zone', 'replace', `${AZ}storage/storage_account_resource.go: commonschema.EdgeZoneOptionalForceNew()`],
  ['azurerm_storage_account', 'account_replication_type', 'replace', `${AZ}storage/storage_account_resource.go: ForceNewIfChange("account_replication_type") across LRS/GRS/RAGRS ↔ ZRS/GZRS/RAGZRS (REPLACES_WHEN)`],
  ['azurerm_storage_account', 'account_kind', 'replace', `${AZ}storage/storage_account_resource.go: CustomizeDiff d.ForceNew("account_kind") unless Storage → StorageV2 (REPLACES_WHEN)`],
  ['azurerm_storage_account', 'blob_properties.0.delete_retention_policy.0.days', 'update', `${AZ}storage/storage_account_resource.go: no ForceNew`],
  ['azurerm_storage_account', 'public_network_access_enabled', 'update', `${AZ}storage/storage_account_resource.go: no ForceNew`],
  ...forced('azurerm_storage_container', `${AZ}storage/storage_container_resource.go`, ['name', 'storage_account_id', 'default_encryption_scope', 'encryption_scope_override_enabled']),
  ['azurerm_storage_container', 'storage_account_name', 'replace', `${AZ}storage/storage_container_resource.go: CustomizeDiff diff.ForceNew("storage_account_name")`],
  ['azurerm_storage_container', 'container_access_type', 'update', `${AZ}storage/storage_container_resource.go: no ForceNew`],
  ...forced('azurerm_private_endpoint', `${AZ}network/private_endpoint_resource.go`, ['name', 'subnet_id', 'custom_network_interface_name',
    'private_service_connection.0.name', 'private_service_connection.0.is_manual_connection', 'private_service_connection.0.private_connection_resource_id',
    'private_service_connection.0.private_connection_resource_alias', 'private_service_connection.0.subresource_names',
    'ip_configuration.0.name', 'ip_configuration.0.private_ip_address', 'ip_configuration.0.subresource_name', 'ip_configuration.0.member_name'], { location: true }),
  ['azurerm_private_endpoint', 'resource_group_name', 'replace', `${AZ}network/private_endpoint_resource.go: azure.SchemaResourceGroupNameDiffSuppress() (ForceNew, helpers/azure/deprecated_soon.go)`],
  ['azurerm_private_endpoint', 'private_dns_zone_group.0.private_dns_zone_ids', 'update', `${AZ}network/private_endpoint_resource.go: no ForceNew`],
  ...forced('azurerm_private_dns_zone', `${AZ}privatedns/private_dns_zone_resource.go`, ['name', 'soa_record']),
  ['azurerm_private_dns_zone', 'resource_group_name', 'replace', `${AZ}privatedns/private_dns_zone_resource.go: azure.SchemaResourceGroupNameDiffSuppress() (ForceNew)`],
  ...forced('azurerm_private_dns_zone_virtual_network_link', `${AZ}privatedns/private_dns_zone_virtual_network_link_resource.go`, ['name', 'private_dns_zone_name', 'virtual_network_id']),
  ['azurerm_private_dns_zone_virtual_network_link', 'resource_group_name', 'replace', `${AZ}privatedns/private_dns_zone_virtual_network_link_resource.go: azure.SchemaResourceGroupNameDiffSuppress() (ForceNew)`],
  ['azurerm_private_dns_zone_virtual_network_link', 'registration_enabled', 'update', `${AZ}privatedns/private_dns_zone_virtual_network_link_resource.go: no ForceNew`],
  ...forced('azurerm_dns_txt_record', `${AZ}dns/dns_txt_record_resource.go`, ['name', 'zone_name'], { group: true }),
  ['azurerm_dns_txt_record', 'record', 'update', `${AZ}dns/dns_txt_record_resource.go: no ForceNew`],
  ...forced('azurerm_data_protection_backup_vault', `${AZ}dataprotection/data_protection_backup_vault_resource.go`, ['name', 'datastore_type', 'redundancy'], { location: true, group: true }),
  ['azurerm_data_protection_backup_vault', 'cross_region_restore_enabled', 'replace', `${AZ}dataprotection/data_protection_backup_vault_resource.go: ForceNewIfChange once enabled (REPLACES_WHEN)`],
  ['azurerm_data_protection_backup_vault', 'immutability', 'replace', `${AZ}dataprotection/data_protection_backup_vault_resource.go: ForceNewIfChange from Locked (REPLACES_WHEN)`],
  ['azurerm_data_protection_backup_vault', 'soft_delete', 'replace', `${AZ}dataprotection/data_protection_backup_vault_resource.go: ForceNewIfChange from AlwaysOn (REPLACES_WHEN)`],
  ['azurerm_data_protection_backup_vault', 'retention_duration_in_days', 'update', `${AZ}dataprotection/data_protection_backup_vault_resource.go: no ForceNew`],
  ...forced('azurerm_data_protection_backup_policy_kubernetes_cluster', `${AZ}dataprotection/data_protection_backup_policy_kubernetes_cluster_resource.go`,
    ['name', 'vault_name', 'backup_repeating_time_intervals', 'default_retention_rule.0.life_cycle.0.duration', 'retention_rule.0.criteria.0.days_of_week', 'time_zone'], { group: true }),
  ...forced('azurerm_data_protection_backup_instance_kubernetes_cluster', `${AZ}dataprotection/data_protection_backup_instance_kubernetes_cluster_resource.go`,
    ['name', 'vault_id', 'backup_policy_id', 'kubernetes_cluster_id', 'backup_datasource_parameters.0.included_namespaces'], { location: true }),
  ['azurerm_data_protection_backup_instance_kubernetes_cluster', 'snapshot_resource_group_name', 'replace', group(`${AZ}dataprotection/data_protection_backup_instance_kubernetes_cluster_resource.go`)],

  // Cluster add-ons and monitoring (azurerm v4.55.0).
  ...forced('azurerm_kubernetes_cluster_extension', `${AZ}containers/kubernetes_cluster_extension_resource.go`,
    ['name', 'cluster_id', 'extension_type', 'plan.0.name', 'release_train', 'release_namespace', 'target_namespace', 'version']),
  ['azurerm_kubernetes_cluster_extension', 'configuration_settings', 'update', `${AZ}containers/kubernetes_cluster_extension_resource.go: no ForceNew`],
  ...forced('azurerm_kubernetes_cluster_trusted_access_role_binding', `${AZ}containers/kubernetes_cluster_trusted_access_role_binding_resource.go`, ['name', 'kubernetes_cluster_id', 'source_resource_id']),
  ['azurerm_kubernetes_cluster_trusted_access_role_binding', 'roles', 'update', `${AZ}containers/kubernetes_cluster_trusted_access_role_binding_resource.go: no ForceNew`],
  ...forced('azurerm_dashboard_grafana', `${AZ}dashboard/dashboard_grafana_resource.go`, ['name', 'sku', 'zone_redundancy_enabled'], { location: true, group: true }),
  ['azurerm_dashboard_grafana', 'identity', 'replace', `${AZ}dashboard/dashboard_grafana_resource.go: commonschema.SystemOrUserAssignedIdentityOptionalForceNew()`],
  ['azurerm_dashboard_grafana', 'grafana_major_version', 'update', `${AZ}dashboard/dashboard_grafana_resource.go: no ForceNew`],
  ...forced('azurerm_monitor_action_group', `${AZ}monitor/monitor_action_group_resource.go`, ['name', 'location'], { group: true }),
  ['azurerm_monitor_action_group', 'email_receiver', 'update', `${AZ}monitor/monitor_action_group_resource.go: no ForceNew`],
  ...forced('azurerm_monitor_alert_prometheus_rule_group', `${AZ}monitor/monitor_alert_prometheus_rule_group_resource.go`, ['name'], { location: true, group: true }),
  ['azurerm_monitor_alert_prometheus_rule_group', 'rule', 'update', `${AZ}monitor/monitor_alert_prometheus_rule_group_resource.go: no ForceNew`],
  ...forced('azurerm_monitor_diagnostic_setting', `${AZ}monitor/monitor_diagnostic_setting_resource.go`, ['name', 'target_resource_id']),
  ['azurerm_monitor_diagnostic_setting', 'enabled_log', 'update', `${AZ}monitor/monitor_diagnostic_setting_resource.go: no ForceNew`],

  // Kubernetes objects the stacks manage directly (kubernetes v2.38.0).
  ...(['kubernetes_config_map_v1', 'kubernetes_secret_v1', 'kubernetes_job_v1'] as const).flatMap((type): Row[] => [
    [type, 'metadata.0.name', 'replace', `${K8S}schema_metadata.go: namespacedMetadataSchema "name" ForceNew`],
    [type, 'metadata.0.generate_name', 'replace', `${K8S}schema_metadata.go: namespacedMetadataSchema "generate_name" ForceNew`],
    [type, 'metadata.0.namespace', 'replace', `${K8S}schema_metadata.go: namespacedMetadataSchema "namespace" ForceNew`],
    [type, 'metadata.0.annotations', 'update', `${K8S}schema_metadata.go: no ForceNew`],
  ]),
  ['kubernetes_config_map_v1', 'data', 'replace', `${K8S}resource_kubernetes_config_map_v1.go: CustomizeDiff ForceNew once immutable (REPLACES_WHEN)`],
  ['kubernetes_config_map_v1', 'binary_data', 'replace', `${K8S}resource_kubernetes_config_map_v1.go: CustomizeDiff ForceNew once immutable (REPLACES_WHEN)`],
  ['kubernetes_config_map_v1', 'immutable', 'replace', `${K8S}resource_kubernetes_config_map_v1.go: CustomizeDiff ForceNew once immutable (REPLACES_WHEN)`],
  ['kubernetes_secret_v1', 'type', 'replace', `${K8S}resource_kubernetes_secret_v1.go: ForceNew`],
  ['kubernetes_secret_v1', 'data', 'replace', `${K8S}resource_kubernetes_secret_v1.go: CustomizeDiff ForceNew once immutable (REPLACES_WHEN)`],
  ['kubernetes_secret_v1', 'binary_data', 'replace', `${K8S}resource_kubernetes_secret_v1.go: CustomizeDiff ForceNew once immutable (REPLACES_WHEN)`],
  ['kubernetes_secret_v1', 'immutable', 'replace', `${K8S}resource_kubernetes_secret_v1.go: CustomizeDiff ForceNew once immutable (REPLACES_WHEN)`],
  ...(['backoff_limit_per_index', 'completions', 'completion_mode', 'pod_failure_policy', 'selector', 'template.0.spec.0.container.0.image']
    .map((a): Row => ['kubernetes_job_v1', `spec.0.${a}`, 'replace', `${K8S}schema_job_spec.go: jobSpecFields ForceNew`])),
  ['kubernetes_job_v1', 'spec.0.backoff_limit', 'update', `${K8S}schema_job_spec.go: ForceNew false`],
  ['kubernetes_job_v1', 'wait_for_completion', 'update', `${K8S}resource_kubernetes_job_v1.go: no ForceNew`],
];

describe('replacement and rotation tables, against the pinned providers\' source', () => {
  test.each(ROWS)('%s.%s: %s (%s)', (type, path, effect) => {
    expect(forcesReplacement(type, path)).toBe(effect === 'replace');
    expect(rotatesPool(type, path)).toBe(effect === 'rotate');
  });

  test('every entry of both tables has its row above', () => {
    const rows = new Set(ROWS.map(([type, path, effect]) => `${effect} ${type}.${path.replace(/\.0(?=\.|$)/g, '')}`));
    const entries = [
      ...Object.entries(FORCES_REPLACEMENT).flatMap(([type, paths]) => paths.map((p) => `replace ${type}.${p}`)),
      ...Object.entries(ROTATES_POOL).flatMap(([type, paths]) => paths.map((p) => `rotate ${type}.${p}`)),
      ...Object.entries(REPLACES_WHEN).flatMap(([type, rules]) => Object.keys(rules).map((p) => `replace ${type}.${p}`)),
    ];
    // Blocks whose children force the replacement are cited by one child.
    const covered = (entry: string) => rows.has(entry) || [...rows].some((r) => r.startsWith(`${entry}.`));
    expect(entries.filter((e) => !covered(e))).toEqual([]);
  });
});

/** Synthesizes environments into a fresh cdktf.out folder. */
function synthesizeFixture(configs: EnvironmentConfig[]): string {
  const outdir = mkdtempSync(join(tmpdir(), 'preview-truth-'));
  const app = new App({ outdir, skipValidation: true });
  for (const config of configs) addEnvironment(app, resolveEnvironment(config));
  app.synth();
  return outdir;
}

const twoEnvironments = synthesizeFixture([dev, staging]);
const devOnly = synthesizeFixture([dev]);
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('removed environments and stale stacks', () => {
  const summary = summarize(loadSynthesized(twoEnvironments), loadSynthesized(devOnly), 'staging removed');

  test('a whole environment removed: one ⚠️ line naming its stacks and what destroying them deletes', () => {
    expect(summary.warnings).toHaveLength(1);
    const [line] = summary.warnings!;
    expect(line).toMatch(/^Environment `staging` is removed: `staging-cluster`, `staging-platform` leave the code, and the pipeline neither applies nor destroys them\./);
    expect(line).toContain('cdktf destroy staging-platform staging-cluster');
    expect(line).toContain('AKS cluster `aks-kubeflow-staging`');
    // No second warning per resource of its stacks.
    expect(summary.stacks.filter((s) => s.stack.startsWith('staging-')).map((s) => [s.stackStatus, s.warnings])).toEqual([['removed', undefined], ['removed', undefined]]);
    expect(renderMarkdown(summary)).toContain('> ⚠️ Environment `staging` is removed');
  });

  test('a stale stacks/ folder left by an earlier synthesis does not hide the removal (the manifest lists the stacks)', () => {
    const stale = mkdtempSync(join(tmpdir(), 'preview-stale-'));
    cpSync(twoEnvironments, stale, { recursive: true });
    cpSync(join(devOnly, 'manifest.json'), join(stale, 'manifest.json'));
    expect(readdirSync(join(stale, 'stacks'))).toContain('staging-cluster');
    expect(Object.keys(loadSynthesized(stale))).toEqual(['dev-cluster', 'dev-platform']);
    expect(summarize(loadSynthesized(twoEnvironments), loadSynthesized(stale), 'x').warnings).toEqual(summary.warnings);
  });

  test('one stack removed while its environment stays: a ⚠️ line for the stack', () => {
    const after = loadSynthesized(twoEnvironments);
    delete after['staging-platform'];
    const platform = summarize(loadSynthesized(twoEnvironments), after, 'x').stacks.find((s) => s.stack === 'staging-platform')!;
    expect(platform.warnings).toEqual([expect.stringMatching(/^Stack `staging-platform` is removed: `staging-platform` leaves the code/)]);
  });

  test('removeStaleStacks deletes the folders of stacks that no longer exist, and only those', () => {
    const out = mkdtempSync(join(tmpdir(), 'preview-clean-'));
    cpSync(twoEnvironments, out, { recursive: true });
    // A folder with a local state is kept: the state would be lost.
    writeFileSync(join(out, 'stacks', 'staging-platform', 'terraform.tfstate'), '{}');
    mkdirSync(join(out, 'stacks', 'not-a-stack'));
    expect(removeStaleStacks(out, ['dev-cluster', 'dev-platform'])).toEqual(['staging-cluster']);
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['dev-cluster', 'dev-platform', 'not-a-stack', 'staging-platform']);
    expect(removeStaleStacks(join(out, 'nothing-here'), [])).toEqual([]);
  });
});

describe('destructive changes in a stack', () => {
  const base = loadSynthesized(devOnly);

  function warningsAfter(stack: string, edit: (json: Record<string, any>) => void): readonly string[] {
    const after = copy(base);
    edit(after[stack] as Record<string, any>);
    return summarize(base, after, 'x').stacks.find((s) => s.stack === stack)!.warnings ?? [];
  }
  const release = (json: Record<string, any>, name: string) => Object.values(json.resource.helm_release as Record<string, Record<string, any>>).find((r) => r.name === name)!;
  const overlayOf = (json: Record<string, any>, releaseName: string) => {
    const id = /data\.kustomization_overlay\.([\w-]+)/.exec(JSON.stringify(release(json, releaseName).values))![1];
    return json.data.kustomization_overlay[id] as Record<string, any>;
  };

  test('a pool rotation without temporary_name_for_rotation: the apply fails, and the preview says so', () => {
    const warnings = warningsAfter('dev-cluster', (json) => {
      const pool = Object.values(json.resource.azurerm_kubernetes_cluster_node_pool as Record<string, Record<string, any>>).find((p) => p.name === 't4spot')!;
      pool.vm_size = 'Standard_NC8as_T4_v3';
      delete pool.temporary_name_for_rotation;
    });
    expect(warnings).toEqual([expect.stringMatching(/^The apply fails: `azurerm_kubernetes_cluster_node_pool\.gpu-pool-t4spot[^`]*` changes vm_size, which rotates the pool, and sets no `temporary_name_for_rotation`\.$/)]);
  });

  test('the system pool rotates with the cluster\'s temporary name: no warning', () => {
    const after = copy(base);
    for (const c of Object.values((after['dev-cluster'] as Record<string, any>).resource.azurerm_kubernetes_cluster) as Record<string, any>[]) c.default_node_pool.vm_size = 'Standard_D4ds_v5';
    const stack = summarize(base, after, 'x').stacks.find((s) => s.stack === 'dev-cluster')!;
    expect(stack.resources).toEqual([expect.objectContaining({ action: 'update', rotatedBecause: ['default_node_pool.vm_size'] })]);
    expect(stack.warnings).toBeUndefined();
  });

  test('renaming the system pool replaces the cluster: ⚠️ naming it', () => {
    const warnings = warningsAfter('dev-cluster', (json) => {
      for (const c of Object.values(json.resource.azurerm_kubernetes_cluster) as Record<string, any>[]) c.default_node_pool.name = 'sys';
    });
    expect(warnings).toEqual([expect.stringMatching(/^Replacing AKS cluster `aks-kubeflow-dev` \(`azurerm_kubernetes_cluster\.[^`]+`\) destroys it first: every workload, volume and custom resource on it is lost\.$/)]);
  });

  test.each([
    ['azurerm_log_analytics_workspace', 'Log Analytics workspace', 'its logs are lost'],
    ['azurerm_monitor_workspace', 'Azure Monitor workspace', 'its Prometheus metrics are lost'],
    ['azurerm_virtual_network', 'virtual network', 'the cluster loses its network'],
    ['azurerm_resource_group', 'resource group', 'every resource in it is deleted'],
  ])('%s deleted: ⚠️ naming the resource', (type, what, loses) => {
    const warnings = warningsAfter('dev-cluster', (json) => delete json.resource[type]);
    expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`^Deleting ${what} \`[^\`]+\` \\(\`${type}\\.[^\`]+\`\\): ${loses}\\.$`)));
  });

  test('key vault, key and disk encryption set (prod\'s customer-managed key)', () => {
    for (const [type, what] of [['azurerm_key_vault', 'key vault'], ['azurerm_key_vault_key', 'key'], ['azurerm_disk_encryption_set', 'disk encryption set']]) {
      expect(destroyWarning(`${type}.x`, 'delete', { name: 'kv-1' })).toMatch(new RegExp(`^Deleting ${what} \`kv-1\` \\(\`${type}\\.x\`\\): .*unreadable\\.$`));
    }
  });

  test('the state moves: ⚠️', () => {
    const warnings = warningsAfter('dev-cluster', (json) => { json.terraform.backend.azurerm.key = 'dev/other.tfstate'; });
    expect(warnings).toEqual([expect.stringContaining('The Terraform state moves')]);
  });

  test('a bundle overlay that stops rendering a path: its CRDs leave the release (kept, orphaned)', () => {
    const warnings = warningsAfter('dev-platform', (json) => {
      const overlay = overlayOf(json, 'notebooks-crds');
      overlay.resources = overlay.resources.map((r: string) => r.replace('notebooks-v1/overlays/istio', 'notebooks-v2/overlays/istio'));
    });
    expect(warnings).toEqual([expect.stringMatching(/^Release `notebooks-crds` no longer renders `community-distribution\/applications\/notebooks-v1\/overlays\/istio`: CRDs from there leave the release and are kept \(helm\.sh\/resource-policy: keep\), orphaned\.$/)]);
  });

  test('a bundle overlay that stops keeping its CRDs: ⚠️ naming the kinds', () => {
    const warnings = warningsAfter('dev-platform', (json) => {
      const overlay = overlayOf(json, 'katib-crds');
      overlay.patches = overlay.patches.filter((p: { patch: string }) => !p.patch.includes('helm.sh/resource-policy'));
    });
    expect(warnings).toEqual(['The CRDs of release `katib-crds` are no longer kept on uninstall: removing the component later deletes every Experiment, Suggestion and Trial object.']);
  });

  test('a bundle CRD release whose overlay did not keep its CRDs: they go, with their objects', () => {
    const before = copy(base);
    const overlay = overlayOf(before['dev-platform'] as Record<string, any>, 'katib-crds');
    overlay.patches = overlay.patches.filter((p: { patch: string }) => !p.patch.includes('helm.sh/resource-policy'));
    const after = copy(before);
    const resources = (after['dev-platform'] as Record<string, any>).resource.helm_release;
    for (const [id, r] of Object.entries(resources) as [string, Record<string, any>][]) if (r.name === 'katib-crds') delete resources[id];
    const warnings = summarize(before, after, 'x').stacks.find((s) => s.stack === 'dev-platform')!.warnings;
    expect(warnings).toEqual(['Deleting release `katib-crds` deletes its CRDs, and with them every Experiment, Suggestion and Trial object in the cluster.']);
  });

  test.each([
    ['cert-manager', { values: ['{"crds":{"enabled":true,"keep":true}}'] }, /keeps its CRDs \(helm\.sh\/resource-policy: keep\): Certificate, .* objects stay/],
    ['cert-manager', { values: ['{"crds":{"enabled":true,"keep":false}}'] }, /deletes its CRDs, and with them every Certificate, .*Order object/],
    ['istio-base', {}, /keeps its CRDs \(helm\.sh\/resource-policy: keep\): AuthorizationPolicy, /],
    ['kubeflow-trainer', {}, /keeps its CRDs \(installed from the chart's crds\/ folder, which Helm never deletes\): TrainJob, TrainingRuntime, ClusterTrainingRuntime and JobSet objects stay/],
    ['gpu-operator', {}, /keeps its CRDs \(installed from the chart's crds\/ folder, which Helm never deletes\): ClusterPolicy, /],
    ['dashboard-crds', { values: ['manifests: [{"metadata":{"annotations":{"helm.sh/resource-policy":"keep"}}}]'] }, /keeps its CRDs .*: Profile and PodDefault objects stay/],
    ['team-crds', {}, /^Replacing release `team-crds` deletes its CRDs, and with them every custom resources of its kinds/],
  ])('replacing release %s', (name, body, expected) => {
    expect(destroyWarning('helm_release.x', 'replace', { name, ...body })).toMatch(expected);
  });

  test('releases without CRDs and resources without data raise nothing', () => {
    expect(destroyWarning('helm_release.x', 'delete', { name: 'katib' })).toBeUndefined();
    expect(destroyWarning('random_password.x', 'replace', { length: 32 })).toBeUndefined();
    expect(destroyWarning('azurerm_role_assignment.x', 'delete', { scope: 's' })).toBeUndefined();
  });

  test('the CRD release list covers every CRD release of the fixtures', () => {
    const names = Object.values(loadSynthesized(synthesizeFixture([staging]))['staging-platform'].resource!.helm_release).map((r) => String(r.name));
    const crdReleases = names.filter((n) => n.endsWith('-crds') || n.endsWith('-crd') || ['cert-manager', 'istio-base', 'kubeflow-trainer', 'gpu-operator'].includes(n));
    expect(crdReleases.filter((n) => !CRD_RELEASES[n])).toEqual([]);
  });
});

describe('prices per region', () => {
  const cluster = loadSynthesized(devOnly)['dev-cluster'] as StackJson & { resource: Record<string, Record<string, Record<string, any>>> };

  test('the table is keyed by region, each with its date and source', () => {
    expect(Object.keys(PRICES.regions)).toContain('westeurope');
    for (const region of Object.values(PRICES.regions)) {
      expect(region.recorded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(region.source).not.toBe('');
    }
  });

  test('a region without prices: unknown and a warning, never a failure', () => {
    const elsewhere = copy(cluster);
    for (const c of Object.values(elsewhere.resource.azurerm_kubernetes_cluster)) c.location = 'eastus2';
    const table: PriceTable = { currency: 'USD', regions: { westeurope: PRICES.regions.westeurope } };
    expect(costEnvelope(elsewhere, table)).toEqual({ envelope: { region: 'eastus2' }, warnings: [expect.stringMatching(/^No prices for region eastus2 in catalog\/price-table\.json: cost shown as unknown/)] });
    const before = loadSynthesized(devOnly);
    const summary = summarize(before, { ...before, 'dev-cluster': elsewhere }, 'moved');
    expect(summary.warnings).toEqual([expect.stringContaining('No prices for region eastus2')]);
    expect(renderText(summary)).toContain('→ unknown idle / unknown full');
    expect(summary.priceNote).toMatch(/^Prices: westeurope recorded/);
  });

  test('a VM size without a price: the figures that need it are unknown, with a warning naming it', () => {
    const { Standard_NC4as_T4_v3: _t4, ...vms } = PRICES.regions.westeurope.vms;
    const table: PriceTable = { currency: 'USD', regions: { westeurope: { ...PRICES.regions.westeurope, vms } } };
    const result = costEnvelope(cluster, table)!;
    // The T4 spot pool idles at zero nodes: the idle cost is still known.
    expect(result.envelope.idleUsdPerHour).toBe(costEnvelope(cluster)!.envelope.idleUsdPerHour);
    expect(result.envelope.fullUsdPerHour).toBeUndefined();
    expect(result.warnings).toEqual(['No price for Standard_NC4as_T4_v3 in westeurope in catalog/price-table.json: cost shown as unknown (add it with npm run prices:update -- westeurope).']);
  });
});

describe('scripts answer --help', () => {
  const run = promisify(execFile);
  const root = join(__dirname, '..');
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  // Every command under scripts/: a file that runs something when executed. Modules (timing.ts,
  // run-command.ts, scripts/preview/) only export.
  const isCommand = (f: string) => f.endsWith('.mjs') || (f.endsWith('.ts') && /^(main|runCommand)\(|require\.main === module/m.test(readFileSync(join(root, 'scripts', f), 'utf8')));
  const scripts = readdirSync(join(root, 'scripts')).filter(isCommand);

  test.each(scripts)('%s', async (script) => {
    const [command, args] = script.endsWith('.mjs') ? ['node', [join('scripts', script)]] : [tsx, [join('scripts', script)]];
    const { stdout } = await run(command, [...args, '--help'], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/usage/i);
  }, 60_000);
});
