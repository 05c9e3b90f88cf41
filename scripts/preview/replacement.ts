/**
 * What a change to an attribute does, for the resource types this project
 * uses: destroy and recreate the resource (`FORCES_REPLACEMENT`), or rebuild a
 * node pool's nodes in place (`ROTATES_POOL`). Paths are attribute names, or
 * `block.attribute` for nested blocks. Any other attribute of a listed type
 * updates in place; a change to a type not listed may replace it (the preview says so).
 *
 * Checked, entry by entry, against the pinned providers' source (each entry
 * has a test citing its line of evidence: test/preview-truth.test.ts):
 * - azurerm v4.55.0: `ForceNew: true`, `commonschema.Location()` /
 *   `ResourceGroupName()` (both ForceNew) and the `ForceNewIf*` of each
 *   resource's `CustomizeDiff`, in internal/services/<service>/<type>_resource.go;
 *   the default node pool's in internal/services/containers/kubernetes_nodepool.go;
 *   the pool rotation in `cycleNodePoolProperties` of
 *   containers/kubernetes_cluster_node_pool_resource.go (resourceKubernetesClusterNodePoolUpdate)
 *   and containers/kubernetes_cluster_resource.go (resourceKubernetesClusterUpdate).
 * - azuread v3.7.0: internal/services/{applications,approleassignments,serviceprincipals}/*_resource.go.
 * - helm v3.1.1: helm/resource_helm_release.go (`stringplanmodifier.RequiresReplace`).
 * - kubernetes v2.38.0: kubernetes/schema_metadata.go (`metadataSchema`, used by
 *   resource_kubernetes_namespace_v1.go).
 * - random v3.7.2: internal/provider/resource_password.go (`RequiresReplace`).
 * - azapi v2.12.0: internal/services/azapi_resource.go (`RequiresReplace` on `name` and
 *   `parent_id`, `ModifyPlan` on a changed `location`; `type` and `body` update in place).
 * - the engine's built-in `terraform_data` (OpenTofu v1.12.6, the pin of .ci/opentofu/go.mod):
 *   internal/builtin/providers/tf/resource_data.go (`RequiresReplace` on `triggers_replace`).
 * Conditional replacements that depend on the values (a smaller MySQL storage,
 * a storage account crossing the LRS/GRS ↔ ZRS/GZRS boundary) are in
 * `REPLACES_WHEN`; others our configurations cannot hit are noted beside their type.
 * Every resource type the stacks synthesize has an entry (an empty list when
 * nothing forces a new resource); a type without one is shown as "may replace".
 */
export const FORCES_REPLACEMENT: Readonly<Record<string, readonly string[]>> = {
  azurerm_resource_group: ['name', 'location'],
  azurerm_virtual_network: ['name', 'location', 'resource_group_name', 'edge_zone'],
  azurerm_subnet: ['name', 'resource_group_name', 'virtual_network_name'],
  azurerm_network_security_group: ['name', 'location', 'resource_group_name'],
  azurerm_subnet_network_security_group_association: ['subnet_id', 'network_security_group_id'],
  // `sku`: CustomizeDiff forces a new workspace unless it moves from LACluster or between CapacityReservation and PerGB2018.
  azurerm_log_analytics_workspace: ['name', 'location', 'resource_group_name', 'sku'],
  azurerm_monitor_workspace: ['name', 'location', 'resource_group_name'],
  // Data collection rule `kind`: replaced when it changes from a set value (CustomizeDiff).
  azurerm_monitor_data_collection_rule: ['name', 'location', 'resource_group_name', 'kind'],
  azurerm_monitor_data_collection_endpoint: ['name', 'location', 'resource_group_name'],
  azurerm_monitor_data_collection_rule_association: ['name', 'target_resource_id'],
  azurerm_user_assigned_identity: ['name', 'location', 'resource_group_name'],
  // `sku_name` and `tenant_id` update in place.
  azurerm_key_vault: ['name', 'location', 'resource_group_name'],
  // `value_wo_version` (a new password, written only) and `content_type` update in place.
  azurerm_key_vault_secret: ['name', 'key_vault_id'],
  // `expiration_date` forces a new key only when removed or moved earlier (CustomizeDiff); we set none.
  azurerm_key_vault_key: ['name', 'key_vault_id', 'key_type', 'key_size', 'curve'],
  // `identity.type` forces a new set only from user-assigned to system-assigned (CustomizeDiff).
  azurerm_disk_encryption_set: ['name', 'location', 'resource_group_name', 'encryption_type'],
  azurerm_role_assignment: ['name', 'scope', 'role_definition_id', 'role_definition_name', 'principal_id', 'principal_type', 'description', 'condition', 'condition_version', 'delegated_managed_identity_resource_id'],
  // `audience`, `issuer` and `subject` update in place.
  azurerm_federated_identity_credential: ['name', 'resource_group_name', 'parent_id'],
  // `network_profile.outbound_type` updates in place. The ForceNew on the `network_profile`,
  // `load_balancer_profile` and `nat_gateway_profile` blocks acts on their element count only.
  azurerm_kubernetes_cluster: [
    'name', 'location', 'resource_group_name', 'dns_prefix', 'dns_prefix_private_cluster', 'edge_zone', 'node_resource_group',
    'disk_encryption_set_id', 'private_cluster_enabled', 'private_dns_zone_id', 'role_based_access_control_enabled',
    'kubelet_identity', 'linux_profile.admin_username', 'linux_profile.ssh_key.key_data',
    'network_profile.network_plugin', 'network_profile.network_mode', 'network_profile.pod_cidr', 'network_profile.pod_cidrs',
    'network_profile.service_cidr', 'network_profile.service_cidrs', 'network_profile.dns_service_ip',
    'network_profile.load_balancer_sku', 'network_profile.ip_versions',
    // ForceNewIfChange: data plane and policy once set (ours are), plugin mode to anything but overlay.
    'network_profile.network_data_plane', 'network_profile.network_policy', 'network_profile.network_plugin_mode',
    // ForceNewIf: renaming the system pool replaces the cluster (unless a failed rotation left the temporary name).
    'default_node_pool.name',
    'default_node_pool.type', 'default_node_pool.gpu_instance', 'default_node_pool.gpu_driver', 'default_node_pool.capacity_reservation_group_id',
    'default_node_pool.host_group_id', 'default_node_pool.node_public_ip_prefix_id', 'default_node_pool.proximity_placement_group_id',
  ],
  // `os_sku` forces a new pool only to or from a SKU other than Ubuntu* / AzureLinux* (CustomizeDiff); between those it updates in place.
  azurerm_kubernetes_cluster_node_pool: [
    'name', 'kubernetes_cluster_id', 'os_type', 'priority', 'eviction_policy', 'spot_max_price', 'gpu_instance', 'gpu_driver',
    'capacity_reservation_group_id', 'host_group_id', 'node_public_ip_prefix_id', 'proximity_placement_group_id', 'windows_profile',
  ],
  // `issuer`, `subject`, `audiences` and `description` update in place.
  azuread_application_federated_identity_credential: ['application_id', 'display_name'],
  azuread_application: ['template_id'],
  azuread_app_role_assignment: ['app_role_id', 'principal_object_id', 'resource_object_id'],
  azuread_service_principal: ['client_id'],
  // `storage.size_gb` smaller: REPLACES_WHEN. `zone` and `high_availability` update in place.
  azurerm_mysql_flexible_server: [
    'name', 'location', 'resource_group_name', 'administrator_login', 'create_mode', 'delegated_subnet_id', 'geo_redundant_backup_enabled',
    'point_in_time_restore_time_in_utc', 'private_dns_zone_id', 'source_server_id',
  ],
  azurerm_mysql_flexible_database: ['name', 'resource_group_name', 'server_name', 'charset', 'collation'],
  azurerm_mysql_flexible_server_configuration: ['name', 'resource_group_name', 'server_name'],
  // `account_replication_type` and `account_kind`: REPLACES_WHEN. `large_file_share_enabled` replaces only when turned off
  // and `immutability_policy.state` only once Locked (CustomizeDiff); we set neither.
  azurerm_storage_account: [
    'name', 'location', 'resource_group_name', 'account_tier', 'provisioned_billing_model_version', 'edge_zone', 'immutability_policy',
    'is_hns_enabled', 'nfsv3_enabled', 'dns_endpoint_type', 'queue_encryption_key_type', 'table_encryption_key_type', 'infrastructure_encryption_enabled',
  ],
  azurerm_storage_container: ['name', 'storage_account_id', 'storage_account_name', 'default_encryption_scope', 'encryption_scope_override_enabled'],
  azurerm_private_endpoint: [
    'name', 'location', 'resource_group_name', 'subnet_id', 'custom_network_interface_name',
    'private_service_connection.name', 'private_service_connection.is_manual_connection', 'private_service_connection.private_connection_resource_id',
    'private_service_connection.private_connection_resource_alias', 'private_service_connection.subresource_names',
    'ip_configuration.name', 'ip_configuration.private_ip_address', 'ip_configuration.subresource_name', 'ip_configuration.member_name',
  ],
  azurerm_private_dns_zone: ['name', 'resource_group_name', 'soa_record'],
  azurerm_private_dns_zone_virtual_network_link: ['name', 'resource_group_name', 'private_dns_zone_name', 'virtual_network_id'],
  azurerm_dns_txt_record: ['name', 'resource_group_name', 'zone_name'],
  // `cross_region_restore_enabled`, `immutability` and `soft_delete`: REPLACES_WHEN (once on, locked or always-on).
  azurerm_data_protection_backup_vault: ['name', 'location', 'resource_group_name', 'datastore_type', 'redundancy'],
  // Every setting of an AKS backup policy forces a new policy.
  azurerm_data_protection_backup_policy_kubernetes_cluster: [
    'name', 'resource_group_name', 'vault_name', 'backup_repeating_time_intervals', 'default_retention_rule', 'retention_rule', 'time_zone',
  ],
  azurerm_data_protection_backup_instance_kubernetes_cluster: [
    'name', 'location', 'vault_id', 'backup_policy_id', 'kubernetes_cluster_id', 'snapshot_resource_group_name', 'backup_datasource_parameters',
  ],
  azurerm_kubernetes_cluster_extension: ['name', 'cluster_id', 'extension_type', 'plan', 'release_train', 'release_namespace', 'target_namespace', 'version'],
  azurerm_kubernetes_cluster_trusted_access_role_binding: ['name', 'kubernetes_cluster_id', 'source_resource_id'],
  azurerm_dashboard_grafana: ['name', 'location', 'resource_group_name', 'identity', 'sku', 'zone_redundancy_enabled'],
  azurerm_monitor_action_group: ['name', 'location', 'resource_group_name'],
  azurerm_monitor_alert_prometheus_rule_group: ['name', 'location', 'resource_group_name'],
  azurerm_monitor_diagnostic_setting: ['name', 'target_resource_id'],
  helm_release: ['name', 'namespace'],
  // `input` updates in place (only `output` follows it).
  terraform_data: ['triggers_replace'],
  // Only the AKS vault-tier backup policy (constructs/backup/offsite-copy.ts), whose name carries its body's inputs.
  azapi_resource: ['name', 'parent_id', 'location'],
  kubernetes_namespace_v1: ['metadata.name', 'metadata.generate_name'],
  // `data`, `binary_data` and `immutable` replace once `immutable` is true: REPLACES_WHEN.
  kubernetes_config_map_v1: ['metadata.name', 'metadata.generate_name', 'metadata.namespace'],
  kubernetes_secret_v1: ['metadata.name', 'metadata.generate_name', 'metadata.namespace', 'type'],
  // A Job's pod template and selector are immutable: the provider runs a new Job.
  kubernetes_job_v1: [
    'metadata.name', 'metadata.generate_name', 'metadata.namespace',
    'spec.backoff_limit_per_index', 'spec.completions', 'spec.completion_mode', 'spec.pod_failure_policy', 'spec.selector', 'spec.template',
  ],
  // A new random value: every consumer of the secret must be restarted. `keepers` replaces unless set to null.
  random_password: ['length', 'special', 'upper', 'lower', 'numeric', 'number', 'min_upper', 'min_lower', 'min_numeric', 'min_special', 'override_special', 'keepers'],
};

/** Values of one attribute before and after, as synthesized JSON or a plan holds them, and the body before. */
export type ReplacesIf = (before: unknown, after: unknown, bodyBefore: Readonly<Record<string, unknown>>) => boolean;

/** Replication classes a storage account moves between in place; crossing from one to the other replaces it. */
const ZONE_REDUNDANT = ['ZRS', 'GZRS', 'RAGZRS'];
const LOCAL_OR_GEO = ['LRS', 'GRS', 'RAGRS'];
const crossesZoneBoundary: ReplacesIf = (a, b) => {
  const [from, to] = [String(a).toUpperCase(), String(b).toUpperCase()];
  return (LOCAL_OR_GEO.includes(from) && ZONE_REDUNDANT.includes(to)) || (ZONE_REDUNDANT.includes(from) && LOCAL_OR_GEO.includes(to));
};
const immutableBefore: ReplacesIf = (_a, _b, body) => body.immutable === true;

/**
 * Replacements that depend on the values (the providers' `ForceNewIfChange`
 * and `CustomizeDiff`), by type and path: the predicate says whether this
 * change replaces the resource. A change the predicate rejects updates in place.
 */
export const REPLACES_WHEN: Readonly<Record<string, Readonly<Record<string, ReplacesIf>>>> = {
  azurerm_mysql_flexible_server: {
    // Azure cannot shrink a server's storage: a smaller size is a new server.
    'storage.size_gb': (a, b) => Number(b) < Number(a),
  },
  azurerm_storage_account: {
    'account_replication_type': crossesZoneBoundary,
    // Only Storage → StorageV2 upgrades in place.
    'account_kind': (a, b) => a !== 'Storage' && b !== 'StorageV2',
  },
  azurerm_data_protection_backup_vault: {
    'cross_region_restore_enabled': (a, b) => a === true && b !== true,
    'immutability': (a, b) => a === 'Locked' && b !== 'Locked',
    'soft_delete': (a, b) => a === 'AlwaysOn' && b !== 'AlwaysOn',
  },
  kubernetes_config_map_v1: { data: immutableBefore, binary_data: immutableBefore, immutable: immutableBefore },
  kubernetes_secret_v1: { data: immutableBefore, binary_data: immutableBefore, immutable: immutableBefore },
};

/**
 * Attributes that AKS cannot change on running nodes: the provider rotates the
 * pool (creates `temporary_name_for_rotation`, moves the workloads there,
 * deletes and recreates the pool, deletes the temporary one). Without
 * `temporary_name_for_rotation` the apply fails.
 */
export const ROTATES_POOL: Readonly<Record<string, readonly string[]>> = {
  azurerm_kubernetes_cluster_node_pool: [
    'fips_enabled', 'host_encryption_enabled', 'kubelet_config', 'kubelet_disk_type', 'linux_os_config', 'max_pods',
    'node_public_ip_enabled', 'os_disk_size_gb', 'os_disk_type', 'pod_subnet_id', 'snapshot_id', 'ultra_ssd_enabled',
    'vm_size', 'vnet_subnet_id', 'zones',
  ],
  azurerm_kubernetes_cluster: [
    'fips_enabled', 'host_encryption_enabled', 'kubelet_config', 'kubelet_disk_type', 'linux_os_config', 'max_pods',
    'node_public_ip_enabled', 'only_critical_addons_enabled', 'os_disk_size_gb', 'os_disk_type', 'pod_subnet_id',
    'snapshot_id', 'ultra_ssd_enabled', 'vm_size', 'vnet_subnet_id', 'zones',
  ].map((a) => `default_node_pool.${a}`),
};

/** Where each rotating type keeps its temporary pool name. */
export const ROTATION_NAME: Readonly<Record<string, string>> = {
  azurerm_kubernetes_cluster_node_pool: 'temporary_name_for_rotation',
  azurerm_kubernetes_cluster: 'default_node_pool.temporary_name_for_rotation',
};

function normalize(path: string): string {
  return path.replace(/\[\d+\]/g, '').replace(/\.\d+(?=\.|$)/g, '');
}

function matches(table: Readonly<Record<string, readonly string[]>>, type: string, path: string): boolean {
  const normalized = normalize(path);
  return (table[type] ?? []).some((p) => normalized === p || normalized.startsWith(`${p}.`));
}

/** Whether the replacement table has an entry for `type`; changes to a type without one may replace it. */
export function knownType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(FORCES_REPLACEMENT, type);
}

/**
 * Whether changing `path` (dotted, list indexes dropped) of a resource of `type`
 * from `before` to `after` replaces it. A value-dependent rule without the
 * values (`change` omitted) counts as a replacement: the preview errs towards ⚠️.
 */
export function forcesReplacement(type: string, path: string, change?: { before: unknown; after: unknown; bodyBefore?: Readonly<Record<string, unknown>> }): boolean {
  if (matches(FORCES_REPLACEMENT, type, path)) return true;
  const normalized = normalize(path);
  const rule = Object.entries(REPLACES_WHEN[type] ?? {}).find(([p]) => normalized === p || normalized.startsWith(`${p}.`))?.[1];
  if (!rule) return false;
  return change === undefined || rule(change.before, change.after, change.bodyBefore ?? {});
}

/** Whether changing `path` of a resource of `type` rotates a node pool (new nodes, same resource). */
export function rotatesPool(type: string, path: string): boolean {
  return matches(ROTATES_POOL, type, path);
}
