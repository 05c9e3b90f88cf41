import { existsSync } from 'fs';
import { dirname, join } from 'path';
import { Release } from '@cdktf/provider-helm/lib/release';
import { AssetType, ITerraformDependable, TerraformAsset, TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { distributionPrecondition, treePrecondition, treeResourcePath } from './upstream';
import { KUBEFLOW_DISTRIBUTION, TreePin } from '../../catalog/versions';
import { DataKustomizationOverlay, OverlayGenerator, OverlayImage, OverlayPatch } from './kustomize/kustomization-overlay';

const CHART_ASSET_ID = 'manifest-bundle-chart';

/** Finds `charts/manifest-bundle` from the source tree or the esbuild bundle in `dist/`. */
function chartDirectory(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'charts', 'manifest-bundle');
    if (existsSync(join(candidate, 'Chart.yaml'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`charts/manifest-bundle not found above ${__dirname}`);
    dir = parent;
  }
}

/** The bundle chart, copied once into each stack's output so Terraform finds it next to the stack. */
function bundleChartPath(scope: Construct): string {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(CHART_ASSET_ID) as TerraformAsset | undefined;
  const asset = existing ?? new TerraformAsset(stack, CHART_ASSET_ID, { path: chartDirectory(), type: AssetType.DIRECTORY });
  return `./${asset.path}`;
}

/** The annotation that exempts a webhook configuration from the AKS admissions enforcer. */
export const ADMISSIONS_ENFORCER_ANNOTATION = 'admissions.enforcer/disabled';

/**
 * A kustomize patch that annotates a webhook configuration with
 * `admissions.enforcer/disabled: "true"`. AKS otherwise adds a
 * `control-plane DoesNotExist` selector, and the `kubeflow` namespace (labelled
 * `control-plane: kubeflow`) silently escapes the webhook.
 */
export function admissionsEnforcerPatch(kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration', name: string): OverlayPatch {
  return {
    patch: JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name, annotations: { [ADMISSIONS_ENFORCER_ANNOTATION]: 'true' } } }),
    target: { group: 'admissionregistration.k8s.io', kind, name },
  };
}

/** Helm's annotation that keeps an object when its release is uninstalled. */
export const KEEP_ON_UNINSTALL = { 'helm.sh/resource-policy': 'keep' } as const;

/**
 * Keeps every CRD when its release is uninstalled: uninstalling a CRD deletes
 * every custom resource of its kind (every Experiment, every Pipeline run),
 * so turning a component off must not do it.
 */
const KEEP_CRDS: OverlayPatch = {
  patch: JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'any', annotations: KEEP_ON_UNINSTALL } }),
  target: { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
};

/** Drops every Namespace object: namespaces are created once, by `KubeflowNamespaces`. */
const DROP_NAMESPACES: OverlayPatch = {
  patch: JSON.stringify({ $patch: 'delete', apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'any' } }),
  target: { kind: 'Namespace' },
};

export interface ObjectReleaseProps {
  readonly releaseName: string;
  readonly namespace: string;
  /** A Terraform expression (`${...}`) for the list of manifests, or literal objects. */
  readonly manifests: string | readonly object[];
  /** @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
  readonly provider?: TerraformProvider;
}

/** A Helm release of the bundle chart: installs the given objects as they are. */
export class ObjectRelease extends Construct {
  public readonly release: Release;

  constructor(scope: Construct, id: string, props: ObjectReleaseProps) {
    super(scope, id);
    const values = typeof props.manifests === 'string'
      ? props.manifests
      : JSON.stringify({ manifests: props.manifests.map((o) => JSON.stringify(o)) });
    this.release = new Release(this, 'release', {
      name: props.releaseName,
      namespace: props.namespace,
      chart: bundleChartPath(this),
      createNamespace: true,
      values: [values],
      atomic: true,
      wait: true,
      timeout: 600,
      dependsOn: [...(props.dependsOn ?? [])],
      provider: props.provider,
    });
  }
}

export interface UpstreamBundleProps {
  /** Release name prefix: `<name>-crds` and `<name>`. */
  readonly name: string;
  /** Namespace the Helm releases are recorded in. */
  readonly namespace: string;
  /** Paths inside `tree`, rendered at the catalog's pin. */
  readonly paths: readonly string[];
  /**
   * The verified upstream tree the paths are in.
   * @default KUBEFLOW_DISTRIBUTION
   */
  readonly tree?: TreePin;
  /**
   * Other verified trees the tree's kustomizations reference (`prepare` rewrote
   * their remote references to local paths): each is checked at plan time too.
   * @default []
   */
  readonly referencedTrees?: readonly TreePin[];
  /** Image overrides. @default [] */
  readonly images?: readonly OverlayImage[];
  /** Our patches (secrets, admissions enforcer). @default [] */
  readonly patches?: readonly OverlayPatch[];
  /** ConfigMap generators merged into the base's. @default [] */
  readonly configMapGenerators?: readonly OverlayGenerator[];
  /** Secret generators merged into the base's (replacing demo credentials). @default [] */
  readonly secretGenerators?: readonly OverlayGenerator[];
  /**
   * Split CRDs into a `<name>-crds` release. Turn off for paths that bring no CRD.
   * @default true
   */
  readonly withCrdRelease?: boolean;
  /**
   * Keep the CRDs (and with them every custom resource) when the release is
   * uninstalled, e.g. when the component is turned off. Turn off only to
   * remove a component together with all its data.
   * @default true
   */
  readonly keepCrdsOnUninstall?: boolean;
  /** What the CRD release waits for. @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** What only the main release waits for (controllers that admit its objects). @default [] */
  readonly mainDependsOn?: readonly ITerraformDependable[];
  readonly kustomizationProvider?: TerraformProvider;
  readonly helmProvider?: TerraformProvider;
}

/**
 * An upstream Kubeflow component with no published chart: its kustomize
 * directory at the pinned release, rendered at plan time with our patches, and
 * installed as two releases of the bundle chart: `<name>-crds` (CRDs) and
 * `<name>` (everything else, webhooks last), because Helm cannot install a
 * custom resource in the release that brings its CRD.
 */
export class UpstreamBundle extends Construct {
  public readonly overlay: DataKustomizationOverlay;
  /** The CRD release, when `withCrdRelease`. */
  public readonly crds?: ObjectRelease;
  public readonly main: ObjectRelease;

  constructor(scope: Construct, id: string, props: UpstreamBundleProps) {
    super(scope, id);
    const tree = props.tree ?? KUBEFLOW_DISTRIBUTION;
    this.overlay = new DataKustomizationOverlay(this, 'overlay', {
      resources: props.paths.map((path) => treeResourcePath(tree, path)),
      preconditions: [tree === KUBEFLOW_DISTRIBUTION ? distributionPrecondition() : treePrecondition(tree), ...(props.referencedTrees ?? []).map((t) => treePrecondition(t))],
      images: props.images,
      patches: [DROP_NAMESPACES, ...(props.keepCrdsOnUninstall ?? true ? [KEEP_CRDS] : []), ...(props.patches ?? [])],
      configMapGenerators: props.configMapGenerators,
      secretGenerators: props.secretGenerators,
      provider: props.kustomizationProvider,
    });
    const manifests = this.overlay.manifestsExpression();
    const prio = (n: 0 | 1 | 2) => `tolist(${this.overlay.idsPrioExpression(n)})`;
    const split = props.withCrdRelease ?? true;
    if (split) {
      this.crds = new ObjectRelease(this, 'crds', {
        releaseName: `${props.name}-crds`,
        namespace: props.namespace,
        manifests: `\${yamlencode({ manifests = [for id in ${prio(0)} : ${manifests}[id]] })}`,
        dependsOn: props.dependsOn,
        provider: props.helmProvider,
      });
    }
    const ids = split ? `concat(${prio(1)}, ${prio(2)})` : `concat(${prio(0)}, ${prio(1)}, ${prio(2)})`;
    this.main = new ObjectRelease(this, 'main', {
      releaseName: props.name,
      namespace: props.namespace,
      manifests: `\${yamlencode({ manifests = [for id in ${ids} : ${manifests}[id]] })}`,
      dependsOn: [...(this.crds ? [this.crds.release] : props.dependsOn ?? []), ...(props.mainDependsOn ?? [])],
      provider: props.helmProvider,
    });
  }
}
