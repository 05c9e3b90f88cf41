import { ProfileAccessRoles } from '../dashboard/kubeflow-roles';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GpuPoolIntent, PLATFORM_NODE_SELECTOR, gpuPoolScheduling, migInstancesPerGpu } from '../node-pools/gpu-scheduling';
import { CHARTS, IMAGES } from '../../catalog/versions';
import { ChartRelease } from '../lib/chart-release';
import { ClusterConnection } from '../lib/cluster-connection';
import { ObjectRelease } from '../lib/manifest-bundle';
import { ComponentError } from '../lib/prerequisites';
import { Values } from '../lib/values';

/**
 * `nvidia.com/gpu` devices a node of the pool advertises: whole GPUs, or MIG
 * devices (the device plugin's `single` strategy advertises each as one GPU).
 */
export function gpuDevicesPerNode(pool: GpuPoolIntent): number {
  return pool.gpu.count * migInstancesPerGpu(pool);
}

/** Name of the GPU runtime of a pool. */
export function gpuRuntimeName(pool: GpuPoolIntent): string {
  return `torch-distributed-${pool.name}`;
}

/**
 * A ClusterTrainingRuntime that runs PyTorch on one GPU pool: tolerates the
 * pool's taints (GPU, and spot on spot pools), selects its nodes, and asks
 * for every GPU device of a node. Derived from the pool definition.
 */
export function gpuTrainingRuntime(pool: GpuPoolIntent, image: string = IMAGES.pytorchGpu): object {
  const scheduling = gpuPoolScheduling(pool);
  return {
    apiVersion: 'trainer.kubeflow.org/v1alpha1',
    kind: 'ClusterTrainingRuntime',
    metadata: {
      name: gpuRuntimeName(pool),
      labels: { 'trainer.kubeflow.org/framework': 'torch', ...scheduling.nodeSelector },
    },
    spec: {
      mlPolicy: { numNodes: 1, torch: {} },
      template: {
        spec: {
          replicatedJobs: [{
            name: 'node',
            template: {
              metadata: { labels: { 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' } },
              spec: {
                template: {
                  spec: {
                    nodeSelector: { ...scheduling.nodeSelector },
                    tolerations: scheduling.tolerations.map((t) => ({ ...t })),
                    containers: [{
                      name: 'node',
                      image,
                      resources: { limits: { 'nvidia.com/gpu': gpuDevicesPerNode(pool) } },
                    }],
                  },
                },
              },
            },
          }],
        },
      },
    },
  };
}

/** Where the Trainer controller runs unless told otherwise. */
export const TRAINER_NAMESPACE = 'kubeflow-system';

export interface TrainerProps {
  readonly connection: ClusterConnection;
  /** GPU pools to make runtimes for; one `torch-distributed-<pool>` each. @default [] */
  readonly gpuPools?: readonly GpuPoolIntent[];
  /** Image of the GPU runtimes. @default IMAGES.pytorchGpu (version catalog) */
  readonly runtimeImage?: string;
  /** @default 'kubeflow-system' */
  readonly namespace?: string;
  /** Values merged last. @default {} */
  readonly valuesOverride?: Values;
  /**
   * Give profile members (and the pipeline steps that run as their `default-editor`)
   * rights on TrainJobs and namespaced TrainingRuntimes through `kubeflow-edit/view`;
   * the chart ships no such roles. Needs the Kubeflow cluster roles (the dashboard installs them).
   * @default false
   */
  readonly kubeflowRoles?: boolean;
}

/**
 * Kubeflow Trainer v2 from its official chart, with JobSet as the chart's
 * dependency, the CPU `torch-distributed` runtime, and a GPU runtime per GPU
 * pool (in a release of our bundle chart, after the CRDs exist).
 * @see docs/components/trainer.md
 */
export class Trainer extends Construct {
  public readonly chart: ChartRelease;
  public readonly gpuRuntimes?: ObjectRelease;
  /** The profile members' roles on TrainJobs, with `kubeflowRoles`. */
  public readonly roles?: ProfileAccessRoles;
  public readonly ready: readonly ITerraformDependable[];
  /** The namespace of the controller (created by the chart's release). */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: TrainerProps) {
    super(scope, id);
    const namespace = props.namespace ?? TRAINER_NAMESPACE;
    this.namespace = namespace;
    const pools = props.gpuPools ?? [];
    const seen = new Set<string>();
    for (const pool of pools) {
      if (seen.has(pool.name)) throw new ComponentError('Trainer', 'gpuPools', `lists pool "${pool.name}" twice`, 'pass each GPU pool once');
      seen.add(pool.name);
    }
    this.chart = new ChartRelease(this, 'chart', {
      releaseName: 'kubeflow-trainer',
      namespace,
      pin: CHARTS.trainer,
      values: {
        jobset: { controller: { nodeSelector: { ...PLATFORM_NODE_SELECTOR } } },
        manager: { nodeSelector: { ...PLATFORM_NODE_SELECTOR } },
        runtimes: { torchDistributed: { enabled: true } },
      },
      valuesOverride: props.valuesOverride,
      provider: props.connection.helm,
    });
    if (pools.length > 0) {
      this.gpuRuntimes = new ObjectRelease(this, 'gpu-runtimes', {
        releaseName: 'kubeflow-trainer-gpu-runtimes',
        namespace,
        manifests: pools.map((pool) => gpuTrainingRuntime(pool, props.runtimeImage)),
        dependsOn: [this.chart.release],
        provider: props.connection.helm,
      });
    }
    this.roles = props.kubeflowRoles
      ? new ProfileAccessRoles(this, 'kubeflow-roles', {
        releaseName: 'kubeflow-trainer-kubeflow-roles',
        namespace,
        app: 'trainer',
        grants: [{ apiGroup: 'trainer.kubeflow.org', resources: ['trainjobs', 'trainingruntimes'] }],
        dependsOn: [this.chart.release],
        provider: props.connection.helm,
      })
      : undefined;
    this.ready = [this.gpuRuntimes?.release ?? this.chart.release];
  }
}
