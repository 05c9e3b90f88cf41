/**
 * What a change to an attribute does, for the resource types this project
 * uses: destroy and recreate the resource (`FORCES_REPLACEMENT`), or rebuild a
 * node pool's nodes in place (`ROTATES_POOL`). Paths are attribute names, or
 * `block.attribute` for nested blocks. Anything else is an in-place update.
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
 * Conditional replacements are listed only where our configurations can hit
 * them; the others are noted beside their type.
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
  helm_release: ['name', 'namespace'],
  kubernetes_namespace_v1: ['metadata.name', 'metadata.generate_name'],
  // A new random value: every consumer of the secret must be restarted. `keepers` replaces unless set to null.
  random_password: ['length', 'special', 'upper', 'lower', 'numeric', 'number', 'min_upper', 'min_lower', 'min_numeric', 'min_special', 'override_special', 'keepers'],
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

function matches(table: Readonly<Record<string, readonly string[]>>, type: string, path: string): boolean {
  const normalized = path.replace(/\[\d+\]/g, '').replace(/\.\d+(?=\.|$)/g, '');
  return (table[type] ?? []).some((p) => normalized === p || normalized.startsWith(`${p}.`));
}

/** Whether changing `path` (dotted, list indexes dropped) of a resource of `type` replaces it. */
export function forcesReplacement(type: string, path: string): boolean {
  return matches(FORCES_REPLACEMENT, type, path);
}

/** Whether changing `path` of a resource of `type` rotates a node pool (new nodes, same resource). */
export function rotatesPool(type: string, path: string): boolean {
  return matches(ROTATES_POOL, type, path);
}
