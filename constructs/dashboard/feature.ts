import type { PlatformFeature } from '../lib/feature';
import { kubeflowAppProps } from '../lib/kubeflow-app';
import { Dashboard } from './dashboard';
import { KubeflowClusterRoles } from './kubeflow-roles';

declare module '../lib/feature' {
  interface FeatureOutputs {
    dashboard: Dashboard;
    'kubeflow-roles': KubeflowClusterRoles;
  }
}

/** The central dashboard with the profile controller and the Kubeflow cluster roles; only behind sign-in. */
export const dashboardFeature: PlatformFeature<'dashboard'> = {
  name: 'dashboard',
  summary: 'central dashboard, profile controller, Kubeflow cluster roles',
  doc: 'docs/components/dashboard.md',
  after: ['namespaces', 'cert-manager', 'istio', 'access'],
  source: (env) => env.access !== undefined,
  build: (ctx) => {
    const c = ctx.env.platform.components;
    return new Dashboard(ctx.scope, 'dashboard', {
      ...kubeflowAppProps(ctx),
      apps: { notebooks: ctx.env.notebooks.enabled, katib: c.katib, pipelines: c.pipelines, modelsWebApp: c.modelsWebApp, modelRegistry: c.modelRegistry },
    });
  },
};

/** Without the dashboard, the Kubeflow cluster roles its bundle brings come on their own. */
export const kubeflowRolesFeature: PlatformFeature<'kubeflow-roles'> = {
  name: 'kubeflow-roles',
  summary: 'the Kubeflow cluster roles, when there is no dashboard to bring them',
  doc: 'docs/components/dashboard.md',
  after: ['namespaces'],
  source: (env) => {
    const c = env.platform.components;
    return env.access === undefined && (c.istio === 'install' || c.katib || c.pipelines);
  },
  build: (ctx) => new KubeflowClusterRoles(ctx.scope, 'kubeflow-roles', {
    dependsOn: ctx.need('namespaces').ready,
    kustomizationProvider: ctx.connection.kustomization,
    helmProvider: ctx.connection.helm,
  }),
};
