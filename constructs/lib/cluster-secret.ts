import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { OverlayPatch } from './kustomize/kustomization-overlay';

export interface ClusterSecretProps {
  readonly namespace: string;
  readonly name: string;
  /** Keys and values: Terraform references to generated values, never literals. */
  readonly data: Readonly<Record<string, string>>;
  /** @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
  readonly provider?: TerraformProvider;
}

/**
 * A Secret written by the kubernetes provider, which marks its data sensitive:
 * generated credentials never travel through Helm values (which a plan prints
 * and Helm's release record keeps). Replaces an upstream demo Secret of the
 * same name, which the bundle drops (`dropObjectPatch`).
 */
export class ClusterSecret extends Construct {
  public readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: ClusterSecretProps) {
    super(scope, id);
    this.secret = new SecretV1(this, 'secret', {
      metadata: { name: props.name, namespace: props.namespace },
      type: 'Opaque',
      data: { ...props.data },
      dependsOn: [...(props.dependsOn ?? [])],
      provider: props.provider,
    });
  }
}

/** A kustomize patch that removes one object from the rendered upstream manifests. */
export function dropObjectPatch(version: string, kind: string, name: string): OverlayPatch {
  return {
    patch: JSON.stringify({ $patch: 'delete', apiVersion: version, kind, metadata: { name } }),
    target: { version: version.includes('/') ? version.split('/')[1] : version, kind, name },
  };
}
