import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GpuPoolIntent, PLATFORM_NODE_SELECTOR, gpuPoolScheduling } from '../node-pools/gpu-scheduling';
import { CHARTS } from '../../catalog/versions';
import { ChartRelease } from '../lib/chart-release';
import { ClusterConnection } from '../lib/cluster-connection';
import { ProfileAccessRoles } from '../dashboard/kubeflow-roles';
import { ComponentError } from '../lib/prerequisites';
import { gpuDevicesPerNode } from '../trainer/trainer';
import { Values } from '../lib/values';

/** ServiceAccount the chart creates in every job namespace for Spark drivers (`<release>-spark`). */
export const SPARK_DRIVER_SERVICE_ACCOUNT = 'spark-operator-spark';

/**
 * Where Spark's executors find their GPU addresses: the script every Apache
 * Spark distribution ships (and the official Spark images contain).
 */
export const SPARK_GPU_DISCOVERY_SCRIPT = '/opt/spark/examples/src/main/scripts/getGpusResources.sh';

/**
 * The part of a SparkApplication (`sparkoperator.k8s.io/v1beta2`) that runs
 * its executors on one GPU pool: the pool's tolerations and node selector and
 * the GPU limit on the executors (the operator's webhook applies them to the
 * pods), and Spark's own GPU scheduling settings. Driver and executors opt
 * out of the Istio sidecar, which Spark's driver–executor traffic does not
 * pass. Merge `sparkConf` and `executor` into the application's spec.
 */
export function sparkGpuPlacement(pool: GpuPoolIntent, gpusPerExecutor = 1): {
  sparkConf: Record<string, string>;
  driver: { labels: Record<string, string> };
  executor: { labels: Record<string, string>; nodeSelector: Record<string, string>; tolerations: object[]; gpu: { name: string; quantity: number } };
} {
  const devices = gpuDevicesPerNode(pool);
  if (!Number.isInteger(gpusPerExecutor) || gpusPerExecutor < 1 || gpusPerExecutor > devices) {
    throw new ComponentError('sparkGpuPlacement', 'gpusPerExecutor', `is ${gpusPerExecutor}, but a node of pool "${pool.name}" offers ${devices} GPU device(s)`, `ask for 1 to ${devices}`);
  }
  const scheduling = gpuPoolScheduling(pool);
  const noSidecar = { 'sidecar.istio.io/inject': 'false' };
  return {
    sparkConf: {
      'spark.executor.resource.gpu.amount': String(gpusPerExecutor),
      'spark.executor.resource.gpu.vendor': 'nvidia.com',
      'spark.executor.resource.gpu.discoveryScript': SPARK_GPU_DISCOVERY_SCRIPT,
      'spark.task.resource.gpu.amount': '1',
    },
    driver: { labels: { ...noSidecar } },
    executor: {
      labels: { ...noSidecar },
      nodeSelector: { ...scheduling.nodeSelector },
      tolerations: scheduling.tolerations.map((t) => ({ ...t })),
      gpu: { name: 'nvidia.com/gpu', quantity: gpusPerExecutor },
    },
  };
}

export interface SparkOperatorProps {
  readonly connection: ClusterConnection;
  /**
   * Namespaces whose SparkApplications the operator runs; the chart gives each
   * the driver ServiceAccount and its Role. Pass the profile namespaces.
   * @default [] (every namespace, as the distribution installs it; no driver ServiceAccount is created)
   */
  readonly jobNamespaces?: readonly string[];
  /** What must exist before the release: the job namespaces. @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * Give profile members rights on SparkApplications through the Kubeflow roles
   * (`kubeflow-edit/view`). Needs those roles in the cluster (the dashboard installs them).
   * @default false
   */
  readonly kubeflowRoles?: boolean;
  /** Created here, Pod Security `restricted` (the chart's pods comply). @default 'spark-operator' */
  readonly namespace?: string;
  /** Values merged last. @default {} */
  readonly valuesOverride?: Values;
}

/**
 * The Kubeflow Spark Operator from its published chart: controller and
 * webhook on the platform pool, watching the profile namespaces. GPU
 * SparkApplications get a pool's placement from `sparkGpuPlacement`, derived
 * from the same pool definitions as the training runtimes.
 * @see docs/components/spark-operator.md
 */
export class SparkOperator extends Construct {
  public readonly namespace: NamespaceV1;
  /** The name of `namespace`, as a plain string. */
  public readonly namespaceName: string;
  public readonly chart: ChartRelease;
  /** The profile members' roles on Spark's resources, with `kubeflowRoles`. */
  public readonly roles?: ProfileAccessRoles;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: SparkOperatorProps) {
    super(scope, id);
    const jobNamespaces = [...(props.jobNamespaces ?? [])];
    const duplicate = jobNamespaces.find((ns, i) => jobNamespaces.indexOf(ns) !== i);
    if (duplicate !== undefined) throw new ComponentError('SparkOperator', 'jobNamespaces', `lists "${duplicate}" twice`, 'name each namespace once');
    if (jobNamespaces.includes('')) throw new ComponentError('SparkOperator', 'jobNamespaces', 'contains an empty name', 'leave the list empty for every namespace, or name namespaces');
    const namespace = props.namespace ?? 'spark-operator';
    this.namespaceName = namespace;
    // Secure by default: the operator's own namespace admits only pods that meet `restricted`.
    this.namespace = new NamespaceV1(this, 'namespace', {
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
      provider: props.connection.kubernetes,
    });
    this.chart = new ChartRelease(this, 'chart', {
      releaseName: 'spark-operator',
      namespace,
      pin: CHARTS.sparkOperator,
      values: {
        controller: { nodeSelector: { ...PLATFORM_NODE_SELECTOR } },
        webhook: { nodeSelector: { ...PLATFORM_NODE_SELECTOR } },
        spark: { jobNamespaces },
      },
      valuesOverride: props.valuesOverride,
      dependsOn: [this.namespace, ...(props.dependsOn ?? [])],
      provider: props.connection.helm,
    });
    this.roles = props.kubeflowRoles
      ? new ProfileAccessRoles(this, 'kubeflow-roles', {
        releaseName: 'spark-operator-kubeflow-roles',
        namespace,
        app: 'spark',
        grants: [{ apiGroup: 'sparkoperator.k8s.io', resources: ['sparkapplications', 'scheduledsparkapplications'] }],
        dependsOn: [this.namespace],
        provider: props.connection.helm,
      })
      : undefined;
    this.ready = [this.chart.release, ...(this.roles ? [this.roles.release.release] : [])];
  }
}
