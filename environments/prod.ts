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
  // Replace with your Entra tenant id.
  tenantId: '7c1e4a52-3d8f-4b6a-9e21-5f0c8d3a7b64',
  // The supported minor with the longest remaining support (catalog/aks-support.json).
  kubernetesVersion: '1.36',
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
  // GPU alerts (XID errors, memory, idle GPUs, pools at max, culling) mail the platform team.
  monitoring: { logRetentionDays: 90, alerts: { emails: ['ml-platform@example.com'] } },
  security: {
    diskEncryption: 'customer-managed',
    // Replace with the public egress address of the runner that deploys prod.
    keyVaultAllowedIpRanges: ['198.51.100.10'],
  },
  // Patches automatically; a new minor only through a reviewed change of kubernetesVersion, after dev and staging.
  upgrades: { channel: 'patch', nodeOsChannel: 'NodeImage' },
  // Metadata on Azure MySQL (zone-redundant HA, 35 days of point-in-time restore, geo-redundant backups),
  // artifacts mirrored to a zone-redundant Storage Account, and the profile namespaces in Azure Backup
  // for AKS (the default in staging and prod).
  dataStores: {
    mysql: 'azure',
    artifacts: 'azure-blob',
    azureMysql: { subnetCidr: '10.30.255.0/28' },
    privateEndpointSubnetCidr: '10.30.255.16/28',
  },
  access: {
    host: 'kubeflow.example.com',
    application: { mode: 'create' },
    allowedGroupObjectIds: ['2b9d6e41-8c3f-4a57-b1e0-6f4d2c8a9e13'],
    tls: { mode: 'acme', email: 'ml-platform@example.com', dnsZone: { name: 'example.com', resourceGroupName: 'rg-dns', subscriptionId: '0f3c9a1e-6b2d-4e8f-a7c5-1d9e3b6f4a20' } },
  },
  profiles: [
    { name: 'ml-research', owner: 'alice@example.com', contributors: [{ email: 'bob@example.com', role: 'edit' }], quota: { cpu: '64', memory: '256Gi', storage: '2Ti', gpus: { a100: 4, h100: 2 } } },
    { name: 'ml-serving', owner: 'dave@example.com', quota: { cpu: '32', memory: '128Gi', gpus: { a100: 2 } } },
  ],
  notebooks: { idleMinutes: 60 },
};
