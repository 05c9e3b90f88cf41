import { createHash } from 'crypto';
import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { Construct } from 'constructs';
import { GpuPoolIntent, GpuPoolScheduling, LABEL_PREFIX, PLATFORM_NODE_SELECTOR, gpuPoolScheduling, migOwner, taintToString } from './gpu-scheduling';

/** What every user pool shares. */
interface UserPoolBaseProps {
  /** ID of the AKS cluster. */
  readonly kubernetesClusterId: string;
  /** Subnet of the nodes. */
  readonly nodeSubnetId: string;
  /** Kubernetes version of the nodes; follows the control plane. */
  readonly kubernetesVersion: string;
  /** Pool name, 1 to 12 lowercase letters and digits. */
  readonly name: string;
  readonly vmSize: string;
  /** Fewest nodes; 0 lets the pool scale to zero. */
  readonly minCount: number;
  /** Most nodes. */
  readonly maxCount: number;
  /** Pods per node, 50 to 250. */
  readonly maxPods: number;
  /** OS disk size in GiB. */
  readonly osDiskSizeGb: number;
  /** Availability zones. @default [] */
  readonly zones?: readonly string[];
  /** @default {} */
  readonly tags?: Record<string, string>;
  /**
   * The cluster's upgrade channel changes versions itself: `orchestrator_version`
   * is then ignored after creation (the cluster's minor upgrade moves the pools).
   * @default false
   */
  readonly versionFollowsChannel?: boolean;
}

export interface CpuNodePoolProps extends UserPoolBaseProps {
  /** Put the OS disk on the VM's local disk (faster, free); the size must fit. @default false */
  readonly ephemeralOsDisk?: boolean;
}

/**
 * The CPU user pool for platform services (Kubeflow, Istio, cert-manager),
 * autoscaling, with host encryption and no public node addresses.
 */
export class CpuNodePool extends Construct {
  public readonly pool: KubernetesClusterNodePool;
  public readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: CpuNodePoolProps) {
    super(scope, id);
    this.labels = { [`${LABEL_PREFIX}/pool`]: props.name, ...PLATFORM_NODE_SELECTOR };
    this.pool = new KubernetesClusterNodePool(this, 'pool', {
      ...userPoolBase(props),
      osDiskType: props.ephemeralOsDisk ? 'Ephemeral' : 'Managed',
      osSku: 'AzureLinux',
      nodeLabels: { ...this.labels },
      upgradeSettings: { maxSurge: '33%' },
    });
  }
}

export interface GpuNodePoolProps extends UserPoolBaseProps {
  /** GPUs of the size: count and model (from `catalog/vm-sizes.ts`). */
  readonly gpu: { readonly count: number; readonly model: string };
  /** Spot capacity. @default false */
  readonly spot?: boolean;
  /** Hourly USD cap for spot nodes; -1 caps at the on-demand price. @default -1 */
  readonly spotMaxPriceUsd?: number;
  /** @default 'Delete' */
  readonly spotEvictionPolicy?: 'Delete' | 'Deallocate';
  /** MIG profile (`gpu_instance`). @default - whole GPUs */
  readonly migProfile?: string;
  /** Who installs the NVIDIA driver: AKS (`gpu_driver = "Install"`) or the GPU Operator (`"None"`). @default 'gpu-operator' */
  readonly driver?: 'aks' | 'gpu-operator';
}

/**
 * A GPU user pool: tainted `nvidia.com/gpu=present:NoSchedule` so only GPU
 * workloads land there, labelled from its definition, autoscaling (to zero when
 * `minCount` is 0), optionally spot and MIG-partitioned. `scheduling` holds the
 * derived taints, labels, tolerations and node selector for the platform layer.
 * @see https://learn.microsoft.com/azure/aks/gpu-cluster
 */
export class GpuNodePool extends Construct {
  public readonly pool: KubernetesClusterNodePool;
  public readonly scheduling: GpuPoolScheduling;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    const spot = props.spot ?? false;
    const intent: GpuPoolIntent = { name: props.name, vmSize: props.vmSize, gpu: props.gpu, spot, migProfile: props.migProfile, driver: props.driver };
    this.scheduling = gpuPoolScheduling(intent);
    this.pool = new KubernetesClusterNodePool(this, 'pool', {
      ...userPoolBase(props),
      // GPU images and driver containers are large: a managed disk of the chosen size.
      osDiskType: 'Managed',
      // Ubuntu: the node image the NVIDIA GPU Operator supports on AKS.
      osSku: 'Ubuntu',
      gpuDriver: (props.driver ?? 'gpu-operator') === 'aks' ? 'Install' : 'None',
      // AKS partitions only when it installs the driver; otherwise the GPU Operator's MIG manager does (node label).
      ...(migOwner(intent) === 'aks' ? { gpuInstance: props.migProfile } : {}),
      nodeTaints: this.scheduling.taints.map(taintToString),
      nodeLabels: { ...this.scheduling.labels },
      ...(spot
        ? { priority: 'Spot', evictionPolicy: props.spotEvictionPolicy ?? 'Delete', spotMaxPrice: props.spotMaxPriceUsd ?? -1 }
        // Spot pools take no surge settings; regular pools surge one node to keep GPU spend down.
        : { priority: 'Regular', upgradeSettings: { maxSurge: '1' } }),
    });
  }
}

/**
 * The name of the temporary pool AKS rotates a pool through when a change
 * needs new nodes (VM size, zones, max pods, OS disk, host encryption: azurerm
 * 4.x updates these in place only with `temporary_name_for_rotation` set).
 * At most 12 characters: the first 7 of the pool name and 5 hex digits of its
 * hash, so pools that share a prefix still differ, and the name cannot be the
 * system pool's `<name>tmp` (hex digits never end in "tmp").
 * @see https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/kubernetes_cluster_node_pool#temporary_name_for_rotation
 */
export function rotationPoolName(poolName: string): string {
  return `${poolName.slice(0, 7)}${createHash('sha256').update(poolName).digest('hex').slice(0, 5)}`;
}

function userPoolBase(props: UserPoolBaseProps) {
  return {
    name: props.name,
    temporaryNameForRotation: rotationPoolName(props.name),
    kubernetesClusterId: props.kubernetesClusterId,
    vmSize: props.vmSize,
    mode: 'User',
    orchestratorVersion: props.kubernetesVersion,
    autoScalingEnabled: true,
    minCount: props.minCount,
    maxCount: props.maxCount,
    maxPods: props.maxPods,
    osDiskSizeGb: props.osDiskSizeGb,
    hostEncryptionEnabled: true,
    nodePublicIpEnabled: false,
    vnetSubnetId: props.nodeSubnetId,
    scaleDownMode: 'Delete',
    zones: [...(props.zones ?? [])],
    tags: props.tags ?? {},
    ...(props.versionFollowsChannel ? { lifecycle: { ignoreChanges: ['orchestrator_version'] } } : {}),
  };
}
