import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ClusterConnection } from '../lib/cluster-connection';
import { Istio } from '../istio/istio';
import { ObjectRelease } from '../lib/manifest-bundle';
import { Oauth2Proxy, entraIssuer } from './oauth2-proxy';
import { Prerequisite, readinessOf } from '../lib/prerequisites';

/** The header Kubeflow reads the user from. */
export const USERID_HEADER = 'kubeflow-userid';

export interface EntraAuthenticationProps {
  readonly connection: ClusterConnection;
  readonly istio: Prerequisite<Istio>;
  /**
   * The external authorizer the CUSTOM policy names. Not waited for: the
   * policies must be in force before any application route is, and a request
   * that arrives before oauth2-proxy is up is refused, not let through.
   */
  readonly oauth2Proxy: Oauth2Proxy;
  readonly tenantId: string;
  /** Application (client) id: the only accepted audience of Entra tokens. */
  readonly clientId: string;
  /** Also accept Kubernetes service-account tokens from the cluster's OIDC issuer. @default - none */
  readonly machineToMachine?: { readonly issuerUrl: string; readonly audience: string };
  /** @default 'istio-system' */
  readonly gatewayNamespace?: string;
}

/** Istio policies at the ingress gateway that make Entra ID the way in. */
export function entraAuthenticationObjects(props: Omit<EntraAuthenticationProps, 'connection' | 'istio' | 'oauth2Proxy'>): object[] {
  const namespace = props.gatewayNamespace ?? 'istio-system';
  const selector = { matchLabels: { app: 'istio-ingressgateway' } };
  const jwtRules: object[] = [{
    issuer: entraIssuer(props.tenantId),
    jwksUri: `https://login.microsoftonline.com/${props.tenantId}/discovery/v2.0/keys`,
    // Without audiences, any token of the tenant (issued to any app) would pass.
    audiences: [props.clientId],
    forwardOriginalToken: true,
    outputClaimToHeaders: [{ header: USERID_HEADER, claim: 'email' }, { header: 'kubeflow-groups', claim: 'groups' }],
  }];
  if (props.machineToMachine) {
    jwtRules.push({
      issuer: props.machineToMachine.issuerUrl,
      audiences: [props.machineToMachine.audience],
      forwardOriginalToken: true,
      outputClaimToHeaders: [{ header: USERID_HEADER, claim: 'sub' }],
    });
  }
  const outsideOauth2 = { operation: { notPaths: ['/oauth2/*'] } };
  return [
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'RequestAuthentication',
      metadata: { name: 'entra-id-jwt', namespace },
      spec: { selector, jwtRules },
    },
    {
      // Browser requests without a bearer token go through oauth2-proxy first.
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'istio-ingressgateway-oauth2-proxy', namespace },
      spec: {
        selector,
        action: 'CUSTOM',
        provider: { name: 'oauth2-proxy' },
        rules: [{ to: [outsideOauth2], when: [{ key: 'request.headers[authorization]', notValues: ['*'] }] }],
      },
    },
    {
      // Everything but the sign-in endpoints needs a token that passed RequestAuthentication.
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'istio-ingressgateway-require-jwt', namespace },
      spec: {
        selector,
        action: 'DENY',
        rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }], to: [outsideOauth2] }],
      },
    },
  ];
}

/**
 * Sign-in at the ingress gateway: oauth2-proxy as Istio external authorizer,
 * a RequestAuthentication for the Entra issuer whose `audiences` is the
 * application's client id, the `email` claim as `kubeflow-userid`, and a policy
 * that denies requests without a valid token. Optionally accepts AKS
 * service-account tokens for machine-to-machine calls.
 * @see docs/access.md
 */
export class EntraAuthentication extends Construct {
  public readonly release: ObjectRelease;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: EntraAuthenticationProps) {
    super(scope, id);
    this.release = new ObjectRelease(this, 'policies', {
      releaseName: 'entra-authentication',
      namespace: props.gatewayNamespace ?? 'istio-system',
      manifests: entraAuthenticationObjects(props),
      dependsOn: readinessOf(props.istio),
      provider: props.connection.helm,
    });
    this.ready = [this.release.release];
  }
}
