import type { PlatformFeature } from '../lib/feature';
import { kubeflowAppProps } from '../lib/kubeflow-app';
import { ModelsWebApp } from './models-web-app';

declare module '../lib/feature' {
  interface FeatureOutputs {
    'models-web-app': ModelsWebApp;
  }
}

/** KServe's models web app in the dashboard. */
export const modelsWebAppFeature: PlatformFeature<'models-web-app'> = {
  name: 'models-web-app',
  summary: "KServe's models web app",
  doc: 'docs/components/models-web-app.md',
  after: ['namespaces', 'cert-manager', 'istio', 'access', 'kserve'],
  source: (env) => env.platform.components.modelsWebApp,
  build: (ctx) => new ModelsWebApp(ctx.scope, 'models-web-app', {
    ...kubeflowAppProps(ctx),
    kserve: ctx.need('kserve'),
    access: ctx.need('access').authentication,
  }),
};
