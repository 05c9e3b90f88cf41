import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { IMAGES, MODELS_WEB_APP, MODELS_WEB_APP_PATHS } from '../../catalog/versions';
import { EntraAuthentication } from '../access/entra-authentication';
import { KServe } from '../kserve/kserve';
import { KubeflowAppProps, afterSignIn } from '../lib/kubeflow-app';
import { ProfileAccessRoles } from '../dashboard/kubeflow-roles';
import { UpstreamBundle } from '../lib/manifest-bundle';
import { Prerequisite, ProvidedOutside, readinessOf } from '../lib/prerequisites';

export interface ModelsWebAppProps extends KubeflowAppProps {
  /** KServe, whose InferenceServices the web app lists and creates. */
  readonly kserve: Prerequisite<KServe>;
  /** The sign-in layer the web app is reached through (required: it trusts the `kubeflow-userid` header the gateway sets). */
  readonly access: EntraAuthentication | ProvidedOutside;
}

/**
 * KServe's models web app ("KServe Endpoints" in the dashboard,
 * `/kserve-endpoints/`) from its own release tree (`MODELS_WEB_APP`,
 * `manifests/kustomize/overlays/kubeflow`, verified by checksum at plan time)
 * with its image at the same release (`IMAGES.modelsWebApp`; the tree's base
 * still names 0.18.0): on the Kubeflow gateway, behind the same sign-in, with
 * user authorization on (the overlay replaces the base's `APP_DISABLE_AUTH`).
 * Waits for KServe. The web app acts with the signed-in user's rights, so
 * profile members get roles on KServe's resources through
 * `kubeflow-edit/view` (KServe's chart brings none).
 * @see docs/components/models-web-app.md
 */
export class ModelsWebApp extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly roles: ProfileAccessRoles;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: ModelsWebAppProps) {
    super(scope, id);
    // The same releases and ordering as the distribution's applications (kubeflowAppBundle), from another tree.
    this.bundle = new UpstreamBundle(this, 'bundle', {
      name: 'models-web-app',
      namespace: 'kubeflow',
      tree: MODELS_WEB_APP,
      paths: [MODELS_WEB_APP_PATHS.kubeflow],
      images: [{ name: IMAGES.modelsWebApp.name, newTag: IMAGES.modelsWebApp.tag }],
      patches: props.patches,
      withCrdRelease: false,
      dependsOn: [...props.namespaces.ready],
      mainDependsOn: [...readinessOf(props.certManager, props.istio), ...(props.gatewaySecured ?? []), ...readinessOf(props.kserve), ...afterSignIn(props)],
      kustomizationProvider: props.connection.kustomization,
      helmProvider: props.connection.helm,
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
