import type { PlatformFeature } from '../lib/feature';
import { GpuOperator } from './gpu-operator';

declare module '../lib/feature' {
  interface FeatureOutputs {
    'gpu-operator': GpuOperator;
  }
}

/** The NVIDIA GPU Operator on the environment's GPU pools (driver, toolkit, device plugin, DCGM exporter). */
export const gpuOperatorFeature: PlatformFeature<'gpu-operator'> = {
  name: 'gpu-operator',
  summary: 'NVIDIA GPU Operator on the GPU pools',
  doc: 'docs/components/gpu-operator.md',
  after: [],
  source: (env) => env.platform.components.gpuOperator,
  build: (ctx) => new GpuOperator(ctx.scope, 'gpu-operator', { connection: ctx.connection, pools: ctx.env.gpuPools, valuesOverride: ctx.env.platform.values.gpuOperator }),
};
