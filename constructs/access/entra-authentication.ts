import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ClusterConnection } from '../lib/cluster-connection';
import { Istio } from '../istio/istio';
import { ObjectRelease } from '../lib/manifest-bundle';
import { Oauth2Proxy, entraIssuer } from './oauth2-proxy';
import { Prerequisite, readinessOf } from '../lib/prerequisites';

/** The header Kubeflow reads the user from. */
export const USERID_HEADER = 'kubeflow-userid';

/** The header Kubeflow reads the user's groups from. */
export const GROUPS_HEADER = 'kubeflow-groups';

/**
 * The Entra ID claim user identity is keyed on: `email`, configured as an
 * optional claim of the application's ID and access tokens
 * (constructs/access/entra-application.ts). Entra omits it for a user without
 * a mail attribute, so a token without it is refused at the gateway rather
 * than let through with whatever `kubeflow-userid` the client sent. Its value
 * is lowercased before it leaves the gateway (Entra keeps the case the
 * directory has), and profile owners and contributors are lowercased too.
 * @see docs/security.md#tenant-isolation
 */
export const IDENTITY_CLAIM = 'email';

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
    outputClaimToHeaders: [{ header: USERID_HEADER, claim: IDENTITY_CLAIM }, { header: GROUPS_HEADER, claim: 'groups' }],
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
      // A valid Entra token without the identity claim is refused: it would carry no (or the client's) kubeflow-userid.
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'istio-ingressgateway-require-identity-claim', namespace },
      spec: {
        selector,
        action: 'DENY',
        rules: [{ from: [{ source: { requestPrincipals: [`${entraIssuer(props.tenantId)}/*`] } }], when: [{ key: `request.auth.claims[${IDENTITY_CLAIM}]`, notValues: ['*'] }] }],
      },
    },
    userHeaderFilter(namespace),
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
 * Two Lua filters on the ingress gateway (an EnvoyFilter: Istio's typed API has
 * no way to remove a request header before authentication). The first, inserted
 * before every other HTTP filter, removes any `kubeflow-userid` and
 * `kubeflow-groups` the client sent, so the only value that can reach a
 * workload is the one RequestAuthentication copies from a verified token. The
 * second, just before the router (after authentication), lowercases the user id
 * so that Entra's mixed-case mail values match the lowercased profile owners.
 */
export function userHeaderFilter(namespace: string): object {
  const lua = (code: string) => ({
    name: 'envoy.filters.http.lua',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', default_source_code: { inline_string: code } },
  });
  const listener = { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } };
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: 'istio-ingressgateway-user-headers', namespace },
    spec: {
      workloadSelector: { labels: { app: 'istio-ingressgateway' } },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: listener,
          patch: { operation: 'INSERT_FIRST', value: lua(`function envoy_on_request(handle)\n  handle:headers():remove("${USERID_HEADER}")\n  handle:headers():remove("${GROUPS_HEADER}")\nend\n`) },
        },
        {
          applyTo: 'HTTP_FILTER',
          match: { ...listener, listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
          patch: { operation: 'INSERT_BEFORE', value: lua(`function envoy_on_request(handle)\n  local user = handle:headers():get("${USERID_HEADER}")\n  if user ~= nil then handle:headers():replace("${USERID_HEADER}", string.lower(user)) end\nend\n`) },
        },
      ],
    },
  };
}

/**
 * Sign-in at the ingress gateway: oauth2-proxy as Istio external authorizer,
 * a RequestAuthentication for the Entra issuer whose `audiences` is the
 * application's client id, the `email` claim as `kubeflow-userid` (a token
 * without it refused; the client's own `kubeflow-userid` removed first), and a
 * policy that denies requests without a valid token. Optionally accepts AKS
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
