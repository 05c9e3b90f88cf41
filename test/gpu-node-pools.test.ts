import { gpuRegions } from '../catalog/aks-support';
import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { GPU_TAINT, SPOT_TAINT, gpuPoolScheduling, taintToString } from '../constructs/node-pools/gpu-scheduling';
import { rotationPoolName } from '../constructs/node-pools/node-pools';
import { dev } from './fixtures/environments';
import { prod } from './fixtures/environments';
import { staging } from './fixtures/environments';
import { devWith, resourcesOfType, synthCluster } from './helpers';

function gpuPool(parsed: ReturnType<typeof synthCluster>['parsed'], name: string): Record<string, unknown> {
  const pool = Object.values(resourcesOfType(parsed, 'azurerm_kubernetes_cluster_node_pool')).find((p) => p.name === name);
  if (!pool) throw new Error(`no node pool named ${name}`);
  return pool;
}

const devPools = synthCluster(dev).parsed;
const stagingPools = synthCluster(staging).parsed;
const prodPools = synthCluster(prod).parsed;

describe('GPU node pools', () => {
  test('one pool per GPU pool of the environment, besides the CPU pool', () => {
    const names = (parsed: typeof devPools) => Object.values(resourcesOfType(parsed, 'azurerm_kubernetes_cluster_node_pool')).map((p) => p.name).sort();
    expect(names(devPools)).toEqual(['platform', 't4spot']);
    expect(names(stagingPools)).toEqual(['a100mig', 'platform', 't4spot']);
    expect(names(prodPools)).toEqual(['a100', 'h100', 'platform']);
  });

  test('tainted nvidia.com/gpu=present:NoSchedule and autoscaling from zero', () => {
    const pool = gpuPool(prodPools, 'a100');
    expect(pool).toMatchObject({
      mode: 'User',
      vm_size: 'Standard_NC24ads_A100_v4',
      node_taints: ['nvidia.com/gpu=present:NoSchedule'],
      auto_scaling_enabled: true,
      min_count: 0,
      max_count: 8,
      priority: 'Regular',
      zones: ['1', '2', '3'],
    });
  });

  test('labels derived from the pool: name, accelerator, size, GPU count, capacity', () => {
    expect(gpuPool(prodPools, 'h100').node_labels).toEqual({
      'platform.kubeflow-aks.io/gpu-pool': 'h100',
      'platform.kubeflow-aks.io/accelerator': 'nvidia-h100',
      'platform.kubeflow-aks.io/vm-size': 'standard_nc40ads_h100_v5',
      'platform.kubeflow-aks.io/gpu-count': '1',
      'platform.kubeflow-aks.io/capacity': 'regular',
    });
  });

  test('hardened like every pool: host encryption, explicit max pods, no public IPs, managed Ubuntu disk', () => {
    expect(gpuPool(devPools, 't4spot')).toMatchObject({
      host_encryption_enabled: true,
      max_pods: 50,
      node_public_ip_enabled: false,
      os_disk_type: 'Managed',
      os_disk_size_gb: 256,
      os_sku: 'Ubuntu',
    });
  });

  test('spot: priority, eviction policy, price cap, and the spot taint and label AKS adds', () => {
    const pool = gpuPool(devPools, 't4spot');
    expect(pool).toMatchObject({ priority: 'Spot', eviction_policy: 'Delete', spot_max_price: -1 });
    expect(pool.node_taints).toEqual(['nvidia.com/gpu=present:NoSchedule', 'kubernetes.azure.com/scalesetpriority=spot:NoSchedule']);
    expect(pool.node_labels).toMatchObject({ 'kubernetes.azure.com/scalesetpriority': 'spot', 'platform.kubeflow-aks.io/capacity': 'spot' });
    // Spot pools take no surge settings.
    expect(pool.upgrade_settings).toBeUndefined();
  });

  test('spot options from the environment', () => {
    const { parsed } = synthCluster(devWith({ profiles: [], gpuPools: [{ name: 'a100', vmSize: 'Standard_NC24ads_A100_v4', maxCount: 2, spot: true, spotMaxPriceUsd: 1.25, spotEvictionPolicy: 'Deallocate' }] }));
    expect(gpuPool(parsed, 'a100')).toMatchObject({ priority: 'Spot', eviction_policy: 'Deallocate', spot_max_price: 1.25 });
  });

  test('regular pools surge one node during upgrades and carry no spot settings', () => {
    const pool = gpuPool(prodPools, 'a100');
    expect(pool.upgrade_settings).toEqual({ max_surge: '1' });
    expect(pool.eviction_policy).toBeUndefined();
    expect(pool.spot_max_price).toBeUndefined();
  });

  test('MIG with the GPU Operator driver: the operator partitions (node label), AKS does not (no gpu_instance)', () => {
    const { parsed } = synthCluster(devWith({ profiles: [], gpuPools: [{ name: 'mig', vmSize: 'Standard_NC24ads_A100_v4', maxCount: 1, migProfile: 'MIG3g' }] }));
    const pool = gpuPool(parsed, 'mig');
    expect(pool.gpu_instance).toBeUndefined();
    expect(pool.node_labels).toMatchObject({ 'platform.kubeflow-aks.io/mig-profile': 'mig3g', 'nvidia.com/mig.config': 'all-3g.40gb' });
    expect(pool.node_labels).not.toHaveProperty(['nvidia.com/gpu.deploy.mig-manager']);
  });

  test('MIG with the AKS driver: AKS partitions (gpu_instance), the operator\'s MIG manager stays off the nodes', () => {
    const { parsed } = synthCluster(devWith({ profiles: [], gpuPools: [{ name: 'mig', vmSize: 'Standard_NC24ads_A100_v4', maxCount: 1, migProfile: 'MIG1g', driver: 'aks' }] }));
    const pool = gpuPool(parsed, 'mig');
    expect(pool.gpu_instance).toBe('MIG1g');
    expect(pool.gpu_driver).toBe('Install');
    expect(pool.node_labels).toMatchObject({ 'nvidia.com/gpu.deploy.mig-manager': 'false' });
    expect(pool.node_labels).not.toHaveProperty(['nvidia.com/mig.config']);
  });

  test.each([
    ['Standard_NC24ads_A100_v4', 'MIG1g', 'all-1g.10gb'],
    ['Standard_ND96asr_v4', 'MIG3g', 'all-3g.20gb'],
    ['Standard_NC40ads_H100_v5', 'MIG3g', 'all-3g.47gb'],
    ['Standard_ND96isr_H200_v5', 'MIG7g', 'all-7g.141gb'],
  ] as const)('%s with %s: the MIG manager applies %s', (vmSize, migProfile, config) => {
    // A region where the table says the size is sold.
    const { parsed } = synthCluster(devWith({ location: gpuRegions(vmSize)![0], profiles: [], gpuPools: [{ name: 'mig', vmSize, maxCount: 1, migProfile }] }));
    expect(gpuPool(parsed, 'mig').node_labels).toMatchObject({ 'nvidia.com/mig.config': config });
  });

  test('driver mode: GPU Operator means gpu_driver None, AKS means Install', () => {
    expect(gpuPool(devPools, 't4spot').gpu_driver).toBe('None');
    const { json } = synthCluster(devWith({ gpuPools: [{ name: 't4', vmSize: 'Standard_NC4as_T4_v3', maxCount: 1, driver: 'aks' }] }));
    expect(json).toHaveResourceWithProperties(KubernetesClusterNodePool, { name: 't4', gpu_driver: 'Install' });
  });

  test('an environment without GPU pools has only the CPU pool', () => {
    const { parsed } = synthCluster(devWith({ gpuPools: [], profiles: [] }));
    expect(Object.values(resourcesOfType(parsed, 'azurerm_kubernetes_cluster_node_pool')).map((p) => p.name)).toEqual(['platform']);
  });
});

describe('rotation pool names (temporary_name_for_rotation)', () => {
  /** Every pool of a cluster with its rotation name: the system pool's from the cluster, the others from the pools. */
  function poolNames(parsed: typeof devPools): { names: string[]; rotations: string[] } {
    const cluster = Object.values(resourcesOfType(parsed, 'azurerm_kubernetes_cluster'))[0] as { default_node_pool: { name: string; temporary_name_for_rotation: string } };
    const pools = Object.values(resourcesOfType(parsed, 'azurerm_kubernetes_cluster_node_pool')) as { name: string; temporary_name_for_rotation: string }[];
    return {
      names: [cluster.default_node_pool.name, ...pools.map((p) => p.name)],
      rotations: [cluster.default_node_pool.temporary_name_for_rotation, ...pools.map((p) => p.temporary_name_for_rotation)],
    };
  }

  test.each([['dev', devPools], ['staging', stagingPools], ['prod', prodPools]] as const)('%s: every pool has one, valid, unique, and not a pool name', (_env, parsed) => {
    const { names, rotations } = poolNames(parsed);
    for (const r of rotations) expect(r).toMatch(/^[a-z][a-z0-9]{0,11}$/);
    expect(new Set(rotations).size).toBe(rotations.length);
    expect(rotations.filter((r) => names.includes(r))).toEqual([]);
  });

  test('the CPU and GPU pools carry theirs', () => {
    expect(gpuPool(devPools, 'platform').temporary_name_for_rotation).toBe(rotationPoolName('platform'));
    expect(gpuPool(devPools, 't4spot').temporary_name_for_rotation).toBe(rotationPoolName('t4spot'));
  });

  test('pools whose names share a prefix get different names, never the system pool\'s "<name>tmp"', () => {
    const names = ['t4spot', 't4spotb', 'a100spot01', 'a100spot02', 'gpupoolaaaaa', 'gpupoolaaaab', 'system', 'systemtmp'];
    const rotations = names.map(rotationPoolName);
    expect(new Set(rotations).size).toBe(names.length);
    for (const r of rotations) expect(r).toMatch(/^[a-z][a-z0-9]{0,11}$/);
    expect(rotations.some((r) => r.endsWith('tmp') || names.includes(r))).toBe(false);
  });

  test('two GPU pools sharing a 7-letter prefix in one cluster', () => {
    const { parsed } = synthCluster(devWith({ profiles: [], gpuPools: [
      { name: 't4spotaa', vmSize: 'Standard_NC4as_T4_v3', maxCount: 1, spot: true },
      { name: 't4spotab', vmSize: 'Standard_NC4as_T4_v3', maxCount: 1, spot: true },
    ] }));
    const { names, rotations } = poolNames(parsed);
    expect(new Set(rotations).size).toBe(rotations.length);
    expect(rotations.filter((r) => names.includes(r))).toEqual([]);
  });
});

describe('gpuPoolScheduling', () => {
  const base = { name: 'a100', vmSize: 'Standard_NC24ads_A100_v4', gpu: { count: 1, model: 'a100' } };

  test('regular pool: tolerate the GPU taint, select the pool', () => {
    const s = gpuPoolScheduling({ ...base, spot: false });
    expect(s.taints).toEqual([GPU_TAINT]);
    expect(s.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }]);
    expect(s.nodeSelector).toEqual({ 'platform.kubeflow-aks.io/gpu-pool': 'a100' });
  });

  test('spot pool: tolerate both the GPU and the spot taint', () => {
    const s = gpuPoolScheduling({ ...base, spot: true });
    expect(s.tolerations.map((t) => t.key)).toEqual(['nvidia.com/gpu', 'kubernetes.azure.com/scalesetpriority']);
    expect(s.taints).toContain(SPOT_TAINT);
  });

  test('every toleration matches a taint of the pool, and every taint has a toleration', () => {
    for (const spot of [true, false]) {
      const s = gpuPoolScheduling({ ...base, spot });
      expect(s.tolerations.map((t) => `${t.key}=${t.value}:${t.effect}`)).toEqual(s.taints.map(taintToString));
    }
  });

  test('label values stay valid Kubernetes label values', () => {
    const s = gpuPoolScheduling({ ...base, vmSize: 'Standard_ND96amsr_A100_v4', spot: true, migProfile: 'MIG7g' });
    for (const value of Object.values(s.labels)) expect(value).toMatch(/^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/);
  });
});
