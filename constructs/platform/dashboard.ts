import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../versions';
import { KubeflowAppProps, kubeflowAppBundle } from './kubeflow-app';
import { UpstreamBundle } from './manifest-bundle';

export type DashboardProps = KubeflowAppProps;

/**
 * The Kubeflow central dashboard, the profile controller with KFAM, and the
 * PodDefaults webhook, from the distribution's `applications/dashboard/overlays/istio`.
 * Self-registration stays off (`REGISTRATION_FLOW=false`): profiles are made
 * as code (`Profiles`).
 * @see docs/components/dashboard.md
 */
export class Dashboard extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    this.bundle = kubeflowAppBundle(this, props, 'dashboard', KUSTOMIZE_PATHS.dashboard, [], {
      configMapGenerators: [{ name: 'dashboard-parameters', namespace: 'kubeflow', behavior: 'merge', literals: ['REGISTRATION_FLOW=false'] }],
    });
    this.ready = [this.bundle.main.release];
  }
}
