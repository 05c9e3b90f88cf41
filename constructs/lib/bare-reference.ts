import { TerraformResource } from 'cdktf';

/**
 * A resource's address as a bare reference (`kubernetes_secret_v1.name`), for
 * `lifecycle.replace_triggered_by`. cdktf writes a resource given there as
 * `${…}`, which Terraform and OpenTofu refuse in JSON syntax ("Expected the
 * start of an expression"); they take bare references only.
 */
export function bareReference(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}
