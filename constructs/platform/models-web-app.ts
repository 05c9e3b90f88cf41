import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../versions';
import { EntraAuthentication } from './entra-authentication';
import { KServe } from './kserve';
import { KubeflowAppProps, afterSignIn, kubeflowAppBundle } from './kubeflow-app';
import { ProfileAccessRoles } from './kubeflow-roles';
import { UpstreamBundle } from './manifest-bundle';
import { Prerequisite, ProvidedOutside, readinessOf } from './prerequisites';

export interface ModelsWebAppProps extends KubeflowAppProps {
  /** KServe, whose InferenceServices the web app lists and creates. */
  readonly kserve: Prerequisite<KServe>;
  /** The sign-in layer the web app is reached through (required: it trusts the `kubeflow-userid` header the gateway sets). */
  readonly access: EntraAuthentication | ProvidedOutside;
}

/**
 * KServe's models web app ("KServe Endpoints" in the dashboard,
 * `/kserve-endpoints/`) from the distribution's
 * `applications/kserve/models-web-app/overlays/kubeflow`: on the Kubeflow
 * gateway, behind the same sign-in, with user authorization on (the overlay
 * replaces the base's `APP_DISABLE_AUTH`). Waits for KServe. The web app acts
 * with the signed-in user's rights, so profile members get roles on KServe's
 * resources through `kubeflow-edit/view` (KServe's chart brings none).
 * @see docs/components/models-web-app.md
 */
export class ModelsWebApp extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly roles: ProfileAccessRoles;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: ModelsWebAppProps) {
    super(scope, id);
    this.bundle = kubeflowAppBundle(this, props, 'models-web-app', KUSTOMIZE_PATHS.modelsWebApp, [], {
      withCrdRelease: false,
      mainDependsOn: [...readinessOf(props.kserve), ...afterSignIn(props)],
    });
    this.roles = new ProfileAccessRoles(this, 'kubeflow-roles', {
      releaseName: 'kserve-kubeflow-roles',
      namespace: 'kubeflow',
      app: 'kserve',
      grants: [{ apiGroup: 'serving.kserve.io', resources: ['inferenceservices', 'servingruntimes', 'inferencegraphs', 'trainedmodels'] }],
      dependsOn: props.namespaces.ready,
      provider: props.connection.helm,
    });
    this.ready = [this.bundle.main.release, this.roles.release.release];
  }
}
