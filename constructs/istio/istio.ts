import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { PLATFORM_NODE_SELECTOR } from '../node-pools/gpu-scheduling';
import { CHARTS, ISTIO_HUB, ISTIO_IMAGE_TAG, KUSTOMIZE_PATHS } from '../../catalog/versions';
import { ChartRelease } from '../lib/chart-release';
import { ClusterConnection } from '../lib/cluster-connection';
import { KubeflowNamespaces } from '../lib/kubeflow-namespaces';
import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';
import { ADMISSIONS_ENFORCER_ANNOTATION, UpstreamBundle } from '../lib/manifest-bundle';
import { Values } from '../lib/values';

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

/**
 * The ingress gateway's ServiceAccount. The distribution's AuthorizationPolicies
 * (dashboard, web apps, KFP UI, Katib UI) allow exactly this principal; the
 * gateway chart would otherwise name it after the release.
 */
export const INGRESS_GATEWAY_SERVICE_ACCOUNT = 'istio-ingressgateway-service-account';

/** Namespace of the Istio CNI node agent: privileged by necessity, and nothing else runs there. */
export const ISTIO_CNI_NAMESPACE = 'istio-cni';

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
  readonly valuesOverride?: { readonly base?: Values; readonly cni?: Values; readonly istiod?: Values; readonly gateway?: Values };
}

/**
 * Istio from its official charts (`base`, `istiod`, `gateway`), configured for
 * Kubeflow: the oauth2-proxy extension provider, the sidecar injector exempted
 * from the AKS admissions enforcer, an ingress gateway labelled
 * `istio: ingressgateway`, and the Kubeflow gateway and roles from the
 * distribution. Every Istio image (control plane, sidecars, gateway, CNI)
 * runs `ISTIO_IMAGE_TAG` from `ISTIO_HUB`, whatever the chart version.
 * @see docs/components/istio.md
 */
export class Istio extends Construct {
  public readonly base: ChartRelease;
  /** The CNI node agent namespace (Pod Security `privileged`). */
  public readonly cniNamespace: NamespaceV1;
  public readonly cni: ChartRelease;
  public readonly istiod: ChartRelease;
  public readonly gateway: ChartRelease;
  public readonly kubeflowResources: UpstreamBundle;
  /** Ready when the control plane injects sidecars and the CNI agent redirects their traffic. */
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
      values: {},
      valuesOverride: props.valuesOverride?.base,
      provider: helm,
    });
    // Istio CNI chains into the node's CNI configuration (on AKS: Azure CNI powered by
    // Cilium, /etc/cni/net.d, /opt/cni/bin, the chart's defaults), so injected pods need no
    // NET_ADMIN/NET_RAW init container and Kubeflow namespaces can enforce `restricted`.
    // The agent itself is privileged: it gets a namespace of its own. See docs/components/istio.md.
    this.cniNamespace = new NamespaceV1(this, 'cni-namespace', {
      metadata: { name: ISTIO_CNI_NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
      provider: props.connection.kubernetes,
    });
    this.cni = new ChartRelease(this, 'cni', {
      releaseName: 'istio-cni',
      namespace: ISTIO_CNI_NAMESPACE,
      pin: CHARTS.istioCni,
      values: {
        seccompProfile: { type: 'RuntimeDefault' },
        // The patched images over the chart's templates (ISTIO_IMAGE_TAG explains why that holds).
        global: { hub: ISTIO_HUB, tag: ISTIO_IMAGE_TAG },
        // AppArmor through the securityContext field (Kubernetes ≥ 1.30), not the deprecated annotation.
        useAppArmorAnnotation: false,
      },
      valuesOverride: props.valuesOverride?.cni,
      dependsOn: [this.base.release, this.cniNamespace],
      provider: helm,
    });
    this.istiod = new ChartRelease(this, 'istiod', {
      releaseName: 'istiod',
      namespace,
      pin: CHARTS.istiod,
      values: {
        meshConfig: { accessLogFile: '/dev/stdout', extensionProviders: [OAUTH2_PROXY_EXTENSION] },
        sidecarInjectorWebhookAnnotations: { [ADMISSIONS_ENFORCER_ANNOTATION]: 'true' },
        // Injected sidecars get istio-validation (no capabilities) instead of istio-init.
        pilot: { nodeSelector, cni: { enabled: true } },
        // Images from a registry that is not being retired, at the patched tag: pilot reads `tag`
        // falling back to `global.tag`; the injector stamps `global.hub`/`global.tag` into every
        // sidecar and into the ingress gateway (its chart's `image: auto`). Injected containers
        // pass `restricted` only with a seccomp profile.
        global: { hub: ISTIO_HUB, tag: ISTIO_IMAGE_TAG, proxy: { seccompProfile: { type: 'RuntimeDefault' } } },
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
        serviceAccount: { name: INGRESS_GATEWAY_SERVICE_ACCOUNT },
        nodeSelector,
        // A LoadBalancer Service (the chart's default): internal unless public ingress is asked for.
        ...(props.publicIngress ? {} : { service: { annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } } }),
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
    // Injected pods need both: a sidecar from istiod and traffic redirection from the CNI agent.
    this.ready = [this.istiod.release, this.cni.release];
    this.gatewayReady = [this.kubeflowResources.main.release];
  }
}
