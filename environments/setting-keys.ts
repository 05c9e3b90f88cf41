import type {
  AccessConfig,
  ArtifactStorageConfig,
  AzureMysqlConfig,
  ClusterBackupConfig,
  DataStoresConfig,
  DeliveryConfig,
  DeployRunnerConfig,
  ApiAccess,
  EntraApplicationConfig,
  TlsConfig,
  CpuPoolConfig,
  EnvironmentConfig,
  GpuPoolConfig,
  MaintenanceConfig,
  MonitoringConfig,
  MonitoringAlertsConfig,
  AlertWebhookConfig,
  NetworkConfig,
  NotebooksConfig,
  PlatformComponentsConfig,
  PlatformConfig,
  ProfileConfig,
  ProfileContributor,
  RemoteStateConfig,
  SecurityConfig,
  SystemPoolConfig,
  UpgradeConfig,
} from './types';

/**
 * The setting names each object of an environment file accepts. The types in
 * `types.ts` are the one source: each list `satisfies` a record over the type's
 * keys, so the compiler refuses a list that misses a setting or names one the
 * type does not have. Validation refuses unknown names with a suggestion.
 */
type Keys<T> = { readonly [K in keyof Required<T>]: true };
const keys = <T>(k: Keys<T>): readonly string[] => Object.keys(k);

type ProfileQuota = NonNullable<ProfileConfig['quota']>;
type DnsZone = Extract<AccessConfig['tls'], { mode: 'acme' }>['dnsZone'];

export const SETTING_KEYS = {
  environment: keys<EnvironmentConfig>({
    name: true, stage: true, location: true, tags: true, tenantId: true, kubernetesVersion: true, skuTier: true, apiAccess: true,
    adminGroupObjectIds: true, network: true, systemPool: true, cpuPool: true, gpuPools: true, zones: true, remoteState: true,
    maintenance: true, monitoring: true, security: true, upgrades: true, dataStores: true, platform: true, access: true, profiles: true, notebooks: true,
    delivery: true,
  }),
  apiAccessPrivate: keys<Extract<ApiAccess, { mode: 'private' }>>({ mode: true }),
  apiAccessPublic: keys<Extract<ApiAccess, { mode: 'public' }>>({ mode: true, authorizedIpRanges: true }),
  network: keys<NetworkConfig>({ vnetCidr: true, nodeSubnetCidr: true, podCidr: true, serviceCidr: true, dnsServiceIp: true }),
  systemPool: keys<SystemPoolConfig>({ name: true, vmSize: true, minCount: true, maxCount: true, maxPods: true, osDiskSizeGb: true }),
  cpuPool: keys<CpuPoolConfig>({ name: true, vmSize: true, minCount: true, maxCount: true, maxPods: true, osDiskSizeGb: true }),
  gpuPool: keys<GpuPoolConfig>({
    name: true, vmSize: true, minCount: true, maxCount: true, spot: true, spotMaxPriceUsd: true, spotEvictionPolicy: true,
    migProfile: true, zones: true, driver: true, maxPods: true, osDiskSizeGb: true,
  }),
  remoteState: keys<RemoteStateConfig>({ resourceGroupName: true, storageAccountName: true, containerName: true }),
  maintenance: keys<MaintenanceConfig>({ dayOfWeek: true, startTimeUtc: true, durationHours: true }),
  monitoring: keys<MonitoringConfig>({ logRetentionDays: true, managedPrometheus: true, alerts: true, grafana: true }),
  monitoringAlerts: keys<MonitoringAlertsConfig>({ enabled: true, emails: true, webhooks: true, idleGpuMinutes: true, poolAtMaxMinutes: true }),
  alertWebhook: keys<AlertWebhookConfig>({ name: true, keyVaultId: true, secretName: true }),
  security: keys<SecurityConfig>({ diskEncryption: true, keyVaultAllowedIpRanges: true, allowSpotInProduction: true }),
  upgrades: keys<UpgradeConfig>({ channel: true, nodeOsChannel: true }),
  platform: keys<PlatformConfig>({ kubeLogin: true, components: true, kserveMode: true, knative: true, publicIngress: true, values: true }),
  components: keys<PlatformComponentsConfig>({ certManager: true, istio: true, gpuOperator: true, trainer: true, katib: true, pipelines: true, kserve: true,
    modelsWebApp: true, modelRegistry: true, sparkOperator: true }),
  access: keys<AccessConfig>({ host: true, application: true, allowedGroupObjectIds: true, tls: true, machineToMachine: true, machineToMachineAudience: true }),
  applicationCreate: keys<Extract<EntraApplicationConfig, { mode: 'create' }>>({ mode: true, displayName: true }),
  applicationExisting: keys<Extract<EntraApplicationConfig, { mode: 'existing' }>>({ mode: true, clientId: true }),
  tlsAcme: keys<Extract<TlsConfig, { mode: 'acme' }>>({ mode: true, email: true, dnsZone: true, server: true }),
  tlsProvided: keys<Extract<TlsConfig, { mode: 'provided' }>>({ mode: true, secretName: true }),
  dnsZone: keys<DnsZone>({ name: true, resourceGroupName: true, subscriptionId: true }),
  profile: keys<ProfileConfig>({ name: true, owner: true, contributors: true, quota: true }),
  contributor: keys<ProfileContributor>({ email: true, role: true }),
  quota: keys<ProfileQuota>({ cpu: true, memory: true, storage: true, gpus: true }),
  quotaGpus: keys<NonNullable<ProfileQuota['gpus']>>({ t4: true, a100: true, h100: true, h200: true }),
  dataStores: keys<DataStoresConfig>({ mysql: true, azureMysql: true, artifacts: true, artifactStorage: true, privateEndpointSubnetCidr: true, clusterBackup: true,
    keepData: true, deleteDataOnRemoval: true }),
  azureMysql: keys<AzureMysqlConfig>({
    subnetCidr: true, skuName: true, version: true, highAvailability: true, zone: true, standbyZone: true, backupRetentionDays: true,
    geoRedundantBackup: true, storageSizeGb: true,
  }),
  artifactStorage: keys<ArtifactStorageConfig>({ replication: true, softDeleteDays: true, volumeSizeGb: true }),
  clusterBackup: keys<ClusterBackupConfig>({ enabled: true, everyHours: true, startTimeUtc: true, retentionDays: true }),
  notebooks: keys<NotebooksConfig>({ enabled: true, idleMinutes: true, culling: true }),
  delivery: keys<DeliveryConfig>({ deployRunner: true }),
  deployRunner: keys<DeployRunnerConfig>({ labels: true, egressIpRanges: true, privateKeyVaultAccess: true }),
} as const;
