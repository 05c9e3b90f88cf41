import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../../catalog/versions';
import { KubeflowAppProps, kubeflowAppBundle } from '../lib/kubeflow-app';
import { UpstreamBundle, admissionsEnforcerPatch } from '../lib/manifest-bundle';

/** The applications whose UIs the dashboard menu can link to. */
export interface InstalledApps {
  readonly notebooks: boolean;
  readonly katib: boolean;
  readonly pipelines: boolean;
  /** KServe's models web app ("KServe Endpoints"). */
  readonly modelsWebApp: boolean;
  readonly modelRegistry: boolean;
}

export interface DashboardProps extends KubeflowAppProps {
  /** Which applications are installed: the menu links to exactly these. */
  readonly apps: InstalledApps;
}

type MenuItem = { type: 'item'; link: string; text: string; icon?: string } | { type: 'section'; text: string; icon: string; items: MenuItem[] };

/** The dashboard's `links`: menu, quick links and documentation for the installed applications only. */
export function dashboardLinks(apps: InstalledApps): object {
  const item = (link: string, text: string, icon?: string): MenuItem => ({ type: 'item', link, text, ...(icon ? { icon } : {}) });
  const doc = (text: string, link: string, desc: string) => ({ text, link, desc });
  const menuLinks: MenuItem[] = [
    ...(apps.notebooks ? [item('/jupyter/', 'Notebooks', 'book'), item('/tensorboards/', 'TensorBoards', 'assessment'), item('/volumes/', 'Volumes', 'device:storage')] : []),
    ...(apps.katib ? [item('/katib/', 'Katib Experiments', 'kubeflow:katib')] : []),
    ...(apps.pipelines
      ? [{
        type: 'section' as const,
        text: 'Pipelines',
        icon: 'kubeflow:pipeline-centered',
        items: ['pipelines', 'experiments', 'runs', 'recurringruns', 'artifacts', 'executions'].map((p) => item(`/pipeline/#/${p}`, p === 'recurringruns' ? 'Recurring Runs' : p[0].toUpperCase() + p.slice(1))),
      }]
      : []),
    ...(apps.modelsWebApp ? [item('/kserve-endpoints/', 'KServe Endpoints', 'kubeflow:models')] : []),
    ...(apps.modelRegistry ? [item('/model-registry/', 'Model Registry', 'assignment')] : []),
  ];
  return {
    menuLinks,
    externalLinks: [],
    quickLinks: [
      ...(apps.notebooks ? [doc('Create a new Notebook', '/jupyter/new', 'Kubeflow Notebooks')] : []),
      ...(apps.pipelines ? [doc('Upload a Pipeline', '/pipeline/#/pipelines', 'Kubeflow Pipelines'), doc('View Pipeline Runs', '/pipeline/#/runs', 'Pipelines')] : []),
    ],
    documentationItems: [
      doc('Kubeflow Website', 'https://www.kubeflow.org/', 'The Kubeflow website'),
      ...(apps.pipelines ? [doc('Kubeflow Pipelines Documentation', 'https://www.kubeflow.org/docs/components/pipelines/', 'Documentation for Kubeflow Pipelines')] : []),
      ...(apps.notebooks ? [doc('Kubeflow Notebooks Documentation', 'https://www.kubeflow.org/docs/components/notebooks/', 'Documentation for Kubeflow Notebooks')] : []),
      ...(apps.katib ? [doc('Katib Documentation', 'https://www.kubeflow.org/docs/components/katib/', 'Documentation for Katib')] : []),
      ...(apps.modelsWebApp ? [doc('KServe Documentation', 'https://kserve.github.io/website/', 'Documentation for KServe')] : []),
      ...(apps.modelRegistry ? [doc('Model Registry Documentation', 'https://www.kubeflow.org/docs/components/model-registry/', 'Documentation for Kubeflow Model Registry')] : []),
    ],
  };
}

/**
 * The Kubeflow central dashboard, the profile controller with KFAM, the
 * PodDefaults webhook and the Kubeflow cluster roles (`kubeflow-admin/edit/view`,
 * which the profile controller binds and every application aggregates into),
 * from the distribution's `applications/dashboard/overlays/istio` and
 * `common/kubeflow-roles/base`. Self-registration stays off
 * (`REGISTRATION_FLOW=false`): profiles are made as code (`Profiles`). The menu
 * lists only the installed applications.
 * @see docs/components/dashboard.md
 */
export class Dashboard extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    this.bundle = kubeflowAppBundle(this, props, 'dashboard', KUSTOMIZE_PATHS.dashboard, [
      {
        patch: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dashboard-config' }, data: { links: JSON.stringify(dashboardLinks(props.apps), null, 2) } }),
        target: { version: 'v1', kind: 'ConfigMap', name: 'dashboard-config' },
      },
      admissionsEnforcerPatch('MutatingWebhookConfiguration', 'poddefaults-webhook-mutating-webhook-configuration'),
    ], {
      configMapGenerators: [{ name: 'dashboard-parameters', namespace: 'kubeflow', behavior: 'merge', literals: ['REGISTRATION_FLOW=false'] }],
      extraPaths: [KUSTOMIZE_PATHS.kubeflowRoles],
    });
    this.ready = [this.bundle.main.release];
  }
}
