import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { DataResource, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

export interface SystemPoolProps {
  /** Pool name, 1 to 12 lowercase letters and digits. @default 'system' */
  readonly name?: string;
  /** VM size; must hold an ephemeral OS disk of `osDiskSizeGb`. */
  readonly vmSize: string;
  /** Fewest nodes, at least 1. */
  readonly minCount: number;
  /** Most nodes. */
  readonly maxCount: number;
  /** Pods per node, 50 to 250 (checkov CKV_AZURE_168 wants it explicit and ≥ 50). @default 110 */
  readonly maxPods?: number;
  /** Ephemeral OS disk size in GiB. @default 64 */
  readonly osDiskSizeGb?: number;
}

export interface MaintenanceWindowProps {
  readonly dayOfWeek: string;
  /** `HH:MM` in UTC. */
  readonly startTimeUtc: string;
  /** Hours, at least 4. */
  readonly durationHours: number;
}

export interface AksClusterProps {
  /** Environment name, used in resource names. */
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** `1.MINOR` or `1.MINOR.PATCH`. */
  readonly kubernetesVersion: string;
  /** @default 'Standard' */
  readonly skuTier?: 'Free' | 'Standard' | 'Premium';
  /** Private API server, or public restricted to `authorizedIpRanges`. */
  readonly apiAccess: { readonly mode: 'private' } | { readonly mode: 'public'; readonly authorizedIpRanges: readonly string[] };
  /** Entra ID groups that get cluster-admin through Azure RBAC. */
  readonly adminGroupObjectIds: readonly string[];
  /** Entra tenant. @default - the deploying identity's tenant */
  readonly tenantId?: string;
  /** Subnet of the node pools. */
  readonly nodeSubnetId: string;
  /** Overlay pod range. */
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly dnsServiceIp: string;
  readonly systemPool: SystemPoolProps;
  /** Availability zones of the system pool. @default [] */
  readonly zones?: readonly string[];
  /** Log Analytics workspace for Container Insights. */
  readonly logAnalyticsWorkspaceId: string;
  /** Turn on the managed Prometheus metrics add-on. @default true */
  readonly managedPrometheus?: boolean;
  /** Disk encryption set for customer-managed keys. @default - platform-managed keys */
  readonly diskEncryptionSetId?: string;
  /** Resources the cluster must wait for (for example the encryption set's key grant). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** @default { dayOfWeek: 'Sunday', startTimeUtc: '02:00', durationHours: 4 } */
  readonly maintenance?: MaintenanceWindowProps;
  /** @see https://learn.microsoft.com/azure/aks/auto-upgrade-cluster @default 'patch' */
  readonly upgradeChannel?: 'patch' | 'stable' | 'rapid' | 'node-image';
  /** @default 'NodeImage' */
  readonly nodeOsUpgradeChannel?: 'NodeImage' | 'SecurityPatch';
  /** Refuse `terraform destroy` of the cluster. @default false */
  readonly preventDestroy?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * An AKS cluster with the hardened baseline of `docs/components/aks-cluster.md`:
 * Entra ID with Azure RBAC and no local accounts, OIDC issuer and workload
 * identity, Azure CNI overlay with Cilium network policy, Azure Policy, Key Vault
 * secrets provider with rotation, automatic upgrades in a maintenance window,
 * Container Insights and managed Prometheus, host encryption, and a system pool
 * that runs critical add-ons only on ephemeral OS disks.
 *
 * Security settings are literals, never tokens, so policy scanners read them.
 */
export class AksCluster extends Construct {
  public readonly cluster: KubernetesCluster;
  /** Applies a minor change of the environment file when the upgrade channel manages versions. */
  public readonly minorUpgrade?: DataResource;
  /** User-assigned identity of the control plane. */
  public readonly identity: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: AksClusterProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const pool = props.systemPool;
    const poolName = pool.name ?? 'system';
    const maintenance = props.maintenance ?? { dayOfWeek: 'Sunday', startTimeUtc: '02:00', durationHours: 4 };
    const window = {
      frequency: 'Weekly',
      interval: 1,
      dayOfWeek: maintenance.dayOfWeek,
      startTime: maintenance.startTimeUtc,
      duration: maintenance.durationHours,
      utcOffset: '+00:00',
    };

    // A user-assigned identity can be granted rights on the subnet before the
    // cluster exists; AKS needs them to manage load balancers in a BYO network.
    this.identity = new UserAssignedIdentity(this, 'control-plane-identity', {
      name: `id-aks-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags,
    });
    const subnetAccess = new RoleAssignment(this, 'subnet-network-contributor', {
      scope: props.nodeSubnetId,
      roleDefinitionName: 'Network Contributor',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });

    const grants: ITerraformDependable[] = [subnetAccess];
    if (props.diskEncryptionSetId) {
      // The control plane reads the encryption set when it creates node disks, at cluster creation already.
      grants.push(new RoleAssignment(this, 'disk-encryption-set-reader', {
        scope: props.diskEncryptionSetId,
        roleDefinitionName: 'Reader',
        principalId: this.identity.principalId,
        principalType: 'ServicePrincipal',
      }));
    }

    const isPrivate = props.apiAccess.mode === 'private';
    this.cluster = new KubernetesCluster(this, 'aks', {
      name: `aks-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      nodeResourceGroup: `rg-kubeflow-${props.environment}-nodes`,
      dnsPrefix: `aks-kubeflow-${props.environment}`,
      kubernetesVersion: props.kubernetesVersion,
      skuTier: props.skuTier ?? 'Standard',
      automaticUpgradeChannel: props.upgradeChannel ?? 'patch',
      nodeOsUpgradeChannel: props.nodeOsUpgradeChannel ?? 'NodeImage',
      maintenanceWindowAutoUpgrade: window,
      maintenanceWindowNodeOs: window,
      identity: { type: 'UserAssigned', identityIds: [this.identity.id] },

      // Identity and access.
      localAccountDisabled: true,
      roleBasedAccessControlEnabled: true,
      azureActiveDirectoryRoleBasedAccessControl: {
        azureRbacEnabled: true,
        adminGroupObjectIds: [...props.adminGroupObjectIds],
        ...(props.tenantId ? { tenantId: props.tenantId } : {}),
      },
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,

      // API server reachability.
      privateClusterEnabled: isPrivate,
      ...(isPrivate
        ? { privateClusterPublicFqdnEnabled: false }
        : { apiServerAccessProfile: { authorizedIpRanges: [...(props.apiAccess.mode === 'public' ? props.apiAccess.authorizedIpRanges : [])] } }),

      // Add-ons.
      azurePolicyEnabled: true,
      httpApplicationRoutingEnabled: false,
      keyVaultSecretsProvider: { secretRotationEnabled: true, secretRotationInterval: '2m' },
      omsAgent: { logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId, msiAuthForMonitoringEnabled: true },
      ...((props.managedPrometheus ?? true) ? { monitorMetrics: {} } : {}),
      imageCleanerEnabled: true,
      imageCleanerIntervalHours: 48,

      diskEncryptionSetId: props.diskEncryptionSetId,

      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkPolicy: 'cilium',
        networkDataPlane: 'cilium',
        podCidr: props.podCidr,
        serviceCidr: props.serviceCidr,
        dnsServiceIp: props.dnsServiceIp,
        loadBalancerSku: 'standard',
        outboundType: 'loadBalancer',
      },

      autoScalerProfile: {
        balanceSimilarNodeGroups: true,
        expander: 'least-waste',
        scaleDownUnneeded: '10m',
        scaleDownDelayAfterAdd: '10m',
        skipNodesWithLocalStorage: false,
      },

      defaultNodePool: {
        name: poolName,
        vmSize: pool.vmSize,
        // Lets AKS change the VM size by rotating through a temporary pool instead of replacing the cluster.
        temporaryNameForRotation: `${poolName.slice(0, 9)}tmp`,
        type: 'VirtualMachineScaleSets',
        onlyCriticalAddonsEnabled: true,
        autoScalingEnabled: true,
        minCount: pool.minCount,
        maxCount: pool.maxCount,
        maxPods: pool.maxPods ?? 110,
        osDiskType: 'Ephemeral',
        osDiskSizeGb: pool.osDiskSizeGb ?? 64,
        osSku: 'AzureLinux',
        hostEncryptionEnabled: true,
        nodePublicIpEnabled: false,
        vnetSubnetId: props.nodeSubnetId,
        orchestratorVersion: props.kubernetesVersion,
        zones: [...(props.zones ?? [])],
        upgradeSettings: { maxSurge: '33%' },
        tags,
      },

      lifecycle: {
        preventDestroy: props.preventDestroy ?? false,
        // Under a version-changing channel AKS moves the version itself: what the API then
        // reports must not show as drift (or be rolled back). Deliberate minor changes go
        // through `minorUpgrade` below.
        ...(channelChangesVersion(props.upgradeChannel ?? 'patch') ? { ignoreChanges: ['kubernetes_version', 'default_node_pool[0].orchestrator_version'] } : {}),
      },
      dependsOn: [...grants, ...(props.dependsOn ?? [])],
      tags,
    });
    this.minorUpgrade = channelChangesVersion(props.upgradeChannel ?? 'patch')
      ? new DataResource(this, 'minor-upgrade', {
        // A new minor in the environment file: upgrade the control plane and every pool to it
        // (AKS picks its newest patch). Nothing happens when the cluster already runs it.
        triggersReplace: { minor: minorOf(props.kubernetesVersion) },
        provisioners: [{ type: 'local-exec', ...upgradeAction(props.resourceGroupName, this.cluster.name, minorOf(props.kubernetesVersion)) }],
        dependsOn: [this.cluster],
      })
      : undefined;
  }
}

/** Channels under which AKS upgrades the Kubernetes version by itself. */
export function channelChangesVersion(channel: string): boolean {
  return channel === 'patch' || channel === 'stable' || channel === 'rapid';
}

function minorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/**
 * Shell for the deliberate minor upgrade: nothing to do when the cluster already
 * runs the minor, or a newer one an auto-upgrade gave it. The names reach the
 * script as environment variables, quoted where they are used, never as text of
 * the script: the command holds no Terraform interpolation (`$${` is Terraform's
 * escape for a literal `${`, shell parameter expansion).
 */
export function upgradeAction(resourceGroup: string, cluster: string, minor: string): { command: string; environment: Record<string, string> } {
  const command = [
    'set -eu',
    'current=$(az aks show --resource-group "$RESOURCE_GROUP" --name "$CLUSTER" --query currentKubernetesVersion --output tsv)',
    `newest=$(printf '%s\\n%s\\n' "$MINOR" "$$\{current%.*}" | sort -V | tail -n 1)`,
    'if [ "$newest" = "$${current%.*}" ]; then echo "cluster runs $current: nothing to do for $MINOR"; exit 0; fi',
    'az aks upgrade --resource-group "$RESOURCE_GROUP" --name "$CLUSTER" --kubernetes-version "$MINOR" --yes',
  ].join('\n');
  return { command, environment: { RESOURCE_GROUP: resourceGroup, CLUSTER: cluster, MINOR: minor } };
}
