/**
 * The typed shape of an environment file. `environments/<name>.ts` exports one
 * `EnvironmentConfig`; it is the only place a platform team edits to change an
 * environment. Every field is checked by `validateEnvironment` before any
 * stack is built. `docs/environments.md` lists each setting, its default and
 * its rule.
 */

/** How strict the rules are: `prod` forbids spot GPUs and the Free tier unless allowed explicitly. */
export type Stage = 'dev' | 'staging' | 'prod';

/** AKS control-plane pricing tier. @see https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers */
export type SkuTier = 'Free' | 'Standard' | 'Premium';

/** Who installs the NVIDIA driver on a GPU pool's nodes. */
export type GpuDriverMode =
  /** AKS installs the driver (`gpu_driver = "Install"`); the GPU Operator must not. */
  | 'aks'
  /** The NVIDIA GPU Operator installs the driver (`gpu_driver = "None"`). */
  | 'gpu-operator';

/** Multi-instance GPU partition profile (`gpu_instance`). Only on sizes whose GPUs support MIG. */
export type MigProfile = 'MIG1g' | 'MIG2g' | 'MIG3g' | 'MIG4g' | 'MIG7g';

export type AvailabilityZone = '1' | '2' | '3';

export type DayOfWeek = 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday' | 'Sunday';

/** API server reachability. */
export type ApiAccess =
  /** Private cluster: the API server has only a private endpoint in the virtual network. */
  | { readonly mode: 'private' }
  /** Public endpoint restricted to the given IPv4 addresses or CIDR ranges (at least one, never 0.0.0.0/0). */
  | { readonly mode: 'public'; readonly authorizedIpRanges: readonly string[] };

export interface NetworkConfig {
  /** Address space of the virtual network, e.g. `10.20.0.0/16`. */
  readonly vnetCidr: string;
  /** Subnet for every node pool's nodes; inside `vnetCidr`. With Azure CNI overlay pods do not take addresses here. */
  readonly nodeSubnetCidr: string;
  /** Overlay pod address range; must not overlap the virtual network or the service range. @default '192.168.0.0/16' */
  readonly podCidr?: string;
  /** Kubernetes service address range; must not overlap the virtual network or the pod range. @default '172.16.0.0/16' */
  readonly serviceCidr?: string;
  /** Cluster DNS service address: inside `serviceCidr`, not its first address. @default the 10th address of serviceCidr */
  readonly dnsServiceIp?: string;
}

export interface SystemPoolConfig {
  /** Pool name (Linux: lowercase letters and digits, starts with a letter, at most 12). @default 'system' */
  readonly name?: string;
  /** VM size; must support an ephemeral OS disk of `osDiskSizeGb`. @default 'Standard_D4ds_v5' */
  readonly vmSize?: string;
  /** Fewest nodes (at least 1; 2 or more for a zonal production cluster). */
  readonly minCount: number;
  /** Most nodes. */
  readonly maxCount: number;
  /** Pods per node, 50 to 250. @default 110 */
  readonly maxPods?: number;
  /** Ephemeral OS disk size in GiB; must fit the VM size's local disk. @default 64 */
  readonly osDiskSizeGb?: number;
}

export interface CpuPoolConfig {
  /** Pool name (Linux rules as for every pool). @default 'platform' */
  readonly name?: string;
  /** VM size of the CPU pool that runs the platform services. @default 'Standard_D8ds_v5' */
  readonly vmSize?: string;
  /** Fewest nodes. 0 is allowed but leaves platform services unscheduled when idle. */
  readonly minCount: number;
  /** Most nodes. */
  readonly maxCount: number;
  /** Pods per node, 50 to 250. @default 110 */
  readonly maxPods?: number;
  /** Managed OS disk size in GiB. @default 128 */
  readonly osDiskSizeGb?: number;
}

export interface GpuPoolConfig {
  /** Pool name (Linux: lowercase letters and digits, starts with a letter, at most 12). */
  readonly name: string;
  /** An Azure GPU VM size from the catalogue in `catalog/vm-sizes.ts`, e.g. `Standard_NC24ads_A100_v4`. */
  readonly vmSize: string;
  /** Fewest nodes; 0 lets the pool scale to zero when idle. @default 0 */
  readonly minCount?: number;
  /** Most nodes. */
  readonly maxCount: number;
  /** Spot capacity: much cheaper, evictable. Forbidden in `prod` unless `allowSpotInProduction`. @default false */
  readonly spot?: boolean;
  /** Highest hourly price in USD for spot nodes; -1 caps at the on-demand price. @default -1 */
  readonly spotMaxPriceUsd?: number;
  /** What happens to evicted spot nodes. @default 'Delete' */
  readonly spotEvictionPolicy?: 'Delete' | 'Deallocate';
  /** MIG profile; only on sizes whose GPUs support MIG. @default - whole GPUs */
  readonly migProfile?: MigProfile;
  /** Availability zones; empty means regional placement. @default [] */
  readonly zones?: readonly AvailabilityZone[];
  /** Who installs the NVIDIA driver. @default 'gpu-operator' */
  readonly driver?: GpuDriverMode;
  /** Pods per node, 50 to 250. @default 50 */
  readonly maxPods?: number;
  /** Managed OS disk size in GiB (images for ML are large). @default 256 */
  readonly osDiskSizeGb?: number;
}

export interface RemoteStateConfig {
  /** Resource group of the state storage account. */
  readonly resourceGroupName: string;
  /** Storage account name: 3 to 24 lowercase letters and digits, globally unique. */
  readonly storageAccountName: string;
  /** Blob container: 3 to 63 lowercase letters, digits and single hyphens. @default 'tfstate' */
  readonly containerName?: string;
}

export interface MaintenanceConfig {
  /** Day of the weekly window for cluster and node OS upgrades. @default 'Sunday' */
  readonly dayOfWeek?: DayOfWeek;
  /** Start time, `HH:MM` in UTC. @default '02:00' */
  readonly startTimeUtc?: string;
  /** Window length in hours, 4 to 24 (the AKS minimum is 4). @default 4 */
  readonly durationHours?: number;
}

export interface MonitoringConfig {
  /** Log Analytics retention in days, 30 to 730. @default 30 */
  readonly logRetentionDays?: number;
  /**
   * Send cluster metrics to Azure Monitor managed Prometheus. Off means no GPU
   * scrape objects, no Prometheus rule groups and no Grafana.
   * @default true
   */
  readonly managedPrometheus?: boolean;
  /** Prometheus alert rules and who they notify. Needs `managedPrometheus`. @default alerts on, nobody notified */
  readonly alerts?: MonitoringAlertsConfig;
  /**
   * Azure Managed Grafana linked to the monitor workspace, with the GPU dashboard
   * of this repository; the environment's `adminGroupObjectIds` become Grafana Admins.
   * Needs `managedPrometheus`.
   * @default true when managedPrometheus is on
   * @see https://learn.microsoft.com/azure/managed-grafana/overview
   */
  readonly grafana?: boolean;
}

/**
 * A webhook receiver of the action group. The URL usually carries a token, so it
 * never appears in the environment file or the synthesized JSON: the stack reads
 * it at plan time from a Key Vault secret (sensitive in plans; it lives in the state).
 */
export interface AlertWebhookConfig {
  /** Receiver name in the action group: 1 to 32 letters, digits, `-` or `_`. */
  readonly name: string;
  /** Resource id of the Key Vault holding the URL (`/subscriptions/.../providers/Microsoft.KeyVault/vaults/<name>`). */
  readonly keyVaultId: string;
  /** Name of the secret whose value is the webhook URL (`https://...`). */
  readonly secretName: string;
}

export interface MonitoringAlertsConfig {
  /** Create the Prometheus rule groups (recording rules and alerts). @default true */
  readonly enabled?: boolean;
  /** Email receivers of the environment's action group. @default [] */
  readonly emails?: readonly string[];
  /** Webhook receivers of the environment's action group (Teams, Slack, PagerDuty...). @default [] */
  readonly webhooks?: readonly AlertWebhookConfig[];
  /** Minutes a GPU may stay allocated to a pod at 0 % utilisation before the idle alert fires, 10 to 1440. @default 30 */
  readonly idleGpuMinutes?: number;
  /** Minutes a GPU pool may run at its `maxCount` before the "stuck at max" alert fires, 15 to 1440. @default 60 */
  readonly poolAtMaxMinutes?: number;
}

export interface SecurityConfig {
  /**
   * OS and data disk encryption: platform-managed keys, or a customer-managed key in a Key Vault
   * of this stack through a disk encryption set.
   * @default 'customer-managed' in prod, 'platform' elsewhere
   */
  readonly diskEncryption?: 'platform' | 'customer-managed';
  /**
   * Public IPv4 ranges that may reach the disk-encryption Key Vault's data plane: the egress of
   * the runner that deploys the cluster stack (`delivery.deployRunner`). Only used with
   * `customer-managed`; empty only when that runner reaches the vault privately.
   * @default []
   */
  readonly keyVaultAllowedIpRanges?: readonly string[];
  /** Let GPU pools in a `prod` environment use spot capacity. @default false */
  readonly allowSpotInProduction?: boolean;
}

/**
 * The environment's own runners: the GitHub Actions runners that deploy the stacks
 * a standard GitHub-hosted runner cannot (docs/delivery.md, docs/security.md):
 * the platform stack of a private API server, and the cluster stack when its Key
 * Vault is firewalled (`security.diskEncryption: 'customer-managed'`). They run
 * deploy jobs from `main` only, never a pull request's jobs; one job each (ephemeral).
 */
export interface DeployRunnerConfig {
  /**
   * `runs-on` labels of these runners: self-hosted ones (`self-hosted` first), or a
   * GitHub-hosted larger runner with a fixed egress range or Azure private networking
   * (its label alone). Never a standard GitHub-hosted label such as `ubuntu-24.04`:
   * those machines are shared and their addresses change.
   * @default ['self-hosted', 'kubeflow-<name>']
   * @see https://docs.github.com/actions/hosting-your-own-runners
   */
  readonly labels?: readonly string[];
  /**
   * Public IPv4 addresses or CIDR ranges these runners' traffic leaves from (their NAT
   * gateway or firewall, or a larger runner's fixed range). When they deploy a cluster
   * stack with a firewalled Key Vault, each range must lie inside
   * `security.keyVaultAllowedIpRanges`.
   * @default security.keyVaultAllowedIpRanges (that setting names the deploying runner's addresses)
   */
  readonly egressIpRanges?: readonly string[];
  /**
   * The runners reach the disk-encryption Key Vault through a private endpoint (made
   * outside this project, with its `privatelink.vaultcore.azure.net` DNS zone), so the
   * vault's firewall does not apply to them. Only with `diskEncryption: 'customer-managed'`.
   * @default false
   */
  readonly privateKeyVaultAccess?: boolean;
}

/** How the delivery pipeline reaches the environment (`.github/workflows/`, docs/delivery.md). */
export interface DeliveryConfig {
  /** The environment's own runners. @default { labels: ['self-hosted', 'kubeflow-<name>'] } */
  readonly deployRunner?: DeployRunnerConfig;
}

export interface UpgradeConfig {
  /** AKS automatic upgrade channel. @default 'patch' @see https://learn.microsoft.com/azure/aks/auto-upgrade-cluster */
  readonly channel?: 'patch' | 'stable' | 'rapid' | 'node-image';
  /** Node OS image upgrade channel. @default 'NodeImage' */
  readonly nodeOsChannel?: 'NodeImage' | 'SecurityPatch';
}

/** Where Kubeflow keeps its metadata (Pipelines, ML Metadata, cache, Katib). */
export type MysqlMode =
  /** MySQL pods of the distribution, on a cluster disk: cheap, lost with the cluster, no point-in-time restore. */
  | 'in-cluster'
  /** Azure Database for MySQL Flexible Server in a delegated subnet: TLS, backups with point-in-time restore, optional HA. */
  | 'azure';

/** Where Pipelines artifacts live. */
export type ArtifactMode =
  /** SeaweedFS of the distribution on a cluster disk: cheap, lost with the cluster. */
  | 'in-cluster'
  /** SeaweedFS keeps serving the S3 API from its cluster disk and mirrors every object to an Azure Storage container that outlives the cluster (workload identity, no account key). */
  | 'azure-blob';

export interface AzureMysqlConfig {
  /**
   * Subnet delegated to the server (`Microsoft.DBforMySQL/flexibleServers`): inside
   * `network.vnetCidr`, disjoint from the other subnets, a /28 or larger.
   * @default the highest free /28 of the virtual network
   */
  readonly subnetCidr?: string;
  /** Compute size, e.g. `GP_Standard_D2ds_v4` (General Purpose), `MO_Standard_E2ds_v4` (Business Critical), `B_Standard_B1ms` (Burstable). @default 'GP_Standard_D2ds_v4' */
  readonly skuName?: string;
  /**
   * MySQL server version. `8.0.21` (Azure's name for 8.0, patched to its newest minor) is the
   * one ML Metadata 1.14 is known to work with: its client speaks only `mysql_native_password`
   * (google/ml-metadata#128), which MySQL 8.4 turns off by default. Azure moved 8.0 to paid
   * extended support on 2026-06-01 (to 2029-03-31). `8.4` sets `mysql_native_password=ON`;
   * docs/components/data-stores.md says how to verify it before moving prod.
   * @default '8.0.21'
   */
  readonly version?: '8.0.21' | '8.4';
  /**
   * High availability: a standby in another zone, in the same zone, or none.
   * Needs a General Purpose or Business Critical size; zone-redundant needs a region with zones.
   * @default 'zone-redundant' in prod, 'none' elsewhere
   */
  readonly highAvailability?: 'none' | 'same-zone' | 'zone-redundant';
  /** Zone of the primary server. @default '1' when the region has zones */
  readonly zone?: AvailabilityZone;
  /** Zone of the zone-redundant standby; differs from `zone`. @default the next zone after `zone` */
  readonly standbyZone?: AvailabilityZone;
  /** Days of automatic backups (point-in-time restore window), 1 to 35. @default 35 in prod, 7 elsewhere */
  readonly backupRetentionDays?: number;
  /** Copy backups to the paired region (cannot be changed after creation). @default true in prod, false elsewhere */
  readonly geoRedundantBackup?: boolean;
  /** Storage in GiB, 20 to 16384; grows automatically. @default 32 */
  readonly storageSizeGb?: number;
}

export interface ArtifactStorageConfig {
  /** Replication of the Storage Account. @default 'GZRS' in prod ('GRS' in a region without zones), 'LRS' elsewhere */
  readonly replication?: 'LRS' | 'ZRS' | 'GRS' | 'GZRS';
  /** Days deleted blobs and containers stay recoverable, 1 to 365. @default 30 */
  readonly softDeleteDays?: number;
  /** Size of SeaweedFS's cluster disk (its local copy of the artifacts), GiB, 10 to 32767. @default 100 */
  readonly volumeSizeGb?: number;
}

export interface ClusterBackupConfig {
  /** Azure Backup for AKS of the profile namespaces and their volumes. @default true in staging and prod, false in dev */
  readonly enabled?: boolean;
  /** Hours between backups: 4, 6, 8, 12 or 24. @default 24 */
  readonly everyHours?: 4 | 6 | 8 | 12 | 24;
  /** Start of the first backup of a day, `HH:MM` UTC. @default '01:00' */
  readonly startTimeUtc?: string;
  /** Days each backup is kept in the operational tier (snapshots), 1 to 360. @default 14 in prod, 7 elsewhere */
  readonly retentionDays?: number;
}

export interface DataStoresConfig {
  /** Metadata of Pipelines and Katib. @default 'in-cluster' */
  readonly mysql?: MysqlMode;
  /** Settings of the Azure MySQL server (with `mysql: 'azure'`). @default {} */
  readonly azureMysql?: AzureMysqlConfig;
  /** Pipelines artifacts. @default 'in-cluster' */
  readonly artifacts?: ArtifactMode;
  /** Settings of the artifact Storage Account (with `artifacts: 'azure-blob'`). @default {} */
  readonly artifactStorage?: ArtifactStorageConfig;
  /**
   * Subnet for private endpoints of the data stores (artifact and backup Storage Accounts):
   * inside `network.vnetCidr`, disjoint from the other subnets, a /28 or larger.
   * @default the highest free /28 of the virtual network after the MySQL subnet
   */
  readonly privateEndpointSubnetCidr?: string;
  /** Azure Backup for AKS. */
  readonly clusterBackup?: ClusterBackupConfig;
  /**
   * The environment's data is worth keeping: every Azure data store and its backups (MySQL
   * server and databases, the artifact Storage Account and its `mlpipeline` container, the
   * backup vault, instance, Storage Account and snapshot resource group, the Log Analytics
   * workspace) carries Terraform's `prevent_destroy`, so a plan that would delete or replace
   * one fails instead. Turn off to tear the environment down with its data.
   * @default true in staging and prod, false in dev
   * @see https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#prevent_destroy
   */
  readonly keepData?: boolean;
  /**
   * Delete the volumes of in-cluster stores (Pipelines' MySQL and SeaweedFS, Katib's MySQL,
   * Model Registry's database) when their component is turned off or uninstalled. By default
   * each store's PersistentVolumeClaim is kept (`helm.sh/resource-policy: keep`) and its disk
   * outlives the claim (StorageClass `reclaimPolicy: Retain`). Refused while `keepData` is true.
   * @default false
   */
  readonly deleteDataOnRemoval?: boolean;
}

/** A prerequisite installed by this project, by someone else (`external`), or not at all. */
export type PrerequisiteSource = 'install' | 'external' | 'none';

/** Components of the platform layer that have values escape hatches. */
export type ComponentName = 'certManager' | 'istiod' | 'istioGateway' | 'gpuOperator' | 'trainer' | 'kserve' | 'sparkOperator';

export interface PlatformComponentsConfig {
  /** cert-manager: installed here, provided outside, or absent. @default 'install' */
  readonly certManager?: PrerequisiteSource;
  /** Istio: installed here, provided outside, or absent. @default 'install' */
  readonly istio?: PrerequisiteSource;
  /** NVIDIA GPU Operator. @default true when the environment has GPU pools */
  readonly gpuOperator?: boolean;
  /** Kubeflow Trainer v2 (with JobSet and GPU runtimes). @default true */
  readonly trainer?: boolean;
  /** Katib. Needs cert-manager and Istio. @default true */
  readonly katib?: boolean;
  /** Kubeflow Pipelines (multi-user). Needs cert-manager and Istio. @default true */
  readonly pipelines?: boolean;
  /** KServe. Needs cert-manager. @default true */
  readonly kserve?: boolean;
  /**
   * KServe's models web app ("KServe Endpoints" in the dashboard menu). Needs KServe,
   * the access layer, cert-manager and Istio.
   * @default true when `access` is set and KServe is enabled
   */
  readonly modelsWebApp?: boolean;
  /**
   * Kubeflow Model Registry (server, its in-cluster PostgreSQL, UI), one registry for
   * every profile. Needs the access layer, cert-manager and Istio.
   * @default true when `access` is set
   */
  readonly modelRegistry?: boolean;
  /**
   * Kubeflow Spark Operator, watching the profile namespaces (every namespace when
   * there are no profiles). GPU pools are reached with `sparkGpuPlacement`.
   * @default true
   */
  readonly sparkOperator?: boolean;
}

export interface PlatformConfig {
  /**
   * How Terraform's Kubernetes providers get a token (kubelogin login mode):
   * `azurecli` for people and CI after `azure/login`, `workloadidentity` for
   * federated CI identities, `msi` for self-hosted runners with a managed identity.
   * @default 'azurecli'
   */
  readonly kubeLogin?: 'azurecli' | 'workloadidentity' | 'msi';
  /** Which components the `<env>-platform` stack installs. */
  readonly components?: PlatformComponentsConfig;
  /** KServe deployment mode. `knative` needs `knative: 'external'` and Istio. @default 'standard' */
  readonly kserveMode?: 'standard' | 'knative';
  /** Knative Serving: this project does not install it. @default 'none' */
  readonly knative?: 'external' | 'none';
  /** Expose the Istio ingress gateway on a public IP instead of an internal load balancer. @default false */
  readonly publicIngress?: boolean;
  /** Helm values merged last into a component's chart, per component. @default {} */
  readonly values?: Readonly<Partial<Record<ComponentName, Readonly<Record<string, unknown>>>>>;
}

/** The Entra ID application users sign in with. */
export type EntraApplicationConfig =
  /** Created and managed by the cluster stack (needs Application Administrator or `Application.ReadWrite.OwnedBy`). */
  | { readonly mode: 'create'; /** @default 'Kubeflow <env>' */ readonly displayName?: string }
  /** Registered by someone else; the cluster stack adds only the federated credential of oauth2-proxy. */
  | { readonly mode: 'existing'; readonly clientId: string };

/** Where the gateway's TLS certificate comes from. */
export type TlsConfig =
  /**
   * cert-manager requests it from Let's Encrypt with a DNS-01 challenge in an
   * Azure DNS zone (works for internal gateways), authenticating with workload identity.
   */
  | {
    readonly mode: 'acme';
    /** Contact address for the ACME account. */
    readonly email: string;
    /** The Azure DNS zone that holds `host`. */
    readonly dnsZone: { readonly name: string; readonly resourceGroupName: string; readonly subscriptionId: string };
    /** @default 'production' */
    readonly server?: 'production' | 'staging';
  }
  /** A certificate you manage: a `kubernetes.io/tls` Secret of that name in `istio-system`. */
  | { readonly mode: 'provided'; readonly secretName: string };

export interface AccessConfig {
  /** Hostname of the platform, e.g. `kubeflow.dev.example.com`. Users sign in at `https://<host>/`. */
  readonly host: string;
  readonly application: EntraApplicationConfig;
  /** Entra ID groups whose members may sign in (assigned to the application). At least one. */
  readonly allowedGroupObjectIds: readonly string[];
  readonly tls: TlsConfig;
  /**
   * Let CI call the platform with Kubernetes service-account tokens issued by the
   * cluster's OIDC issuer. @default false
   */
  readonly machineToMachine?: boolean;
  /** Audience such tokens must carry. @default 'kubeflow' */
  readonly machineToMachineAudience?: string;
}

export interface ProfileContributor {
  /** The contributor's email claim, exactly as Entra ID issues it. */
  readonly email: string;
  readonly role: 'edit' | 'view';
}

export interface ProfileConfig {
  /** Profile and namespace name: a DNS label (lowercase letters, digits, hyphens; at most 63). */
  readonly name: string;
  /** The owner's email claim, exactly as Entra ID issues it (it becomes `kubeflow-userid`). */
  readonly owner: string;
  /** @default [] */
  readonly contributors?: readonly ProfileContributor[];
  /** Resource quota of the namespace. @default no quota */
  readonly quota?: {
    /** CPU requests, e.g. `'16'`. */
    readonly cpu?: string;
    /** Memory requests, e.g. `'64Gi'`. */
    readonly memory?: string;
    /** Storage requests, e.g. `'500Gi'`. */
    readonly storage?: string;
    /**
     * GPUs by model (`t4`, `a100`, `h100`, `h200`); each model must exist in a GPU pool.
     * Kubernetes counts `requests.nvidia.com/gpu` of all models together: the quota is their sum.
     */
    readonly gpus?: Readonly<Partial<Record<'t4' | 'a100' | 'h100' | 'h200', number>>>;
  };
}

export interface NotebooksConfig {
  /** Install Kubeflow Notebooks (needs `access` and Istio). @default true when `access` is set */
  readonly enabled?: boolean;
  /** Stop notebooks idle this long, in minutes (10 to 10080). @default 60 */
  readonly idleMinutes?: number;
  /** Idle culling. Turning it off keeps idle GPU notebooks, and their nodes, running. @default true */
  readonly culling?: boolean;
}

export interface EnvironmentConfig {
  /** Environment name: 2 to 10 lowercase letters and digits, starting with a letter. Prefixes stacks and resources. */
  readonly name: string;
  /** Rule set the environment follows. */
  readonly stage: Stage;
  /** Azure region, lowercase without spaces, e.g. `westeurope`. */
  readonly location: string;
  /** Tags on every Azure resource; `environment` and `managed-by` are added. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** Microsoft Entra tenant of the cluster's Entra ID integration. @default - the tenant of the deploying identity */
  readonly tenantId?: string;
  /** Kubernetes version `MAJOR.MINOR` (patches follow the upgrade channel) or `MAJOR.MINOR.PATCH`. */
  readonly kubernetesVersion: string;
  /** Control-plane tier. `Free` is refused in `prod`. */
  readonly skuTier: SkuTier;
  /** How the API server is reached. */
  readonly apiAccess: ApiAccess;
  /** Object ids of Entra ID groups that get cluster-admin through Azure RBAC. At least one. */
  readonly adminGroupObjectIds: readonly string[];
  readonly network: NetworkConfig;
  readonly systemPool: SystemPoolConfig;
  /** CPU user pool for the platform services (Kubeflow, Istio, cert-manager). */
  readonly cpuPool: CpuPoolConfig;
  /** GPU user pools, each tainted `nvidia.com/gpu=present:NoSchedule`. @default [] */
  readonly gpuPools?: readonly GpuPoolConfig[];
  /** Zones of the system and CPU pools. @default [] (regional) */
  readonly zones?: readonly AvailabilityZone[];
  readonly remoteState: RemoteStateConfig;
  readonly maintenance?: MaintenanceConfig;
  readonly monitoring?: MonitoringConfig;
  readonly security?: SecurityConfig;
  readonly upgrades?: UpgradeConfig;
  /** Where metadata and artifacts live and how the cluster's state is backed up. @default in-cluster stores, backup in staging and prod */
  readonly dataStores?: DataStoresConfig;
  /** The platform layer (`<env>-platform`). @default every component, installed */
  readonly platform?: PlatformConfig;
  /** Sign-in with Entra ID, TLS, the dashboard. @default none: no user-facing access layer */
  readonly access?: AccessConfig;
  /** Kubeflow profiles (one namespace each), as code. @default [] */
  readonly profiles?: readonly ProfileConfig[];
  readonly notebooks?: NotebooksConfig;
  /** Where the deploy pipeline runs for this environment. @default its own runners only where a GitHub-hosted one cannot reach */
  readonly delivery?: DeliveryConfig;
}
