import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { TreePin } from '../../catalog/versions';
import { ClusterConnection } from './cluster-connection';
import { KubeflowNamespaces } from './kubeflow-namespaces';
import { OverlayGenerator, OverlayPatch } from './kustomize/kustomization-overlay';
import { UpstreamBundle } from './manifest-bundle';
import type { FeatureContext } from './feature';
import { Dependable, Prerequisite, readinessOf } from './prerequisites';

/** Where an application's claims go: a StorageClass that keeps them (`constructs/stores`). */
export interface ClaimStore extends Dependable {
  /** The kustomize patch that puts every PersistentVolumeClaim of the overlay on the class. */
  claimPatch(): OverlayPatch;
}

/** Props of a Kubeflow application delivered from the distribution's kustomize (Katib, Pipelines). */
export interface KubeflowAppProps {
  readonly connection: ClusterConnection;
  /** The `kubeflow` namespace, created once. */
  readonly namespaces: KubeflowNamespaces;
  /** Issues the application's webhook certificates. */
  readonly certManager: Prerequisite<Dependable>;
  /** Sidecars, routing and authorization policies. */
  readonly istio: Prerequisite<Dependable>;
  /** Extra kustomize patches, applied after ours. @default [] */
  readonly patches?: readonly OverlayPatch[];
  /**
   * Sign-in policies at the gateway: the application's routes are published
   * only after them, so they are never reachable unauthenticated.
   * @default [] (no access layer)
   */
  readonly gatewaySecured?: readonly ITerraformDependable[];
  /**
   * The store volumes' StorageClass: every PersistentVolumeClaim of the application uses it
   * and is kept on uninstall. Stores (Pipelines, Katib, Model Registry) require it.
   * @default - claims are left as upstream writes them (applications without a store)
   */
  readonly storeVolumes?: ClaimStore;
}

/**
 * The `<name>-crds` and `<name>` releases of a Kubeflow application in the
 * `kubeflow` namespace: CRDs after the namespace, the rest after cert-manager
 * and Istio are ready.
 */
export function kubeflowAppBundle(
  scope: Construct,
  props: KubeflowAppProps,
  name: string,
  path: string,
  patches: readonly OverlayPatch[],
  extra: {
    readonly configMapGenerators?: readonly OverlayGenerator[];
    readonly mainDependsOn?: readonly ITerraformDependable[];
    readonly extraPaths?: readonly string[];
    /** The tree `path` is in, and trees it references. @default the distribution */
    readonly tree?: TreePin;
    readonly referencedTrees?: readonly TreePin[];
    /** Paths that bring no CRD need no `<name>-crds` release. @default true */
    readonly withCrdRelease?: boolean;
  } = {},
): UpstreamBundle {
  return new UpstreamBundle(scope, 'bundle', {
    name,
    namespace: 'kubeflow',
    paths: [path, ...(extra.extraPaths ?? [])],
    tree: extra.tree,
    referencedTrees: extra.referencedTrees,
    patches: [...patches, ...(props.storeVolumes ? [props.storeVolumes.claimPatch()] : []), ...(props.patches ?? [])],
    configMapGenerators: extra.configMapGenerators,
    withCrdRelease: extra.withCrdRelease,
    dependsOn: [...props.namespaces.ready],
    mainDependsOn: [...readinessOf(props.certManager, props.istio), ...(props.gatewaySecured ?? []), ...(props.storeVolumes?.ready ?? []), ...(extra.mainDependsOn ?? [])],
    kustomizationProvider: props.connection.kustomization,
    helmProvider: props.connection.helm,
  });
}

/**
 * What a signed-in web app waits for besides `gatewaySecured`: its access
 * prerequisite, without repeating a dependency already listed.
 */
export function afterSignIn(props: KubeflowAppProps & { readonly access: Prerequisite<{ readonly ready: readonly ITerraformDependable[] }> }): ITerraformDependable[] {
  const secured = props.gatewaySecured ?? [];
  return readinessOf(props.access).filter((d) => !secured.includes(d));
}

/**
 * The props every Kubeflow application feature shares, read from the release
 * graph: such a feature lists `namespaces`, `cert-manager`, `istio` and
 * `access` in its `after`.
 */
export function kubeflowAppProps(ctx: FeatureContext): KubeflowAppProps {
  return {
    connection: ctx.connection,
    namespaces: ctx.need('namespaces'),
    certManager: ctx.prerequisite('cert-manager'),
    istio: ctx.prerequisite('istio'),
    gatewaySecured: ctx.installed('access')?.authentication.ready ?? [],
  };
}
