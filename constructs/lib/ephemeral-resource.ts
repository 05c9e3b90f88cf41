import { ITerraformDependable, TerraformElement, TerraformProvider, Token, dependable, ref } from 'cdktf';
import { Construct } from 'constructs';

/** An attribute value of an ephemeral block: a literal or a reference token. */
export type EphemeralAttribute = string | number | boolean;

export interface EphemeralResourceProps {
  /** The provider's ephemeral resource type, e.g. `random_password`. */
  readonly type: string;
  /**
   * Its arguments, by their Terraform (snake_case) names: the provider packages
   * carry no types for ephemeral resources, so the names are checked where it
   * counts, by the engines against the real provider schemas (docs/components/data-stores.md).
   */
  readonly attributes: Readonly<Record<string, EphemeralAttribute>>;
  /** @default - the stack's default configuration of the type's provider */
  readonly provider?: TerraformProvider;
  /** Resources that must be applied before the value is read (the read is then deferred to apply). @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * An `ephemeral` block: a value Terraform (≥ 1.10) and OpenTofu (≥ 1.11) obtain
 * for one run and never write to the plan or the state. It may be used only in
 * write-only arguments (`*_wo`), provider configurations and other ephemeral
 * blocks; an engine refuses any other use, so a misuse fails `npm run engine:check`.
 *
 * Why a hand-written element: cdktf 0.21 (the last release) predates ephemeral
 * resources and has no class for them, and the prebuilt provider packages have
 * no bindings. This element writes the block the way cdktf writes a resource
 * (logical id, `//` metadata with the construct path, `provider`, `depends_on`)
 * and hands out references, so the stack resolves it like any other element.
 */
export class EphemeralResource extends TerraformElement {
  public readonly type: string;
  private readonly props: EphemeralResourceProps;

  constructor(scope: Construct, id: string, props: EphemeralResourceProps) {
    super(scope, id, `ephemeral.${props.type}`);
    if (!/^[a-z][a-z0-9_]*$/.test(props.type)) throw new Error(`EphemeralResource ${this.node.path}: type "${props.type}" is not a resource type name (accepted: lower case, digits and "_", e.g. "random_password")`);
    this.type = props.type;
    this.props = props;
  }

  /** Reference to an attribute of the value (`${ephemeral.<type>.<name>.<attribute>}`): for write-only arguments only. */
  attribute(name: string): string {
    return Token.asString(ref(`ephemeral.${this.type}.${this.friendlyUniqueId}.${name}`, this.cdktfStack));
  }

  override toTerraform(): Record<string, unknown> {
    const { provider, dependsOn } = this.props;
    return {
      ephemeral: {
        [this.type]: {
          [this.friendlyUniqueId]: {
            ...this.props.attributes,
            ...(provider ? { provider: provider.fqn } : {}),
            ...(dependsOn && dependsOn.length > 0 ? { depends_on: dependsOn.map((d) => dependable(d)) } : {}),
            '//': this.constructNodeMetadata,
          },
        },
      },
    };
  }
}
