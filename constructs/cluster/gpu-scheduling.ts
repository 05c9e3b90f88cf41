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
  readonly gpu: { readonly count: number; readonly model: string };
  readonly spot: boolean;
  readonly migProfile?: string;
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
    ...(pool.spot ? { [SPOT_LABEL.key]: SPOT_LABEL.value } : {}),
  };
  return {
    taints,
    labels,
    tolerations: taints.map(tolerationFor),
    nodeSelector: { [`${LABEL_PREFIX}/gpu-pool`]: pool.name },
  };
}
