import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import { KubernetesServiceAccountRef, TOKEN_EXCHANGE_AUDIENCE } from './entra-application';

export interface DnsChallengeIdentityProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** The Azure DNS zone cert-manager answers DNS-01 challenges in. */
  readonly dnsZone: { readonly name: string; readonly resourceGroupName: string; readonly subscriptionId: string };
  readonly oidcIssuerUrl: string;
  /** cert-manager's controller service account. */
  readonly serviceAccount: KubernetesServiceAccountRef;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A managed identity for cert-manager's DNS-01 challenges: DNS Zone
 * Contributor on one zone only, federated with cert-manager's service account
 * (workload identity), so no credential is stored anywhere.
 * @see https://cert-manager.io/docs/configuration/acme/dns01/azuredns/
 */
export class DnsChallengeIdentity extends Construct {
  public readonly identity: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: DnsChallengeIdentityProps) {
    super(scope, id);
    const zone = props.dnsZone;
    this.identity = new UserAssignedIdentity(this, 'identity', {
      name: `id-cert-manager-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags: props.tags ?? {},
    });
    new RoleAssignment(this, 'dns-zone-contributor', {
      scope: `/subscriptions/${zone.subscriptionId}/resourceGroups/${zone.resourceGroupName}/providers/Microsoft.Network/dnszones/${zone.name}`,
      roleDefinitionName: 'DNS Zone Contributor',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    new FederatedIdentityCredential(this, 'federation', {
      name: 'cert-manager',
      resourceGroupName: props.resourceGroupName,
      parentId: this.identity.id,
      issuer: props.oidcIssuerUrl,
      subject: `system:serviceaccount:${props.serviceAccount.namespace}:${props.serviceAccount.name}`,
      audience: [TOKEN_EXCHANGE_AUDIENCE],
    });
  }
}
