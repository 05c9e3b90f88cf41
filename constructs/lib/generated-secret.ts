import { Password } from '@cdktf/provider-random/lib/password';
import { Fn, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

export interface GeneratedSecretProps {
  /** Characters. @default 32 */
  readonly length?: number;
  readonly provider?: TerraformProvider;
}

/**
 * A random credential made at apply time. Only a reference to it appears in
 * the synthesized configuration; the value lives in the (encrypted, access
 * controlled) Terraform state and the cluster. Letters and digits only, so it
 * is safe inside YAML, JSON, URLs and shell without quoting.
 */
export class GeneratedSecret extends Construct {
  private readonly password: Password;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps = {}) {
    super(scope, id);
    this.password = new Password(this, 'value', {
      length: props.length ?? 32,
      special: false,
      minUpper: 2,
      minLower: 2,
      minNumeric: 2,
      provider: props.provider,
    });
  }

  /** Reference to the value (a Terraform expression, never the value itself). */
  get value(): string {
    return this.password.result;
  }

  /** Reference to the base64 of the value, for a Secret's `data`. */
  get base64(): string {
    return Fn.base64encode(this.password.result);
  }
}
