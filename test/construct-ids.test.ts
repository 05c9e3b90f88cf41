import { prod } from './fixtures/environments';
import { synthCluster } from './helpers';

/**
 * Terraform addresses of the stateful resources. Renaming a construct ID changes
 * the address and makes Terraform destroy and recreate the resource (a new
 * cluster, lost disks, a new key). If this test fails, do not update the list:
 * keep the old ID, or add a `moved` block and say so in the change.
 */
const STATEFUL_ADDRESSES = [
  'azurerm_resource_group.resource-group',
  'azurerm_virtual_network.network_vnet_BCBC8A9D',
  'azurerm_subnet.network_nodes_63EB1868',
  'azurerm_log_analytics_workspace.monitoring_log-analytics_4A28E6D4',
  'azurerm_monitor_workspace.monitoring_prometheus_E6B71C96',
  'azurerm_user_assigned_identity.cluster_control-plane-identity_07E55659',
  'azurerm_kubernetes_cluster.cluster_aks_AB606D92',
  'azurerm_kubernetes_cluster_node_pool.cpu-pool_525AFD34',
  'azurerm_kubernetes_cluster_node_pool.gpu-pool-a100_pool_886575A9',
  'azurerm_kubernetes_cluster_node_pool.gpu-pool-h100_pool_8B84B8AA',
  'azurerm_key_vault.disk-encryption_key-vault_9A952A23',
  'azurerm_key_vault_key.disk-encryption_disk-key_CED76613',
  'azurerm_disk_encryption_set.disk-encryption_encryption-set_82068E00',
];

test('the addresses of stateful resources stay as they are', () => {
  const { parsed } = synthCluster(prod);
  const addresses = Object.entries(parsed.resource).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`));
  expect(addresses).toEqual(expect.arrayContaining(STATEFUL_ADDRESSES));
});
