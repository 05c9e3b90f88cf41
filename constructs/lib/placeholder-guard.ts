import { DataResource, Fn, Op, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';

export interface PlaceholderGuardProps {
  /** The environment, for the message. */
  readonly environment: string;
  /** What still needs replacing, one `setting: value` each. Empty: no guard. */
  readonly placeholders: readonly string[];
}

/**
 * Stops every plan (so `cdktf diff` and `cdktf deploy`) of a stack whose
 * environment still holds sample values, before any change, with the list of
 * what to replace. Synth is untouched: the cdktf app runs the same way for
 * synth, diff and deploy, but only diff and deploy run `terraform plan`, which
 * evaluates this precondition.
 *
 * The condition reads the list from a local value: Terraform and OpenTofu
 * refuse, at `init`, a condition that refers to nothing (`${false}`).
 */
export class PlaceholderGuard extends Construct {
  public readonly guard?: DataResource;

  constructor(scope: Construct, id: string, props: PlaceholderGuardProps) {
    super(scope, id);
    if (props.placeholders.length === 0) return;
    const list = new TerraformLocal(this, 'placeholders', [...props.placeholders]);
    this.guard = new DataResource(this, 'guard', {
      input: { placeholders: list.expression },
      lifecycle: {
        precondition: [{
          // Op.eq(…, 0) renders the literal 0 as "undefined" in cdktf 0.21, hence `< 1`.
          condition: Op.lt(Fn.lengthOf(list.asList), 1),
          errorMessage: `Environment "${props.environment}" still holds sample values; replace them in environments/${props.environment}.ts before deploying:\n${props.placeholders.map((p) => `- ${p}`).join('\n')}`,
        }],
      },
    });
  }
}
