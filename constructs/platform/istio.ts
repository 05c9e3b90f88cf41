import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { PLATFORM_NODE_SELECTOR } from '../cluster/gpu-scheduling';
import { CHARTS, KUSTOMIZE_PATHS } from '../versions';
import { ChartRelease } from './chart-release';
import { ClusterConnection } from './cluster-connection';
import { KubeflowNamespaces } from './kubeflow-namespaces';
import { OverlayPatch } from './kustomize/kustomization-overlay';
import { ADMISSIONS_ENFORCER_ANNOTATION, UpstreamBundle } from './manifest-bundle';
import { Values } from './values';

/**
 * The external authorizer the access layer installs (oauth2-proxy). Declared in
 * the mesh config now so plugging it in later changes no Istio setting.
 */
export const OAUTH2_PROXY_EXTENSION = {
  name: 'oauth2-proxy',
  envoyExtAuthzHttp: {
    service: 'oauth2-proxy.oauth2-proxy.svc.cluster.local',
    port: 80,
    includeRequestHeadersInCheck: ['authorization', 'cookie'],
    headersToUpstreamOnAllow: ['authorization', 'path', 'x-auth-request-email', 'x-auth-request-groups', 'x-auth-request-user'],
    headersToDownstreamOnDeny: ['content-type', 'set-cookie'],
  },
} as const;

/** Replaces the Kubeflow gateway's servers: HTTPS for the host, HTTP redirecting to it. */
export function gatewayTlsPatch(host: string, credentialName: string): OverlayPatch {
  return {
    patch: JSON.stringify([{
      op: 'replace',
      path: '/spec/servers',
      value: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host], tls: { httpsRedirect: true } },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'SIMPLE', credentialName } },
      ],
    }]),
    target: { group: 'networking.istio.io', kind: 'Gateway', name: 'kubeflow-gateway' },
  };
}

export interface IstioProps {
  readonly connection: ClusterConnection;
  /** Where the Kubeflow gateway and Istio roles go. */
  readonly namespaces: KubeflowNamespaces;
  /** @default 'istio-system' */
  readonly namespace?: string;
  /**
   * Expose the ingress gateway on a public IP. Off: an internal Azure load
   * balancer in the cluster's virtual network.
   * @default false
   */
  readonly publicIngress?: boolean;
  /**
   * Serve the Kubeflow gateway over HTTPS for this host with the certificate in
   * this Secret (in the Istio namespace); plain HTTP then redirects.
   * @default - HTTP only, any host
   */
  readonly tls?: { readonly host: string; readonly credentialName: string };
  /** Escape hatches, merged last into each chart's values. @default {} */
  readonly valuesOverride?: { readonly base?: Values; readonly istiod?: Values; readonly gateway?: Values };
}

/**
 * Istio from its official charts (`base`, `istiod`, `gateway`), configured for
 * Kubeflow: the oauth2-proxy extension provider, the sidecar injector exempted
 * from the AKS admissions enforcer, an ingress gateway labelled
 * `istio: ingressgateway`, and the Kubeflow gateway and roles from the
 * distribution.
 * @see docs/components/istio.md
 */
export class Istio extends Construct {
  public readonly base: ChartRelease;
  public readonly istiod: ChartRelease;
  public readonly gateway: ChartRelease;
  public readonly kubeflowResources: UpstreamBundle;
  /** Ready when the control plane injects sidecars. */
  public readonly ready: readonly ITerraformDependable[];
  /** Ready when the `kubeflow-gateway` exists (for components that route through it). */
  public readonly gatewayReady: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: IstioProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'istio-system';
    const helm = props.connection.helm;
    const nodeSelector = { ...PLATFORM_NODE_SELECTOR };
    this.base = new ChartRelease(this, 'base', {
      releaseName: 'istio-base',
      namespace,
      pin: CHARTS.istioBase,
      values: { defaultRevision: 'default' },
      valuesOverride: props.valuesOverride?.base,
      provider: helm,
    });
    this.istiod = new ChartRelease(this, 'istiod', {
      releaseName: 'istiod',
      namespace,
      pin: CHARTS.istiod,
      values: {
        meshConfig: { accessLogFile: '/dev/stdout', extensionProviders: [OAUTH2_PROXY_EXTENSION] },
        sidecarInjectorWebhookAnnotations: { [ADMISSIONS_ENFORCER_ANNOTATION]: 'true' },
        pilot: { nodeSelector },
      },
      valuesOverride: props.valuesOverride?.istiod,
      dependsOn: [this.base.release],
      provider: helm,
    });
    this.gateway = new ChartRelease(this, 'gateway', {
      releaseName: 'istio-ingressgateway',
      namespace,
      pin: CHARTS.istioGateway,
      values: {
        labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
        nodeSelector,
        service: {
          type: 'LoadBalancer',
          annotations: props.publicIngress ? {} : { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' },
        },
      },
      valuesOverride: props.valuesOverride?.gateway,
      dependsOn: [this.istiod.release],
      provider: helm,
    });
    this.kubeflowResources = new UpstreamBundle(this, 'kubeflow-resources', {
      name: 'kubeflow-istio-resources',
      namespace: 'kubeflow',
      paths: [KUSTOMIZE_PATHS.istioResources],
      withCrdRelease: false,
      patches: props.tls ? [gatewayTlsPatch(props.tls.host, props.tls.credentialName)] : [],
      dependsOn: [this.base.release, ...props.namespaces.ready],
      kustomizationProvider: props.connection.kustomization,
      helmProvider: helm,
    });
    this.ready = [this.istiod.release];
    this.gatewayReady = [this.kubeflowResources.main.release];
  }
}
