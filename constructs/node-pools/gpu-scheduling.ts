/**
 * Scheduling facts derived from a GPU pool definition: the taints and labels
 * the cluster layer puts on the pool's nodes, and the tolerations and node
 * selector a workload needs to land there. The platform layer reads these
 * instead of typing taints a second time.
 */

/** Prefix of the node labels this project sets. */
export const LABEL_PREFIX = 'platform.kubeflow-aks.io';

/** Node selector of the CPU pool that runs the platform services. */
export const PLATFORM_NODE_SELECTOR: Readonly<Record<string, string>> = { [`${LABEL_PREFIX}/workload`]: 'platform' };

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Toleration {
  readonly key: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect: Taint['effect'];
}

/** Every GPU node carries it; the NVIDIA GPU Operator's default toleration matches it. */
export const GPU_TAINT: Taint = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };

/**
 * AKS puts this taint and label on spot nodes; the azurerm provider wants them in
 * the pool definition too, or every plan shows a change.
 * @see https://learn.microsoft.com/azure/aks/spot-node-pool
 */
export const SPOT_TAINT: Taint = { key: 'kubernetes.azure.com/scalesetpriority', value: 'spot', effect: 'NoSchedule' };
export const SPOT_LABEL = { key: 'kubernetes.azure.com/scalesetpriority', value: 'spot' } as const;

/** What a GPU pool is, in the terms scheduling needs. */
export interface GpuPoolIntent {
  readonly name: string;
  readonly vmSize: string;
  readonly gpu: { readonly count: number; readonly model: string; readonly memoryGb?: number };
  readonly spot: boolean;
  readonly migProfile?: string;
  /** Who installs the driver, and so who partitions MIG GPUs. @default 'gpu-operator' */
  readonly driver?: 'aks' | 'gpu-operator';
}

/** Compute slices per MIG profile of the A100/H100/H200 family, and instances of it per GPU. */
const MIG_PROFILES: Readonly<Record<string, { readonly slices: number; readonly perGpu: number; readonly memoryEighths: number }>> = {
  MIG1g: { slices: 1, perGpu: 7, memoryEighths: 1 },
  MIG2g: { slices: 2, perGpu: 3, memoryEighths: 2 },
  MIG3g: { slices: 3, perGpu: 2, memoryEighths: 4 },
  MIG4g: { slices: 4, perGpu: 1, memoryEighths: 4 },
  MIG7g: { slices: 7, perGpu: 1, memoryEighths: 8 },
};

/** MIG devices a GPU of the pool is split into (1 for whole GPUs). */
export function migInstancesPerGpu(pool: GpuPoolIntent): number {
  return pool.migProfile ? MIG_PROFILES[pool.migProfile]?.perGpu ?? 1 : 1;
}

/**
 * NVIDIA's name of the pool's MIG device, e.g. `3g.40gb` for MIG3g on an 80 GB
 * A100 (memory is allotted in eighths, rounded down: 94 GB → `1g.12gb`, `3g.47gb`).
 */
export function migDeviceName(pool: GpuPoolIntent): string | undefined {
  const profile = pool.migProfile ? MIG_PROFILES[pool.migProfile] : undefined;
  if (!profile || !pool.gpu.memoryGb) return undefined;
  return `${profile.slices}g.${Math.floor((pool.gpu.memoryGb * profile.memoryEighths) / 8)}gb`;
}

/** Node label the GPU Operator's MIG manager reads: the MIG layout to apply to every GPU of the node. */
export const MIG_CONFIG_LABEL = 'nvidia.com/mig.config';
/** Node label that keeps the GPU Operator's MIG manager off a node (its partitions belong to AKS). */
export const MIG_MANAGER_DEPLOY_LABEL = 'nvidia.com/gpu.deploy.mig-manager';

/**
 * Who partitions a MIG pool's GPUs: exactly one party. AKS does it (`gpu_instance`)
 * only when it installs the driver; with the GPU Operator's driver, the operator's
 * MIG manager does it, from the pool's `nvidia.com/mig.config` label.
 */
export function migOwner(pool: GpuPoolIntent): 'aks' | 'gpu-operator' | undefined {
  if (!pool.migProfile) return undefined;
  return (pool.driver ?? 'gpu-operator') === 'aks' ? 'aks' : 'gpu-operator';
}

export interface GpuPoolScheduling {
  /** Taints on the pool's nodes, as the pool definition states them. */
  readonly taints: readonly Taint[];
  /** Labels on the pool's nodes. */
  readonly labels: Readonly<Record<string, string>>;
  /** Tolerations a pod needs to run on the pool. */
  readonly tolerations: readonly Toleration[];
  /** Node selector that pins a pod to this pool. */
  readonly nodeSelector: Readonly<Record<string, string>>;
}

export function taintToString(taint: Taint): string {
  return `${taint.key}=${taint.value}:${taint.effect}`;
}

export function tolerationFor(taint: Taint): Toleration {
  return { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect };
}

export function gpuPoolScheduling(pool: GpuPoolIntent): GpuPoolScheduling {
  const taints = pool.spot ? [GPU_TAINT, SPOT_TAINT] : [GPU_TAINT];
  const labels: Record<string, string> = {
    [`${LABEL_PREFIX}/gpu-pool`]: pool.name,
    [`${LABEL_PREFIX}/accelerator`]: `nvidia-${pool.gpu.model}`,
    [`${LABEL_PREFIX}/vm-size`]: pool.vmSize.toLowerCase(),
    [`${LABEL_PREFIX}/gpu-count`]: String(pool.gpu.count),
    [`${LABEL_PREFIX}/capacity`]: pool.spot ? 'spot' : 'regular',
    ...(pool.migProfile ? { [`${LABEL_PREFIX}/mig-profile`]: pool.migProfile.toLowerCase() } : {}),
    ...(migOwner(pool) === 'gpu-operator' ? { [MIG_CONFIG_LABEL]: `all-${migDeviceName(pool) ?? 'disabled'}` } : {}),
    ...(migOwner(pool) === 'aks' ? { [MIG_MANAGER_DEPLOY_LABEL]: 'false' } : {}),
    ...(pool.spot ? { [SPOT_LABEL.key]: SPOT_LABEL.value } : {}),
  };
  return {
    taints,
    labels,
    tolerations: taints.map(tolerationFor),
    nodeSelector: { [`${LABEL_PREFIX}/gpu-pool`]: pool.name },
  };
}
