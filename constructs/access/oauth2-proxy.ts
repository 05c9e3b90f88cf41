import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { IMAGES, KUSTOMIZE_PATHS } from '../../catalog/versions';
import { ClusterConnection } from '../lib/cluster-connection';
import { ClusterSecret } from '../lib/cluster-secret';
import { GeneratedSecret } from '../lib/generated-secret';
import { Istio } from '../istio/istio';
import { UpstreamBundle } from '../lib/manifest-bundle';
import { Prerequisite, readinessOf } from '../lib/prerequisites';

/** oauth2-proxy's service account in the distribution's manifests; federated with the Entra application. */
export const OAUTH2_PROXY_SERVICE_ACCOUNT = { namespace: 'oauth2-proxy', name: 'oauth2-proxy' } as const;

/** The Secret with oauth2-proxy's cookie secret, written by the kubernetes provider. */
export const OAUTH2_PROXY_COOKIE_SECRET = 'oauth2-proxy-cookie';

/** The Entra ID v2 token issuer of a tenant. */
export function entraIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export interface Oauth2ProxyProps {
  readonly connection: ClusterConnection;
  /** Routes `/oauth2/` through the Kubeflow gateway. */
  readonly istio: Prerequisite<Istio>;
  readonly tenantId: string;
  /** Application (client) id of the Entra application. */
  readonly clientId: string;
  /** Platform hostname. */
  readonly host: string;
  /** Only members of these groups get through (`allowed_groups`). */
  readonly allowedGroupObjectIds: readonly string[];
  /** Let bearer tokens from the cluster's OIDC issuer through, for CI. @default - none */
  readonly machineToMachine?: { readonly issuerUrl: string; readonly audience: string };
  /** Session length. @default '12h' */
  readonly cookieExpire?: string;
}

/** oauth2-proxy's configuration for Entra ID: no Dex, no client secret. */
export function oauth2ProxyConfig(props: Pick<Oauth2ProxyProps, 'tenantId' | 'host' | 'allowedGroupObjectIds' | 'cookieExpire'>): string {
  const quoted = (values: readonly string[]) => `[ ${values.map((v) => JSON.stringify(v)).join(', ')} ]`;
  return [
    'provider = "entra-id"',
    `oidc_issuer_url = "${entraIssuer(props.tenantId)}"`,
    // The client secret is replaced by the pod's federated service-account token (workload identity).
    'entra_id_federated_token_auth = true',
    'scope = "openid email profile"',
    'email_domains = [ "*" ]',
    `allowed_groups = ${quoted(props.allowedGroupObjectIds)}`,
    'upstreams = [ "static://200" ]',
    'api_routes = [ "/api/", "/apis/", "^/ml_metadata" ]',
    'skip_provider_button = true',
    'set_authorization_header = true',
    'set_xauthrequest = true',
    'cookie_name = "oauth2_proxy_kubeflow"',
    'cookie_secure = true',
    'cookie_samesite = "lax"',
    `cookie_expire = "${props.cookieExpire ?? '12h'}"`,
    // Entra ID tokens last about an hour: refresh them before Istio rejects them.
    'cookie_refresh = "45m"',
    'code_challenge_method = "S256"',
    `redirect_url = "https://${props.host}/oauth2/callback"`,
    '',
  ].join('\n');
}

/**
 * oauth2-proxy from the distribution's `common/oauth2-proxy/base`, configured
 * for Microsoft Entra ID: issuer `https://login.microsoftonline.com/<tenant>/v2.0`,
 * allowed groups, secure cookies, a generated cookie secret, and workload
 * identity instead of a client secret (the upstream client-secret variable is
 * removed; the demo secret is replaced as a whole).
 * @see docs/access.md
 */
export class Oauth2Proxy extends Construct {
  public readonly namespace: NamespaceV1;
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: Oauth2ProxyProps) {
    super(scope, id);
    const ns = OAUTH2_PROXY_SERVICE_ACCOUNT.namespace;
    this.namespace = new NamespaceV1(this, 'namespace', {
      metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
      provider: props.connection.kubernetes,
    });
    const cookieSecret = new GeneratedSecret(this, 'cookie-secret', { length: 32, provider: props.connection.random });
    // The cookie secret reaches the cluster through the kubernetes provider (sensitive), not the bundle's values.
    const cookie = new ClusterSecret(this, 'cookie', {
      namespace: ns,
      name: OAUTH2_PROXY_COOKIE_SECRET,
      data: { 'cookie-secret': cookieSecret.value },
      dependsOn: [this.namespace],
      provider: props.connection.kubernetes,
    });
    const m2m = props.machineToMachine;
    this.bundle = new UpstreamBundle(this, 'bundle', {
      name: 'oauth2-proxy',
      namespace: ns,
      paths: [KUSTOMIZE_PATHS.oauth2Proxy],
      withCrdRelease: false,
      images: [{ name: IMAGES.oauth2Proxy.name, newTag: IMAGES.oauth2Proxy.tag }],
      secretGenerators: [{
        name: 'oauth2-proxy',
        namespace: ns,
        behavior: 'replace',
        type: 'Opaque',
        literals: [`client-id=${props.clientId}`],
      }],
      configMapGenerators: [
        { name: 'oauth2-proxy', namespace: ns, behavior: 'replace', literals: [`oauth2_proxy.cfg=${oauth2ProxyConfig(props)}`] },
        {
          name: 'oauth2-proxy-parameters',
          namespace: ns,
          behavior: 'merge',
          literals: [
            'FORCE_HTTPS=true',
            'ALLOW_SELF_SIGNED_ISSUER=false',
            `ENABLE_M2M_TOKENS=${m2m ? 'true' : 'false'}`,
            `EXTRA_JWT_ISSUERS=${m2m ? `${m2m.issuerUrl}=${m2m.audience}` : ''}`,
          ],
        },
      ],
      patches: [
        {
          // Fails the plan, instead of silently keeping a secret, if upstream reorders the variables.
          patch: JSON.stringify([
            { op: 'test', path: '/spec/template/spec/containers/0/env/1/name', value: 'OAUTH2_PROXY_CLIENT_SECRET' },
            { op: 'remove', path: '/spec/template/spec/containers/0/env/1' },
          ]),
          target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'oauth2-proxy' },
        },
        {
          // Runs as the federated ServiceAccount (upstream leaves it at `default`), with the workload-identity label.
          patch: JSON.stringify({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'oauth2-proxy' },
            spec: {
              template: {
                metadata: { labels: { 'azure.workload.identity/use': 'true' } },
                spec: {
                  serviceAccountName: OAUTH2_PROXY_SERVICE_ACCOUNT.name,
                  containers: [{ name: 'oauth2-proxy', env: [{ name: 'OAUTH2_PROXY_COOKIE_SECRET', valueFrom: { secretKeyRef: { name: OAUTH2_PROXY_COOKIE_SECRET, key: 'cookie-secret' } } }] }],
                },
              },
            },
          }),
          target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'oauth2-proxy' },
        },
        {
          patch: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: OAUTH2_PROXY_SERVICE_ACCOUNT.name, annotations: { 'azure.workload.identity/client-id': props.clientId, 'azure.workload.identity/tenant-id': props.tenantId } } }),
          target: { version: 'v1', kind: 'ServiceAccount', name: OAUTH2_PROXY_SERVICE_ACCOUNT.name },
        },
      ],
      dependsOn: [this.namespace, cookie.secret, ...readinessOf(props.istio)],
      kustomizationProvider: props.connection.kustomization,
      helmProvider: props.connection.helm,
    });
    this.ready = [this.bundle.main.release];
  }
}
