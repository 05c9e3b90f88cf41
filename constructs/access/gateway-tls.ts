import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ACME_SERVERS } from '../../catalog/versions';
import { CertManager } from '../cert-manager/cert-manager';
import { ClusterConnection } from '../lib/cluster-connection';
import { ObjectRelease } from '../lib/manifest-bundle';

/** Name of the Secret that holds the gateway certificate when cert-manager issues it. */
export const GATEWAY_TLS_SECRET = 'kubeflow-gateway-tls';

export interface AcmeDnsSettings {
  readonly email: string;
  readonly server: 'production' | 'staging';
  readonly dnsZone: { readonly name: string; readonly resourceGroupName: string; readonly subscriptionId: string };
  /** Client id of cert-manager's managed identity (DNS Zone Contributor on the host's challenge record set only). */
  readonly identityClientId: string;
}

export interface GatewayTlsProps {
  readonly connection: ClusterConnection;
  readonly host: string;
  /** cert-manager installed with workload identity for Azure DNS. */
  readonly certManager: CertManager;
  readonly acme: AcmeDnsSettings;
  /** @default 'istio-system' */
  readonly gatewayNamespace?: string;
}

/** The ClusterIssuer (ACME DNS-01 in Azure DNS with workload identity) and the gateway Certificate. */
export function gatewayTlsObjects(host: string, acme: AcmeDnsSettings, namespace = 'istio-system'): object[] {
  return [
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'kubeflow-acme' },
      spec: {
        acme: {
          server: ACME_SERVERS[acme.server],
          email: acme.email,
          privateKeySecretRef: { name: 'kubeflow-acme-account' },
          solvers: [{
            dns01: {
              azureDNS: {
                hostedZoneName: acme.dnsZone.name,
                resourceGroupName: acme.dnsZone.resourceGroupName,
                subscriptionID: acme.dnsZone.subscriptionId,
                environment: 'AzurePublicCloud',
                managedIdentity: { clientID: acme.identityClientId },
              },
            },
          }],
        },
      },
    },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'kubeflow-gateway', namespace },
      spec: {
        secretName: GATEWAY_TLS_SECRET,
        dnsNames: [host],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'kubeflow-acme' },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    },
  ];
}

/**
 * A certificate for the platform's hostname from Let's Encrypt, through a
 * DNS-01 challenge in Azure DNS (works for internal gateways, which HTTP-01
 * cannot reach). cert-manager authenticates to Azure DNS with workload identity.
 * @see docs/access.md
 */
export class GatewayTls extends Construct {
  public readonly release: ObjectRelease;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: GatewayTlsProps) {
    super(scope, id);
    this.release = new ObjectRelease(this, 'issuer-and-certificate', {
      releaseName: 'kubeflow-gateway-tls',
      namespace: props.gatewayNamespace ?? 'istio-system',
      manifests: gatewayTlsObjects(props.host, props.acme, props.gatewayNamespace),
      dependsOn: [props.certManager.chart.release],
      provider: props.connection.helm,
    });
    this.ready = [this.release.release];
  }
}
