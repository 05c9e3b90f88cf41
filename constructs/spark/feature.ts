import type { PlatformFeature } from '../lib/feature';
import { SparkOperator } from './spark-operator';

declare module '../lib/feature' {
  interface FeatureOutputs {
    spark: SparkOperator;
  }
}

/** The Spark Operator, watching the profile namespaces. */
export const sparkFeature: PlatformFeature<'spark'> = {
  name: 'spark',
  summary: 'Spark Operator (jobs in the profile namespaces)',
  doc: 'docs/components/spark-operator.md',
  after: ['profiles'],
  source: (env) => env.platform.components.sparkOperator,
  build: (ctx) => {
    const profiles = ctx.installed('profiles');
    return new SparkOperator(ctx.scope, 'spark-operator', {
      connection: ctx.connection,
      jobNamespaces: ctx.env.profiles.map((p) => p.name),
      dependsOn: profiles?.namespaces ?? [],
      kubeflowRoles: ctx.env.access !== undefined,
      valuesOverride: ctx.env.platform.values.sparkOperator,
    });
  },
};
