import { DnsTxtRecord } from '@cdktf/provider-azurerm/lib/dns-txt-record';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import { KubernetesServiceAccountRef, TOKEN_EXCHANGE_AUDIENCE } from './entra-application';

export interface DnsChallengeIdentityProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** The Azure DNS zone cert-manager answers DNS-01 challenges in (it may sit in another subscription). */
  readonly dnsZone: { readonly name: string; readonly resourceGroupName: string; readonly subscriptionId: string };
  /** The hostname the certificate is for: the only name whose challenge record the identity may change. */
  readonly host: string;
  readonly oidcIssuerUrl: string;
  /** cert-manager's controller service account. */
  readonly serviceAccount: KubernetesServiceAccountRef;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** The value the challenge record set keeps between challenges, so that it is never empty (and never deleted). */
export const CHALLENGE_RECORD_PLACEHOLDER = 'kept by cdktf: cert-manager adds its DNS-01 tokens next to this value';

/** Name of the DNS-01 challenge record of `host`, relative to the zone (`_acme-challenge.kubeflow.dev` in `example.com`). */
export function challengeRecordName(host: string, zone: string): string {
  if (host === zone) return '_acme-challenge';
  if (!host.endsWith(`.${zone}`)) throw new Error(`host ${host} is not inside the DNS zone ${zone}`);
  return `_acme-challenge.${host.slice(0, -(zone.length + 1))}`;
}

/**
 * A managed identity for cert-manager's DNS-01 challenges that can change one
 * record set only: `_acme-challenge.<host>` (TXT) in the shared zone. This
 * construct creates that record set (with a placeholder value, so cert-manager,
 * which deletes a TXT record set when it removes the last value, never deletes
 * it) and gives the identity DNS Zone Contributor on the record set, not on the
 * zone: a compromised cluster can then obtain certificates for its own host
 * only, and change no other record (another environment's, the apex, MX…).
 * Federated with cert-manager's service account (workload identity), so no
 * credential is stored anywhere. Why a record-set scope rather than a delegated
 * child zone per environment: docs/components/cert-manager.md.
 * @see https://learn.microsoft.com/azure/dns/dns-protect-zones-recordsets
 * @see https://cert-manager.io/docs/configuration/acme/dns01/azuredns/
 */
export class DnsChallengeIdentity extends Construct {
  public readonly identity: UserAssignedIdentity;
  /** The challenge record set, the identity's whole scope. */
  public readonly challengeRecord: DnsTxtRecord;

  constructor(scope: Construct, id: string, props: DnsChallengeIdentityProps) {
    super(scope, id);
    const zone = props.dnsZone;
    this.identity = new UserAssignedIdentity(this, 'identity', {
      name: `id-cert-manager-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags: props.tags ?? {},
    });
    // The zone may live in another subscription (a shared DNS subscription): its resources go
    // through a provider configured for it, which registers no resource providers there.
    const dnsProvider = new AzurermProvider(this, 'dns-zone-subscription', {
      alias: 'dns_zone',
      subscriptionId: zone.subscriptionId,
      resourceProviderRegistrations: 'none',
      features: [{}],
    });
    this.challengeRecord = new DnsTxtRecord(this, 'challenge-record', {
      provider: dnsProvider,
      name: challengeRecordName(props.host, zone.name),
      zoneName: zone.name,
      resourceGroupName: zone.resourceGroupName,
      ttl: 60,
      record: [{ value: CHALLENGE_RECORD_PLACEHOLDER }],
      tags: props.tags ?? {},
      // cert-manager adds and removes its tokens during a challenge: they are not drift.
      lifecycle: { ignoreChanges: ['record'] },
    });
    new RoleAssignment(this, 'challenge-record-contributor', {
      provider: dnsProvider,
      scope: this.challengeRecord.id,
      roleDefinitionName: 'DNS Zone Contributor',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
      description: `cert-manager of ${props.environment}: DNS-01 challenges for ${props.host} only`,
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
