import type { PlatformFeature } from '../lib/feature';
import { kubeflowAppProps } from '../lib/kubeflow-app';
import { Katib } from './katib';

declare module '../lib/feature' {
  interface FeatureOutputs {
    katib: Katib;
  }
}

/** Katib, its database in the cluster or on the Azure MySQL server. */
export const katibFeature: PlatformFeature<'katib'> = {
  name: 'katib',
  summary: 'Katib (hyperparameter tuning)',
  doc: 'docs/components/katib.md',
  after: ['namespaces', 'cert-manager', 'istio', 'access', 'stores', 'mysql'],
  source: (env) => env.platform.components.katib,
  build: (ctx) => new Katib(ctx.scope, 'katib', { ...kubeflowAppProps(ctx), storeVolumes: ctx.need('stores'), azureMysql: ctx.installed('mysql') }),
};
