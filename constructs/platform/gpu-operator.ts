import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GPU_TAINT, PLATFORM_NODE_SELECTOR, SPOT_TAINT, Toleration, tolerationFor } from '../cluster/gpu-scheduling';
import { CHARTS } from '../versions';
import { ChartRelease } from './chart-release';
import { ClusterConnection } from './cluster-connection';
import { ComponentError } from './prerequisites';
import { Values } from './values';

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
 * the GPU taint and, when a pool is spot, the spot taint. MIG partitions are
 * made by AKS (`gpu_instance`), so the operator's MIG manager stays off.
 * @see docs/components/gpu-operator.md
 */
export class GpuOperator extends Construct {
  public readonly chart: ChartRelease;
  /** Whether the operator installs drivers. */
  public readonly managesDriver: boolean;
  public readonly ready: readonly ITerraformDependable[];

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
    const tolerations: Toleration[] = [tolerationFor(GPU_TAINT), ...(pools.some((p) => p.spot) ? [tolerationFor(SPOT_TAINT)] : [])];
    this.chart = new ChartRelease(this, 'chart', {
      releaseName: 'gpu-operator',
      namespace: props.namespace ?? 'gpu-operator',
      pin: CHARTS.gpuOperator,
      values: {
        operator: { nodeSelector: { ...PLATFORM_NODE_SELECTOR } },
        driver: { enabled: this.managesDriver },
        toolkit: { enabled: true },
        devicePlugin: { enabled: true },
        dcgmExporter: { enabled: props.dcgmExporter ?? true },
        migManager: { enabled: false },
        mig: { strategy: 'single' },
        daemonsets: { tolerations },
        'node-feature-discovery': { worker: { tolerations } },
      },
      valuesOverride: props.valuesOverride,
      // Driver builds on a fresh node take minutes.
      timeoutSeconds: 900,
      provider: props.connection.helm,
    });
    this.ready = [this.chart.release];
  }
}
