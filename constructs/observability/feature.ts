import type { PlatformFeature } from '../lib/feature';
import { TRAINER_NAMESPACE } from '../trainer/trainer';
import { ScrapeObjects } from './scrape-objects';

declare module '../lib/feature' {
  interface FeatureOutputs {
    scrape: ScrapeObjects;
  }
}

/** Managed Prometheus scrape objects for what the environment installs (GPU exporter, Katib, notebooks, Pipelines, Trainer). */
export const scrapeFeature: PlatformFeature<'scrape'> = {
  name: 'scrape',
  summary: 'managed Prometheus scrape objects',
  doc: 'docs/components/observability.md',
  // Trainer's controller is scraped by name from kube-system: nothing waits for it.
  after: ['namespaces', 'gpu-operator'],
  source: (env) => {
    const c = env.platform.components;
    return env.monitoring.managedPrometheus && (c.gpuOperator || c.katib || env.notebooks.enabled || c.pipelines || c.trainer);
  },
  build: (ctx) => {
    const c = ctx.env.platform.components;
    const gpuOperator = ctx.installed('gpu-operator');
    return new ScrapeObjects(ctx.scope, 'scrape', {
      connection: ctx.connection,
      gpuOperator: gpuOperator ? { namespace: gpuOperator.namespace, ready: gpuOperator.ready } : undefined,
      katib: c.katib,
      notebooks: ctx.env.notebooks.enabled,
      pipelines: c.pipelines,
      trainer: c.trainer ? { namespace: TRAINER_NAMESPACE } : undefined,
      kubeflowNamespace: ctx.need('namespaces'),
    });
  },
};
