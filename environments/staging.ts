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
  // Replace with your Entra tenant id.
  tenantId: '7c1e4a52-3d8f-4b6a-9e21-5f0c8d3a7b64',
  // The supported minor with the longest remaining support (catalog/aks-support.json).
  kubernetesVersion: '1.36',
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
  access: {
    host: 'kubeflow.staging.example.com',
    application: { mode: 'create' },
    allowedGroupObjectIds: ['2b9d6e41-8c3f-4a57-b1e0-6f4d2c8a9e13'],
    tls: { mode: 'acme', email: 'ml-platform@example.com', dnsZone: { name: 'example.com', resourceGroupName: 'rg-dns', subscriptionId: '0f3c9a1e-6b2d-4e8f-a7c5-1d9e3b6f4a20' } },
  },
  profiles: [
    { name: 'ml-team', owner: 'alice@example.com', contributors: [{ email: 'bob@example.com', role: 'edit' }, { email: 'carol@example.com', role: 'view' }], quota: { cpu: '32', memory: '128Gi', gpus: { t4: 2, a100: 1 } } },
  ],
  notebooks: { idleMinutes: 60 },
};
