import { GATEWAY_TLS_SECRET } from '../access/gateway-tls';
import type { PlatformFeature } from '../lib/feature';
import { scrapeFeature } from '../observability/feature';
import { Istio } from './istio';
import { TenantIsolation } from './tenant-isolation';

declare module '../lib/feature' {
  interface FeatureOutputs {
    istio: Istio;
    'tenant-isolation': TenantIsolation;
  }
}

/** Istio: base, CNI, istiod and the ingress gateway (with the access layer's host and certificate). */
export const istioFeature: PlatformFeature<'istio'> = {
  name: 'istio',
  summary: 'Istio (base, CNI, istiod, ingress gateway)',
  doc: 'docs/components/istio.md',
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

/**
 * Tenant isolation in the mesh and the network: STRICT mutual TLS, the root
 * namespace's default deny with explicit allows, and NetworkPolicies per
 * profile and platform namespace (docs/security.md, "Tenant isolation").
 */
export const tenantIsolationFeature: PlatformFeature<'tenant-isolation'> = {
  name: 'tenant-isolation',
  summary: 'STRICT mTLS, default deny with explicit allows, NetworkPolicies',
  doc: 'docs/components/tenant-isolation.md',
  after: ['namespaces', 'istio', 'profiles', 'kserve', 'trainer', 'spark'],
  source: (env) => env.platform.components.istio === 'install',
  build: (ctx) => {
    const env = ctx.env;
    const c = env.platform.components;
    const scraped = scrapeFeature.source(env);
    const kserve = ctx.installed('kserve');
    const trainer = ctx.installed('trainer');
    const spark = ctx.installed('spark');
    return new TenantIsolation(ctx.scope, 'tenant-isolation', {
      connection: ctx.connection,
      profiles: env.profiles.map((p) => p.name),
      components: { pipelines: c.pipelines, notebooks: env.notebooks.enabled, katib: c.katib, modelRegistry: c.modelRegistry, knative: c.kserve && env.platform.kserveMode === 'knative' },
      scraped: scraped === true || scraped === 'install',
      dependsOn: [ctx.need('istio').base.release, ...ctx.need('namespaces').ready],
      profileNamespaces: ctx.installed('profiles')?.namespaces ?? [],
      platformNamespaces: { kserve: kserve?.namespace, trainer: trainer?.namespace, spark: spark?.namespaceName },
      platformReady: [...(kserve?.ready ?? []), ...(trainer ? [trainer.chart.release] : []), ...(spark ? [spark.namespace] : [])],
    });
  },
};
