/**
 * The VM sizes the environments may use, with the facts the rules need.
 * Add a size here (with its facts from the Azure size pages) to make it
 * available to every environment.
 *
 * @see https://learn.microsoft.com/azure/virtual-machines/sizes/overview
 */

export interface GpuFacts {
  /** GPUs per VM. */
  readonly count: number;
  /** GPU model, used for the `accelerator` node label. */
  readonly model: 't4' | 'a100' | 'h100' | 'h200';
  /** Whether the GPUs support multi-instance GPU partitions. */
  readonly mig: boolean;
  /** Memory per GPU in GB, as NVIDIA names MIG devices (`3g.40gb` on an 80 GB A100). */
  readonly memoryGb: number;
  /** Azure size family, the key of the region table in `aks-support.json`. */
  readonly family: string;
}

export interface VmSizeFacts {
  readonly vcpus: number;
  readonly memoryGib: number;
  /**
   * Largest ephemeral OS disk in GiB (the local temp disk or cache); 0 when the size has none.
   * @see https://learn.microsoft.com/azure/virtual-machines/ephemeral-os-disks
   */
  readonly ephemeralOsDiskMaxGb: number;
  /** GPU facts; absent for CPU-only sizes. */
  readonly gpu?: GpuFacts;
}

export const VM_SIZES: Readonly<Record<string, VmSizeFacts>> = {
  // General purpose, with a local temp disk (the "d"), so ephemeral OS disks fit.
  Standard_D2ds_v5: { vcpus: 2, memoryGib: 8, ephemeralOsDiskMaxGb: 75 },
  Standard_D4ds_v5: { vcpus: 4, memoryGib: 16, ephemeralOsDiskMaxGb: 150 },
  Standard_D8ds_v5: { vcpus: 8, memoryGib: 32, ephemeralOsDiskMaxGb: 300 },
  Standard_D16ds_v5: { vcpus: 16, memoryGib: 64, ephemeralOsDiskMaxGb: 600 },
  Standard_D4s_v5: { vcpus: 4, memoryGib: 16, ephemeralOsDiskMaxGb: 0 },
  Standard_D8s_v5: { vcpus: 8, memoryGib: 32, ephemeralOsDiskMaxGb: 0 },
  Standard_E8ds_v5: { vcpus: 8, memoryGib: 64, ephemeralOsDiskMaxGb: 300 },
  // NVIDIA T4: the smallest GPU sizes AKS supports.
  Standard_NC4as_T4_v3: { vcpus: 4, memoryGib: 28, ephemeralOsDiskMaxGb: 176, gpu: { count: 1, model: 't4', mig: false, memoryGb: 16, family: 'NCasT4_v3' } },
  Standard_NC8as_T4_v3: { vcpus: 8, memoryGib: 56, ephemeralOsDiskMaxGb: 352, gpu: { count: 1, model: 't4', mig: false, memoryGb: 16, family: 'NCasT4_v3' } },
  Standard_NC16as_T4_v3: { vcpus: 16, memoryGib: 110, ephemeralOsDiskMaxGb: 352, gpu: { count: 1, model: 't4', mig: false, memoryGb: 16, family: 'NCasT4_v3' } },
  Standard_NC64as_T4_v3: { vcpus: 64, memoryGib: 440, ephemeralOsDiskMaxGb: 2816, gpu: { count: 4, model: 't4', mig: false, memoryGb: 16, family: 'NCasT4_v3' } },
  // NVIDIA A100.
  Standard_NC24ads_A100_v4: { vcpus: 24, memoryGib: 220, ephemeralOsDiskMaxGb: 64, gpu: { count: 1, model: 'a100', mig: true, memoryGb: 80, family: 'NCadsA100_v4' } },
  Standard_NC48ads_A100_v4: { vcpus: 48, memoryGib: 440, ephemeralOsDiskMaxGb: 128, gpu: { count: 2, model: 'a100', mig: true, memoryGb: 80, family: 'NCadsA100_v4' } },
  Standard_NC96ads_A100_v4: { vcpus: 96, memoryGib: 880, ephemeralOsDiskMaxGb: 256, gpu: { count: 4, model: 'a100', mig: true, memoryGb: 80, family: 'NCadsA100_v4' } },
  Standard_ND96asr_v4: { vcpus: 96, memoryGib: 900, ephemeralOsDiskMaxGb: 6000, gpu: { count: 8, model: 'a100', mig: true, memoryGb: 40, family: 'NDasrA100_v4' } },
  Standard_ND96amsr_A100_v4: { vcpus: 96, memoryGib: 1900, ephemeralOsDiskMaxGb: 6400, gpu: { count: 8, model: 'a100', mig: true, memoryGb: 80, family: 'NDamsrA100_v4' } },
  // NVIDIA H100 and H200.
  Standard_NC40ads_H100_v5: { vcpus: 40, memoryGib: 320, ephemeralOsDiskMaxGb: 128, gpu: { count: 1, model: 'h100', mig: true, memoryGb: 94, family: 'NCadsH100_v5' } },
  Standard_NC80adis_H100_v5: { vcpus: 80, memoryGib: 640, ephemeralOsDiskMaxGb: 256, gpu: { count: 2, model: 'h100', mig: true, memoryGb: 94, family: 'NCadsH100_v5' } },
  Standard_ND96isr_H100_v5: { vcpus: 96, memoryGib: 1900, ephemeralOsDiskMaxGb: 1000, gpu: { count: 8, model: 'h100', mig: true, memoryGb: 80, family: 'NDisrH100_v5' } },
  Standard_ND96isr_H200_v5: { vcpus: 96, memoryGib: 1850, ephemeralOsDiskMaxGb: 1000, gpu: { count: 8, model: 'h200', mig: true, memoryGb: 141, family: 'NDisrH200_v5' } },
};

export function vmSizeFacts(size: string): VmSizeFacts | undefined {
  return Object.prototype.hasOwnProperty.call(VM_SIZES, size) ? VM_SIZES[size] : undefined;
}

export const GPU_SIZE_NAMES: readonly string[] = Object.keys(VM_SIZES).filter((s) => VM_SIZES[s].gpu !== undefined);
export const CPU_SIZE_NAMES: readonly string[] = Object.keys(VM_SIZES).filter((s) => VM_SIZES[s].gpu === undefined);
