import type { PlatformFeature } from '../lib/feature';
import { Trainer } from './trainer';

declare module '../lib/feature' {
  interface FeatureOutputs {
    trainer: Trainer;
  }
}

/** Kubeflow Trainer with JobSet and one GPU runtime per GPU pool. */
export const trainerFeature: PlatformFeature<'trainer'> = {
  name: 'trainer',
  summary: 'Kubeflow Trainer, JobSet, GPU runtimes per pool',
  doc: 'docs/components/trainer.md',
  after: [],
  source: (env) => env.platform.components.trainer,
  build: (ctx) => new Trainer(ctx.scope, 'trainer', {
    connection: ctx.connection,
    gpuPools: ctx.env.gpuPools,
    valuesOverride: ctx.env.platform.values.trainer,
    // Profile members get TrainJob rights through kubeflow-edit wherever there are profiles.
    kubeflowRoles: ctx.env.access !== undefined,
  }),
};
