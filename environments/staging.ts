import type { EnvironmentConfig } from './types';

/**
 * staging: prod's shape at a smaller size. Private API server, Standard tier,
 * zones, regular-priority GPUs; spot is allowed here for the cheaper T4 pool.
 */
export const staging: EnvironmentConfig = {
  name: 'staging',
  stage: 'staging',
  location: 'westeurope',
  tags: { owner: 'ml-platform', 'cost-center': 'ml-staging' },
  kubernetesVersion: '1.33',
  skuTier: 'Standard',
  apiAccess: { mode: 'private' },
  adminGroupObjectIds: ['5f1c7a3e-0d2b-4c8e-9a61-3b7e2d9f0a11'],
  network: {
    vnetCidr: '10.20.0.0/16',
    nodeSubnetCidr: '10.20.0.0/22',
  },
  zones: ['1', '2', '3'],
  systemPool: { vmSize: 'Standard_D4ds_v5', minCount: 2, maxCount: 3 },
  cpuPool: { vmSize: 'Standard_D8ds_v5', minCount: 2, maxCount: 4 },
  gpuPools: [
    { name: 't4spot', vmSize: 'Standard_NC4as_T4_v3', minCount: 0, maxCount: 2, spot: true },
    { name: 'a100mig', vmSize: 'Standard_NC24ads_A100_v4', minCount: 0, maxCount: 1, migProfile: 'MIG3g' },
  ],
  remoteState: { resourceGroupName: 'rg-kubeflow-tfstate', storageAccountName: 'stkubeflowtfstatestg' },
  monitoring: { logRetentionDays: 60 },
  // Relaxation: platform-managed disk encryption keys (prod uses a customer-managed key).
  security: { diskEncryption: 'platform' },
};
