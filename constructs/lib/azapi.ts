import { TerraformProvider, TerraformResource, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { PROVIDERS } from '../../catalog/versions';

const METADATA = { providerName: 'azapi', providerVersion: PROVIDERS.azapi.version };

/**
 * Typed binding for the `Azure/azapi` provider (no prebuilt cdktf package exists).
 * It signs in as azurerm does (the same `ARM_*` variables: OIDC in the workflows,
 * the Azure CLI on a laptop), so it needs no configuration of its own.
 * @see https://registry.terraform.io/providers/Azure/azapi/latest/docs
 */
export class AzapiProvider extends TerraformProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, { terraformResourceType: 'azapi', terraformGeneratorMetadata: METADATA, terraformProviderSource: PROVIDERS.azapi.source });
  }

  /** The stack's azapi provider, created on first use. */
  public static of(scope: Construct): AzapiProvider {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild('azapi');
    return existing instanceof AzapiProvider ? existing : new AzapiProvider(stack, 'azapi');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}

export interface AzapiResourceConfig {
  /** `<resource type>@<api version>`: checked against azapi's embedded API schema at validate and plan. */
  readonly type: string;
  readonly name: string;
  /** Id of the parent resource (a resource group, or the resource this one belongs to). */
  readonly parentId: string;
  /** The resource's ARM body (`properties` and whatever else the API takes); checked against the same schema. */
  readonly body: Record<string, unknown>;
  readonly dependsOn?: TerraformResource[];
  /** @default false */
  readonly preventDestroy?: boolean;
}

/**
 * Typed binding for `azapi_resource`: one ARM resource, created with PUT and
 * read back with GET. In azapi v2.12.0, `type`'s resource type, `name` and
 * `parent_id` force a new resource; `body` updates in place
 * (internal/services/azapi_resource.go).
 */
export class AzapiResource extends TerraformResource {
  private readonly config: AzapiResourceConfig;

  constructor(scope: Construct, id: string, config: AzapiResourceConfig) {
    super(scope, id, {
      terraformResourceType: 'azapi_resource',
      terraformGeneratorMetadata: METADATA,
      provider: AzapiProvider.of(scope),
      dependsOn: config.dependsOn,
      lifecycle: config.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.config = config;
  }

  /** The resource's ARM id. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return { type: c.type, name: c.name, parent_id: c.parentId, body: c.body };
  }
}
