/**
 * Attributes whose change makes Terraform destroy and recreate the resource
 * (`ForceNew` in the providers' schemas), for the resource types this project
 * uses. Paths are attribute names, or `block.attribute` for nested blocks.
 * Sources: the azurerm 4.55, azuread 3.7, helm 3.1, kubernetes 2.38 and random
 * 3.7 provider documentation ("Changing this forces a new resource").
 */
export const FORCES_REPLACEMENT: Readonly<Record<string, readonly string[]>> = {
  azurerm_resource_group: ['name', 'location'],
  azurerm_virtual_network: ['name', 'location', 'resource_group_name'],
  azurerm_subnet: ['name', 'resource_group_name', 'virtual_network_name'],
  azurerm_network_security_group: ['name', 'location', 'resource_group_name'],
  azurerm_log_analytics_workspace: ['name', 'location', 'resource_group_name'],
  azurerm_monitor_workspace: ['name', 'location', 'resource_group_name'],
  azurerm_user_assigned_identity: ['name', 'location', 'resource_group_name'],
  azurerm_key_vault: ['name', 'location', 'resource_group_name', 'sku_name'],
  azurerm_key_vault_key: ['name', 'key_vault_id', 'key_type', 'key_size', 'curve'],
  azurerm_disk_encryption_set: ['name', 'location', 'resource_group_name', 'encryption_type'],
  azurerm_role_assignment: ['scope', 'role_definition_name', 'role_definition_id', 'principal_id', 'principal_type'],
  azurerm_federated_identity_credential: ['name', 'parent_id', 'resource_group_name'],
  azurerm_kubernetes_cluster: [
    'name', 'location', 'resource_group_name', 'dns_prefix', 'node_resource_group', 'disk_encryption_set_id',
    'private_cluster_enabled', 'network_profile.network_plugin', 'network_profile.pod_cidr', 'network_profile.service_cidr',
    'network_profile.dns_service_ip', 'network_profile.outbound_type', 'network_profile.load_balancer_sku',
  ],
  azurerm_kubernetes_cluster_node_pool: [
    'name', 'kubernetes_cluster_id', 'vm_size', 'gpu_driver', 'gpu_instance', 'priority', 'eviction_policy', 'spot_max_price',
    'os_sku', 'os_disk_type', 'os_disk_size_gb', 'max_pods', 'zones', 'vnet_subnet_id', 'host_encryption_enabled',
    'node_public_ip_enabled', 'mode',
  ],
  azuread_application_federated_identity_credential: ['application_id', 'issuer', 'subject'],
  azuread_app_role_assignment: ['app_role_id', 'principal_object_id', 'resource_object_id'],
  azuread_service_principal: ['client_id'],
  helm_release: ['name', 'namespace'],
  kubernetes_namespace_v1: ['metadata.name'],
  // A new random value: every consumer of the secret must be restarted.
  random_password: ['length', 'special', 'upper', 'lower', 'numeric', 'min_upper', 'min_lower', 'min_numeric', 'min_special', 'override_special', 'keepers'],
};

/** Whether changing `path` (dotted, list indexes dropped) of a resource of `type` replaces it. */
export function forcesReplacement(type: string, path: string): boolean {
  const normalized = path.replace(/\[\d+\]/g, '').replace(/\.\d+(?=\.|$)/g, '');
  return (FORCES_REPLACEMENT[type] ?? []).some((p) => normalized === p || normalized.startsWith(`${p}.`));
}
