import { z } from 'zod';
import { CPU_SIZE_NAMES, GPU_SIZE_NAMES, vmSizeFacts } from '../../catalog/vm-sizes';
import { bool, integer, list, object, oneOf, text, zoneList } from '../../environments/schema/kit';

/** The node pools' settings: `systemPool`, `cpuPool`, `gpuPools`. */

/** Most nodes of one pool (AKS limit per pool). */
export const MAX_NODES_PER_POOL = 1000;

const poolName = () => text(/^[a-z][a-z0-9]{0,11}$/, 'accepted: a Linux node pool name of 1 to 12 lowercase letters and digits, starting with a letter');

const CPU_SIZES = `accepted: a CPU size from catalog/vm-sizes.ts: ${CPU_SIZE_NAMES.join(', ')}`;
const cpuSize = () => z.string({ error: CPU_SIZES }).refine((v) => vmSizeFacts(v) !== undefined && !vmSizeFacts(v)!.gpu, { error: CPU_SIZES }).meta({ accepts: 'a CPU size of catalog/vm-sizes.ts' });

const gpuSize = () => z.string({ error: `accepted: a GPU size from catalog/vm-sizes.ts: ${GPU_SIZE_NAMES.join(', ')}` }).refine((v) => vmSizeFacts(v)?.gpu !== undefined, {
  error: (iss) => `${typeof iss.input === 'string' && vmSizeFacts(iss.input) ? 'is a CPU size; ' : ''}accepted: a GPU size from catalog/vm-sizes.ts: ${GPU_SIZE_NAMES.join(', ')}`,
}).meta({ accepts: 'a GPU size of catalog/vm-sizes.ts' });

const maxPods = (fallback: number) => integer(50, 250).default(fallback).meta({ description: 'Pods per node (checkov CKV_AZURE_168 wants 50 or more).' });

export const systemPoolSettings = object({
  name: poolName().default('system').meta({ description: 'Pool name.' }),
  vmSize: cpuSize().default('Standard_D4ds_v5').meta({ description: 'VM size; must support an ephemeral OS disk of `osDiskSizeGb`.' }),
  minCount: integer(1, MAX_NODES_PER_POOL).meta({ description: 'Fewest nodes (2 or more in prod).' }),
  maxCount: integer(1, MAX_NODES_PER_POOL).meta({ description: 'Most nodes; at least `minCount`.' }),
  maxPods: maxPods(110),
  osDiskSizeGb: integer(30, 2048).default(64).meta({ description: 'Ephemeral OS disk size in GiB; must fit the VM size\'s local disk.' }),
}).meta({ description: 'The system pool (critical add-ons only).' });

export const cpuPoolSettings = object({
  name: poolName().default('platform').meta({ description: 'Pool name.' }),
  vmSize: cpuSize().default('Standard_D8ds_v5').meta({ description: 'VM size of the pool that runs the platform services.' }),
  minCount: integer(0, MAX_NODES_PER_POOL).meta({ description: 'Fewest nodes; 0 leaves the platform services unscheduled when idle.' }),
  maxCount: integer(1, MAX_NODES_PER_POOL).meta({ description: 'Most nodes; at least `minCount`.' }),
  maxPods: maxPods(110),
  osDiskSizeGb: integer(30, 2048).default(128).meta({ description: 'Managed OS disk size in GiB.' }),
}).meta({ description: 'CPU user pool for the platform services (Kubeflow, Istio, cert-manager).' });

const spotPrice = z.number({ error: 'accepted: -1 (cap at the on-demand price) or a positive hourly USD price with at most 5 decimals' })
  .refine((price) => price === -1 || (price > 0 && price < 1000 && Math.round(price * 1e5) === price * 1e5), {
    error: 'accepted: -1 (cap at the on-demand price) or a positive hourly USD price with at most 5 decimals',
  });

export const gpuPoolSettings = object({
  name: poolName().meta({ description: 'Pool name.' }),
  vmSize: gpuSize().meta({ description: 'An Azure GPU VM size, e.g. `Standard_NC24ads_A100_v4`. Must be sold in `location`.' }),
  minCount: integer(0, MAX_NODES_PER_POOL).default(0).meta({ description: 'Fewest nodes; 0 lets the pool scale to zero when idle.' }),
  maxCount: integer(1, MAX_NODES_PER_POOL).meta({ description: 'Most nodes; at least `minCount`.' }),
  spot: bool().default(false).meta({ description: 'Spot capacity: much cheaper, evictable. Refused in prod unless `security.allowSpotInProduction`.' }),
  spotMaxPriceUsd: spotPrice.default(-1).meta({ description: 'Highest hourly price in USD for spot nodes; -1 caps at the on-demand price. Spot pools only.' }),
  spotEvictionPolicy: oneOf(['Delete', 'Deallocate']).default('Delete').meta({ description: 'What happens to evicted spot nodes. Spot pools only.' }),
  migProfile: oneOf(['MIG1g', 'MIG2g', 'MIG3g', 'MIG4g', 'MIG7g']).optional().meta({ description: 'Multi-instance GPU profile; only on sizes whose GPUs support MIG.', defaultText: 'whole GPUs' }),
  zones: zoneList().default([]).meta({ description: 'Availability zones; empty means regional placement.' }),
  driver: oneOf(['gpu-operator', 'aks']).default('gpu-operator').meta({ description: 'Who installs the NVIDIA driver: the GPU Operator (`gpu_driver = "None"`) or AKS (`"Install"`).' }),
  maxPods: maxPods(50),
  osDiskSizeGb: integer(30, 2048).default(256).meta({ description: 'Managed OS disk size in GiB (images for ML are large).' }),
}).meta({ description: 'A GPU user pool, tainted `nvidia.com/gpu=present:NoSchedule`.' });

export const nodePoolSettings = {
  systemPool: systemPoolSettings,
  cpuPool: cpuPoolSettings,
  gpuPools: list(gpuPoolSettings).default([]).meta({ description: 'GPU user pools.' }),
};
