import { Precondition, TerraformDataSource, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { PROVIDERS } from '../../../catalog/versions';

export interface OverlayImage {
  /** Image name as it appears in the manifests. */
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

export interface OverlayPatchTarget {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

export interface OverlayPatch {
  /** A strategic-merge patch (YAML) or a JSON 6902 patch (YAML list); may contain Terraform references. */
  readonly patch: string;
  readonly target?: OverlayPatchTarget;
}

export interface OverlayGenerator {
  /** Name as the base declares it (before any prefix or hash suffix). */
  readonly name: string;
  readonly namespace?: string;
  /** `merge` into (or `replace`) a generator of the base, or `create` a new one. @default 'create' */
  readonly behavior?: 'create' | 'merge' | 'replace';
  /** `key=value` entries; values may be Terraform references. */
  readonly literals: readonly string[];
  /** Secret type (secret generators only). */
  readonly type?: string;
}

export interface KustomizationOverlayConfig {
  /** Kustomize resources: paths in a verified local upstream tree, relative to the stack folder. */
  readonly resources: readonly string[];
  /**
   * Checked before kustomize runs, one per tree the overlay reads (the tree of
   * `resources` and any tree its kustomizations reference): a missing or
   * unverified tree fails with a clear message. @default []
   */
  readonly preconditions?: readonly Precondition[];
  /** @default [] */
  readonly images?: readonly OverlayImage[];
  /** @default [] */
  readonly patches?: readonly OverlayPatch[];
  /** ConfigMap generators, e.g. to merge keys into a base's generated ConfigMap. @default [] */
  readonly configMapGenerators?: readonly OverlayGenerator[];
  /** Secret generators, e.g. to replace a base's demo credentials. @default [] */
  readonly secretGenerators?: readonly OverlayGenerator[];
  /** Annotations added to every object. @default {} */
  readonly commonAnnotations?: Readonly<Record<string, string>>;
  readonly provider?: TerraformProvider;
}

/**
 * Typed binding for the `kustomization_overlay` data source: runs
 * `kustomize build` at plan time. Outputs are read through Terraform
 * expressions (`idsPrio`, `manifests`).
 */
export class DataKustomizationOverlay extends TerraformDataSource {
  private readonly config: KustomizationOverlayConfig;

  constructor(scope: Construct, id: string, config: KustomizationOverlayConfig) {
    super(scope, id, {
      terraformResourceType: 'kustomization_overlay',
      terraformGeneratorMetadata: { providerName: 'kustomization', providerVersion: PROVIDERS.kustomization.version },
      provider: config.provider,
      lifecycle: config.preconditions?.length ? { precondition: [...config.preconditions] } : undefined,
    });
    this.config = config;
  }

  /** `ids_prio[n]`: 0 = namespaces and CRDs, 1 = most objects, 2 = webhooks. */
  public idsPrioExpression(priority: 0 | 1 | 2): string {
    return `${this.terraformAddress()}.ids_prio[${priority}]`;
  }

  /** `manifests`: map of id to the rendered object as JSON. */
  public manifestsExpression(): string {
    return `${this.terraformAddress()}.manifests`;
  }

  private terraformAddress(): string {
    return `data.${this.terraformResourceType}.${this.friendlyUniqueId}`;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      resources: [...c.resources],
      images: (c.images ?? []).map((i) => ({ name: i.name, new_name: i.newName, new_tag: i.newTag, digest: i.digest })),
      patches: (c.patches ?? []).map((p) => ({
        patch: p.patch,
        target: p.target
          ? {
            group: p.target.group,
            version: p.target.version,
            kind: p.target.kind,
            name: p.target.name,
            namespace: p.target.namespace,
            label_selector: p.target.labelSelector,
            annotation_selector: p.target.annotationSelector,
          }
          : undefined,
      })),
      config_map_generator: c.configMapGenerators?.length
        ? c.configMapGenerators.map((g) => ({ name: g.name, namespace: g.namespace, behavior: g.behavior, literals: [...g.literals] }))
        : undefined,
      secret_generator: c.secretGenerators?.length
        ? c.secretGenerators.map((g) => ({ name: g.name, namespace: g.namespace, behavior: g.behavior, type: g.type, literals: [...g.literals] }))
        : undefined,
      common_annotations: c.commonAnnotations && Object.keys(c.commonAnnotations).length > 0 ? { ...c.commonAnnotations } : undefined,
    };
  }
}
