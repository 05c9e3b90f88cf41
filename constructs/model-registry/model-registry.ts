import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../../catalog/versions';
import { ClusterSecret, dropObjectPatch } from '../lib/cluster-secret';
import { EntraAuthentication } from '../access/entra-authentication';
import { GeneratedSecret } from '../lib/generated-secret';
import { KubeflowAppProps, afterSignIn, kubeflowAppBundle } from '../lib/kubeflow-app';
import { UpstreamBundle } from '../lib/manifest-bundle';
import { ProvidedOutside } from '../lib/prerequisites';
import { StoreVolumes } from '../stores/store-volumes';

/** The Secret the registry server and its PostgreSQL read their credentials from (upstream's name). */
export const MODEL_REGISTRY_DB_SECRET = 'model-registry-db-secrets';
/** The database's volume (upstream's name), kept when the component is turned off. */
export const MODEL_REGISTRY_DB_VOLUME = 'metadata-postgres';
/** PostgreSQL role the registry connects as (upstream's demo uses `root`). */
export const MODEL_REGISTRY_DB_USER = 'modelregistry';

export interface ModelRegistryProps extends KubeflowAppProps {
  /** Where its store's volumes live: the kept StorageClass (required: a store's claims must outlive the release). */
  readonly storeVolumes: StoreVolumes;
  /** The sign-in layer the registry's UI and REST API are reached through (required: the gateway is their only way in). */
  readonly access: EntraAuthentication | ProvidedOutside;
}

/**
 * Kubeflow Model Registry (the `hub` application): the registry server with
 * its in-cluster PostgreSQL, its Istio routing (`/api/model_registry/`) and the
 * UI in Kubeflow mode (`/model-registry/`), from the distribution's
 * `applications/hub` overlays at the pinned release, as one registry shared by
 * every profile in the `kubeflow` namespace. The demo database credentials
 * (`root`/`test`) are replaced by a generated password in a Secret the
 * kubernetes provider writes (never in Helm values); the database's volume
 * survives turning the component off. The model catalog is not
 * installed (its overlay in the distribution is demo content).
 * @see docs/components/model-registry.md
 */
export class ModelRegistry extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    const password = new GeneratedSecret(this, 'db-password', { provider: props.connection.random });
    // The password reaches the cluster through the kubernetes provider (sensitive), not the bundle's values.
    const secret = new ClusterSecret(this, 'db-secret', {
      namespace: 'kubeflow',
      name: MODEL_REGISTRY_DB_SECRET,
      data: { POSTGRES_USER: MODEL_REGISTRY_DB_USER, POSTGRES_PASSWORD: password.value },
      dependsOn: props.namespaces.ready,
      provider: props.connection.kubernetes,
    });
    this.bundle = kubeflowAppBundle(this, props, 'model-registry', KUSTOMIZE_PATHS.modelRegistryServer, [
      // Turning the registry off does not delete what it recorded: its volume is a store volume (props.storeVolumes).
      dropObjectPatch('v1', 'Secret', MODEL_REGISTRY_DB_SECRET),
    ], {
      extraPaths: [KUSTOMIZE_PATHS.modelRegistryIstio, KUSTOMIZE_PATHS.modelRegistryUi],
      withCrdRelease: false,
      mainDependsOn: [secret.secret, ...afterSignIn(props)],
    });
    this.ready = [this.bundle.main.release];
  }
}
