import { KubeflowNamespaces } from '../lib/kubeflow-namespaces';
import type { PlatformFeature } from '../lib/feature';

declare module '../lib/feature' {
  interface FeatureOutputs {
    namespaces: KubeflowNamespaces;
  }
}

/** The `kubeflow` namespace, created once; every Kubeflow application lives in it. */
export const namespacesFeature: PlatformFeature<'namespaces'> = {
  name: 'namespaces',
  summary: 'the kubeflow namespace',
  doc: 'docs/architecture.md',
  after: [],
  source: () => true,
  build: (ctx) => new KubeflowNamespaces(ctx.scope, 'namespaces', { provider: ctx.connection.kubernetes }),
};
