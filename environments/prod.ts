import type { EnvironmentConfig } from './types';

/**
 * prod: private API server, Standard tier, three zones, customer-managed disk
 * encryption, regular-priority GPU pools that scale to zero when idle.
 */
export const prod: EnvironmentConfig = {
  name: 'prod',
  stage: 'prod',
  location: 'westeurope',
  tags: { owner: 'ml-platform', 'cost-center': 'ml-prod' },
  kubernetesVersion: '1.33',
  skuTier: 'Standard',
  apiAccess: { mode: 'private' },
  adminGroupObjectIds: ['5f1c7a3e-0d2b-4c8e-9a61-3b7e2d9f0a11'],
  network: {
    vnetCidr: '10.30.0.0/16',
    nodeSubnetCidr: '10.30.0.0/21',
  },
  zones: ['1', '2', '3'],
  systemPool: { vmSize: 'Standard_D4ds_v5', minCount: 3, maxCount: 5 },
  cpuPool: { vmSize: 'Standard_D8ds_v5', minCount: 3, maxCount: 10 },
  gpuPools: [
    { name: 'a100', vmSize: 'Standard_NC24ads_A100_v4', minCount: 0, maxCount: 8, zones: ['1', '2', '3'] },
    { name: 'h100', vmSize: 'Standard_NC40ads_H100_v5', minCount: 0, maxCount: 4, zones: ['1', '2', '3'] },
  ],
  remoteState: { resourceGroupName: 'rg-kubeflow-tfstate', storageAccountName: 'stkubeflowtfstateprd' },
  maintenance: { dayOfWeek: 'Saturday', startTimeUtc: '01:00', durationHours: 6 },
  monitoring: { logRetentionDays: 90 },
  security: {
    diskEncryption: 'customer-managed',
    // Replace with the public egress address of the runner that deploys prod.
    keyVaultAllowedIpRanges: ['198.51.100.10'],
  },
  upgrades: { channel: 'stable', nodeOsChannel: 'NodeImage' },
};
