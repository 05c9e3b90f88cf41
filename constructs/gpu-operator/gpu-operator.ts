import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GPU_TAINT, PLATFORM_NODE_SELECTOR, SPOT_TAINT, Toleration, migOwner, tolerationFor } from '../node-pools/gpu-scheduling';
import { CHARTS } from '../../catalog/versions';
import { ChartRelease } from '../lib/chart-release';
import { ClusterConnection } from '../lib/cluster-connection';
import { ComponentError } from '../lib/prerequisites';
import { Values } from '../lib/values';

/** What the operator needs to know of each GPU pool. */
export interface GpuOperatorPool {
  readonly name: string;
  readonly spot: boolean;
  /** Who installs the driver on this pool (the pool's `gpu_driver`). */
  readonly driver: 'aks' | 'gpu-operator';
  readonly migProfile?: string;
}

export interface GpuOperatorProps {
  readonly connection: ClusterConnection;
  /** The cluster's GPU pools; the driver setting is derived from them. */
  readonly pools: readonly GpuOperatorPool[];
  /** @default 'gpu-operator' */
  readonly namespace?: string;
  /** Run the DCGM exporter for GPU metrics. @default true */
  readonly dcgmExporter?: boolean;
  /** Values merged last. @default {} */
  readonly valuesOverride?: Values;
}

/**
 * The NVIDIA GPU Operator from its official chart. Its `driver.enabled`
 * follows the pools: on when the pools leave the driver to the operator
 * (`gpu_driver = "None"`), off when AKS installs it. Its daemon sets tolerate
 * the GPU taint and, when a pool is spot, the spot taint. MIG partitions of a
 * pool are made by exactly one party: the operator's MIG manager when the
 * operator installs the pool's driver, AKS (`gpu_instance`) when AKS does.
 * @see docs/components/gpu-operator.md
 */
export class GpuOperator extends Construct {
  public readonly chart: ChartRelease;
  /** Whether the operator installs drivers. */
  public readonly managesDriver: boolean;
  /** Whether the operator's MIG manager partitions some pool. */
  public readonly managesMig: boolean;
  public readonly ready: readonly ITerraformDependable[];
  /** Namespace of the operator and its operands (the DCGM exporter). */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: GpuOperatorProps) {
    super(scope, id);
    const pools = props.pools;
    if (pools.length === 0) {
      throw new ComponentError('GpuOperator', 'pools', 'is empty: there is no GPU node to manage', 'add a GPU pool to the environment, or disable the GPU Operator (platform.components.gpuOperator: false)');
    }
    const modes = new Set(pools.map((p) => p.driver));
    if (modes.size > 1) {
      const list = pools.map((p) => `${p.name}: ${p.driver}`).join(', ');
      throw new ComponentError('GpuOperator', 'pools[].driver', `disagree (${list}): one operator cannot both install and skip the driver`, 'give every GPU pool the same driver mode ("gpu-operator" or "aks")');
    }
    this.managesDriver = modes.has('gpu-operator');
    this.namespace = props.namespace ?? 'gpu-operator';
    const tolerations: Toleration[] = [tolerationFor(GPU_TAINT), ...(pools.some((p) => p.spot) ? [tolerationFor(SPOT_TAINT)] : [])];
    // The MIG manager partitions the pools whose driver it installs (their nodes carry
    // nvidia.com/mig.config); pools where AKS partitions opt out by node label.
    this.managesMig = pools.some((p) => migOwner({ ...p, vmSize: '', gpu: { count: 0, model: '' } }) === 'gpu-operator');
    const platformNodes = { nodeSelector: { ...PLATFORM_NODE_SELECTOR } };
    this.chart = new ChartRelease(this, 'chart', {
      releaseName: 'gpu-operator',
      namespace: this.namespace,
      pin: CHARTS.gpuOperator,
      values: {
        operator: platformNodes,
        ...(this.managesDriver ? {} : { driver: { enabled: false } }),
        // The chart default (true) is what a MIG pool owned by the operator needs.
        ...(this.managesMig ? {} : { migManager: { enabled: false } }),
        // MIG devices are advertised as nvidia.com/gpu (the chart's default strategy, `single`): runtimes ask for that.
        ...(props.dcgmExporter === false ? { dcgmExporter: { enabled: false } } : {}),
        daemonsets: { tolerations },
        'node-feature-discovery': { worker: { tolerations }, master: platformNodes, gc: platformNodes },
      },
      valuesOverride: props.valuesOverride,
      // Driver builds on a fresh node take minutes.
      timeoutSeconds: 900,
      provider: props.connection.helm,
    });
    this.ready = [this.chart.release];
  }
}
