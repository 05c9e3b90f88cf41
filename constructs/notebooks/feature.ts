import type { PlatformFeature } from '../lib/feature';
import { kubeflowAppProps } from '../lib/kubeflow-app';
import { Notebooks } from './notebooks';

declare module '../lib/feature' {
  interface FeatureOutputs {
    notebooks: Notebooks;
  }
}

/** Notebook controller and spawner, the GPU pools offered in the spawner, idle culling. */
export const notebooksFeature: PlatformFeature<'notebooks'> = {
  name: 'notebooks',
  summary: 'notebook controller and spawner (GPU pools, culling)',
  doc: 'docs/components/notebooks.md',
  after: ['namespaces', 'cert-manager', 'istio', 'access'],
  source: (env) => env.notebooks.enabled,
  build: (ctx) => new Notebooks(ctx.scope, 'notebooks', {
    ...kubeflowAppProps(ctx),
    gpuPools: ctx.env.gpuPools,
    culling: ctx.env.notebooks.culling,
    idleMinutes: ctx.env.notebooks.idleMinutes,
    access: ctx.need('access').authentication,
  }),
};
