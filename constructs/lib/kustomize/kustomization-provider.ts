import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { PROVIDERS } from '../../../catalog/versions';

export interface KustomizationProviderConfig {
  /**
   * A kubeconfig as YAML. Its user may be an `exec` entry (kubelogin): the
   * provider has no `exec` block of its own.
   */
  readonly kubeconfigRaw: string;
  /** @default - the provider's only configuration */
  readonly alias?: string;
}

/**
 * Typed binding for the `kbst/kustomization` provider (no prebuilt cdktf package
 * exists). Only the attributes this project uses.
 * @see https://registry.terraform.io/providers/kbst/kustomization/latest/docs
 */
export class KustomizationProvider extends TerraformProvider {
  private readonly config: KustomizationProviderConfig;

  constructor(scope: Construct, id: string, config: KustomizationProviderConfig) {
    super(scope, id, {
      terraformResourceType: 'kustomization',
      terraformGeneratorMetadata: { providerName: 'kustomization', providerVersion: PROVIDERS.kustomization.version },
      terraformProviderSource: PROVIDERS.kustomization.source,
    });
    this.config = config;
    this.alias = config.alias;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { kubeconfig_raw: this.config.kubeconfigRaw, alias: this.alias };
  }
}
