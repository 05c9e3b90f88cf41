import type { PlatformFeature } from '../lib/feature';
import { kubeflowAppProps } from '../lib/kubeflow-app';
import { ModelRegistry } from './model-registry';

declare module '../lib/feature' {
  interface FeatureOutputs {
    'model-registry': ModelRegistry;
  }
}

/** Model Registry with its PostgreSQL on a store volume, and its UI. */
export const modelRegistryFeature: PlatformFeature<'model-registry'> = {
  name: 'model-registry',
  summary: 'Model Registry (API, UI, PostgreSQL)',
  doc: 'docs/components/model-registry.md',
  after: ['namespaces', 'cert-manager', 'istio', 'access', 'stores'],
  source: (env) => env.platform.components.modelRegistry,
  build: (ctx) => new ModelRegistry(ctx.scope, 'model-registry', {
    ...kubeflowAppProps(ctx),
    storeVolumes: ctx.need('stores'),
    access: ctx.need('access').authentication,
  }),
};
