import { resolveEnvironment } from '../environments';
import { sparkGpuApplication } from '../scripts/spark-gpu';
import { dev, prod } from './fixtures/environments';
import { renderFixture } from './fixtures/render-environment';

/** `npm run spark:gpu` prints an application placed on a pool from the environment's own scheduling data. */
describe('spark:gpu', () => {
  const fixture = resolveEnvironment(renderFixture);
  type App = { metadata: { namespace: string }; spec: { sparkConf: Record<string, string>; executor: { nodeSelector: Record<string, string>; tolerations: { key: string }[]; gpu: { quantity: number } } } };

  test('a spot pool: its selector, both taints tolerated, one GPU per executor by default, in the first profile', () => {
    const app = sparkGpuApplication(fixture, 't4spot') as unknown as App;
    expect(app.metadata.namespace).toBe('team-a');
    expect(app.spec.executor.nodeSelector).toEqual({ 'platform.kubeflow-aks.io/gpu-pool': 't4spot' });
    expect(app.spec.executor.tolerations.map((t) => t.key)).toEqual(['nvidia.com/gpu', 'kubernetes.azure.com/scalesetpriority']);
    expect(app.spec.executor.gpu.quantity).toBe(1);
    expect(app.spec.sparkConf['spark.executor.resource.gpu.amount']).toBe('1');
  });

  test('a MIG pool offers its slices: more than one device per executor where the node has them', () => {
    const app = sparkGpuApplication(fixture, 'a100mig', { gpus: 2 }) as unknown as App;
    expect(app.spec.executor.gpu.quantity).toBe(2);
    expect(app.spec.executor.tolerations.map((t) => t.key)).toEqual(['nvidia.com/gpu']);
  });

  test('bad input names what is accepted', () => {
    expect(() => sparkGpuApplication(fixture, 'h100')).toThrow('fixture has no GPU pool "h100"; accepted: "t4spot", "a100mig"');
    expect(() => sparkGpuApplication(fixture, 't4spot', { gpus: 2 })).toThrow(/offers 1 GPU device\(s\)/);
    expect(() => sparkGpuApplication(fixture, 't4spot', { namespace: 'kube-system' })).toThrow('--namespace "kube-system" is not a profile of fixture; accepted: "team-a"');
    const noSpark = resolveEnvironment({ ...dev, platform: { components: { sparkOperator: false } } });
    expect(() => sparkGpuApplication(noSpark, 't4spot')).toThrow(/does not install the Spark operator/);
    const noGpus = resolveEnvironment({ ...prod, gpuPools: [], profiles: prod.profiles!.map((p) => ({ ...p, quota: { cpu: '8' } })) });
    expect(() => sparkGpuApplication(noGpus, 'a100')).toThrow(/\(none: the environment has no GPU pools\)/);
  });
});
