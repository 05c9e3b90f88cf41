import { GATEWAY_TLS_SECRET } from '../access/gateway-tls';
import type { PlatformFeature } from '../lib/feature';
import { Istio } from './istio';

declare module '../lib/feature' {
  interface FeatureOutputs {
    istio: Istio;
  }
}

/** Istio: base, CNI, istiod and the ingress gateway (with the access layer's host and certificate). */
export const istioFeature: PlatformFeature<'istio'> = {
  name: 'istio',
  summary: 'Istio (base, CNI, istiod, ingress gateway)',
  after: ['namespaces'],
  source: (env) => env.platform.components.istio,
  build: (ctx) => {
    const { access, platform } = ctx.env;
    return new Istio(ctx.scope, 'istio', {
      connection: ctx.connection,
      namespaces: ctx.need('namespaces'),
      publicIngress: platform.publicIngress,
      ...(access ? { tls: { host: access.host, credentialName: access.tls.mode === 'acme' ? GATEWAY_TLS_SECRET : access.tls.secretName } } : {}),
      valuesOverride: { istiod: platform.values.istiod, gateway: platform.values.istioGateway },
    });
  },
};
