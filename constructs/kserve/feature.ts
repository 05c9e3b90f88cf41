import type { PlatformFeature } from '../lib/feature';
import { PROVIDED_OUTSIDE } from '../lib/prerequisites';
import { KServe } from './kserve';

declare module '../lib/feature' {
  interface FeatureOutputs {
    kserve: KServe;
  }
}

/** KServe's controller and CRDs, in standard (raw deployment) mode unless the environment asks for Knative. */
export const kserveFeature: PlatformFeature<'kserve'> = {
  name: 'kserve',
  summary: 'KServe (CRDs, controller, IngressClass)',
  doc: 'docs/components/kserve.md',
  after: ['cert-manager', 'istio'],
  source: (env) => env.platform.components.kserve,
  build: (ctx) => {
    const platform = ctx.env.platform;
    return new KServe(ctx.scope, 'kserve', {
      connection: ctx.connection,
      certManager: ctx.prerequisite('cert-manager'),
      istio: ctx.optionalPrerequisite('istio'),
      mode: platform.kserveMode,
      ...(platform.knative === 'external' ? { knative: PROVIDED_OUTSIDE } : {}),
      valuesOverride: platform.values.kserve,
    });
  },
};
