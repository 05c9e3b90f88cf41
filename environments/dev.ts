import type { EnvironmentConfig } from './types';

/**
 * dev: cheap and reachable. Free control-plane tier, public API server limited to
 * the team's egress addresses, platform-managed disk keys, one spot T4 pool that
 * scales to zero. Every relaxation against prod is a field below.
 */
export const dev: EnvironmentConfig = {
  name: 'dev',
  stage: 'dev',
  location: 'westeurope',
  tags: { owner: 'ml-platform', 'cost-center': 'ml-dev' },
  // Replace with your Entra tenant id.
  tenantId: '7c1e4a52-3d8f-4b6a-9e21-5f0c8d3a7b64',
  // dev takes the newest minor AKS offers GA first (see catalog/aks-support.json).
  kubernetesVersion: '1.36',
  // Relaxation: no uptime SLA in dev (saves the Standard tier's hourly fee).
  skuTier: 'Free',
  // Relaxation: public endpoint, so GitHub-hosted runners and laptops reach it; replace with your egress ranges.
  apiAccess: { mode: 'public', authorizedIpRanges: ['203.0.113.0/24'] },
  // Replace with the object id of your platform admins group.
  adminGroupObjectIds: ['5f1c7a3e-0d2b-4c8e-9a61-3b7e2d9f0a11'],
  network: {
    vnetCidr: '10.10.0.0/16',
    nodeSubnetCidr: '10.10.0.0/22',
  },
  systemPool: { vmSize: 'Standard_D2ds_v5', minCount: 1, maxCount: 2, osDiskSizeGb: 64 },
  cpuPool: { vmSize: 'Standard_D4ds_v5', minCount: 1, maxCount: 3 },
  gpuPools: [
    { name: 't4spot', vmSize: 'Standard_NC4as_T4_v3', minCount: 0, maxCount: 2, spot: true },
  ],
  remoteState: { resourceGroupName: 'rg-kubeflow-tfstate', storageAccountName: 'stkubeflowtfstatedev' },
  monitoring: { logRetentionDays: 30 },
  // Relaxation: platform-managed disk encryption keys.
  security: { diskEncryption: 'platform' },
  access: {
    host: 'kubeflow.dev.example.com',
    application: { mode: 'create' },
    // Replace with the groups whose members may sign in.
    allowedGroupObjectIds: ['2b9d6e41-8c3f-4a57-b1e0-6f4d2c8a9e13'],
    tls: { mode: 'acme', email: 'ml-platform@example.com', dnsZone: { name: 'example.com', resourceGroupName: 'rg-dns', subscriptionId: '0f3c9a1e-6b2d-4e8f-a7c5-1d9e3b6f4a20' } },
    // CI runs end-to-end checks with service-account tokens in dev.
    machineToMachine: true,
  },
  profiles: [
    { name: 'ml-team', owner: 'alice@example.com', contributors: [{ email: 'bob@example.com', role: 'edit' }], quota: { cpu: '16', memory: '64Gi', gpus: { t4: 2 } } },
  ],
  notebooks: { idleMinutes: 30 },
};
