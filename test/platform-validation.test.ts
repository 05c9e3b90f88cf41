import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ClusterConnection } from '../constructs/lib/cluster-connection';
import { CertManager } from '../constructs/cert-manager/cert-manager';
import { GpuOperator } from '../constructs/gpu-operator/gpu-operator';
import { KServe, gpuPredictorPlacement } from '../constructs/kserve/kserve';
import { ComponentError, PROVIDED_OUTSIDE } from '../constructs/lib/prerequisites';
import { Trainer, gpuDevicesPerNode } from '../constructs/trainer/trainer';
import { gpuPoolScheduling } from '../constructs/node-pools/gpu-scheduling';

/** A stack with a cluster connection, for constructs used on their own. */
function withConnection(build: (scope: Construct, connection: ClusterConnection) => void): string {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'lab');
  const connection = new ClusterConnection(stack, 'connection', { host: 'https://aks.example:443', clusterCaCertificate: 'pem' });
  build(stack, connection);
  return Testing.synth(stack);
}

const t4 = { name: 't4', vmSize: 'Standard_NC4as_T4_v3', gpu: { count: 1, model: 't4' }, spot: true };

describe('construct-time errors name the setting and the fix', () => {
  test('GPU Operator with pools that disagree on the driver', () => {
    expect(() => withConnection((scope, connection) => new GpuOperator(scope, 'gpu', {
      connection,
      pools: [{ name: 'a', spot: false, driver: 'aks' }, { name: 'b', spot: false, driver: 'gpu-operator' }],
    }))).toThrow(/GpuOperator: pools\[\]\.driver disagree \(a: aks, b: gpu-operator\).*Fix: give every GPU pool the same driver mode/);
  });

  test('GPU Operator without pools', () => {
    expect(() => withConnection((scope, connection) => new GpuOperator(scope, 'gpu', { connection, pools: [] }))).toThrow(ComponentError);
  });

  test('KServe in Knative mode without Knative', () => {
    expect(() => withConnection((scope, connection) => new KServe(scope, 'kserve', { connection, certManager: PROVIDED_OUTSIDE, istio: PROVIDED_OUTSIDE, mode: 'knative' })))
      .toThrow(/KServe: mode "knative" needs Knative Serving.*Fix: install Knative Serving and pass knative: PROVIDED_OUTSIDE/);
  });

  test('KServe in Knative mode without Istio', () => {
    expect(() => withConnection((scope, connection) => new KServe(scope, 'kserve', { connection, certManager: PROVIDED_OUTSIDE, mode: 'knative', knative: PROVIDED_OUTSIDE })))
      .toThrow(/needs Istio/);
  });

  test('Trainer given the same pool twice', () => {
    expect(() => withConnection((scope, connection) => new Trainer(scope, 'trainer', { connection, gpuPools: [t4, t4] }))).toThrow(/lists pool "t4" twice/);
  });

  test('a GPU predictor asking for more GPUs than a node has', () => {
    expect(() => gpuPredictorPlacement(t4, 2)).toThrow(/is 2, but a node of pool "t4" has 1 GPU\(s\).*Fix: ask for 1 to 1/);
  });
});

describe('components used on their own', () => {
  test('KServe with cert-manager provided outside depends on nothing but its CRDs', () => {
    const json = withConnection((scope, connection) => new KServe(scope, 'kserve', { connection, certManager: PROVIDED_OUTSIDE }));
    const releases = Object.values(JSON.parse(json).resource.helm_release) as { name: string; depends_on?: string[] }[];
    expect(releases.find((r) => r.name === 'kserve')!.depends_on).toEqual([expect.stringContaining('kserve_crds_release')]);
  });

  test('KServe with cert-manager from this project waits for its issuer', () => {
    const json = withConnection((scope, connection) => {
      const certManager = new CertManager(scope, 'cert-manager', { connection });
      new KServe(scope, 'kserve', { connection, certManager });
    });
    const releases = Object.values(JSON.parse(json).resource.helm_release) as { name: string; depends_on?: string[] }[];
    expect(releases.find((r) => r.name === 'kserve')!.depends_on).toEqual(expect.arrayContaining([expect.stringContaining('cert-manager_kubeflow-issuer_main_release')]));
  });
});

describe('GPU inference on the GPU pools', () => {
  test('the predictor placement tolerates the pool\'s taints, selects it and asks for GPUs', () => {
    const placement = gpuPredictorPlacement(t4);
    const scheduling = gpuPoolScheduling(t4);
    expect(placement.tolerations).toEqual(scheduling.tolerations);
    expect(placement.nodeSelector).toEqual({ 'platform.kubeflow-aks.io/gpu-pool': 't4' });
    expect(placement.resources).toEqual({ limits: { 'nvidia.com/gpu': 1 } });
  });
});

describe('GPU devices per node', () => {
  test.each([
    [{ count: 1, model: 'a100' }, undefined, 1],
    [{ count: 4, model: 'a100' }, undefined, 4],
    [{ count: 1, model: 'a100' }, 'MIG1g', 7],
    [{ count: 2, model: 'a100' }, 'MIG3g', 4],
    [{ count: 1, model: 'h100' }, 'MIG7g', 1],
  ])('%j with %s gives %d', (gpu, migProfile, expected) => {
    expect(gpuDevicesPerNode({ name: 'p', vmSize: 'x', gpu, spot: false, ...(migProfile ? { migProfile } : {}) })).toBe(expected);
  });
});
