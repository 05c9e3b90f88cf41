import type { PlatformFeature } from '../lib/feature';
import { DnsChallengeIdentity } from './dns-challenge-identity';
import { EntraApplication } from './entra-application';
import { EntraAuthentication } from './entra-authentication';
import { GatewayTls } from './gateway-tls';
import { Oauth2Proxy } from './oauth2-proxy';

/** The sign-in layer at the gateway: oauth2-proxy, the Entra ID policies and the gateway's certificate. */
export interface AccessLayer {
  readonly oauth2Proxy: Oauth2Proxy;
  readonly authentication: EntraAuthentication;
  /** The ACME certificate of the host, with `access.tls.mode: 'acme'`. */
  readonly tls?: GatewayTls;
}

declare module '../lib/feature' {
  interface FeatureOutputs {
    access: AccessLayer;
  }
  interface ClusterParts {
    /** The Entra ID application of the access layer, when the environment has one. */
    readonly entraApplication?: EntraApplication;
    /** cert-manager's identity for ACME DNS-01 challenges, when TLS comes from ACME. */
    readonly dnsChallengeIdentity?: DnsChallengeIdentity;
    /** The AKS cluster: its OIDC issuer signs the tokens machine-to-machine callers present. */
    readonly aks: { readonly cluster: { readonly oidcIssuerUrl: string } };
  }
}

/** Entra ID sign-in for every route on the gateway, and the host's certificate. */
export const accessFeature: PlatformFeature<'access'> = {
  name: 'access',
  summary: 'Entra ID sign-in (oauth2-proxy, gateway policies) and the host certificate',
  doc: 'docs/access.md',
  after: ['istio', 'cert-manager'],
  source: (env) => env.access !== undefined,
  build: (ctx) => {
    const access = ctx.env.access!;
    const clientId = ctx.clusterPart('entraApplication').clientId;
    const machineToMachine = access.machineToMachine
      ? { issuerUrl: ctx.cluster.aks.cluster.oidcIssuerUrl, audience: access.machineToMachineAudience }
      : undefined;
    const istio = ctx.prerequisite('istio');
    const oauth2Proxy = new Oauth2Proxy(ctx.scope, 'oauth2-proxy', {
      connection: ctx.connection,
      istio,
      tenantId: access.tenantId,
      clientId,
      host: access.host,
      allowedGroupObjectIds: access.allowedGroupObjectIds,
      machineToMachine,
    });
    const authentication = new EntraAuthentication(ctx.scope, 'entra-authentication', {
      connection: ctx.connection,
      istio,
      oauth2Proxy,
      tenantId: access.tenantId,
      clientId,
      machineToMachine,
    });
    const acme = access.tls.mode === 'acme' ? access.tls : undefined;
    const tls = acme
      ? new GatewayTls(ctx.scope, 'gateway-tls', {
        connection: ctx.connection,
        host: access.host,
        certManager: ctx.need('cert-manager'),
        acme: {
          email: acme.email,
          server: acme.server ?? 'production',
          dnsZone: acme.dnsZone,
          identityClientId: ctx.clusterPart('dnsChallengeIdentity').identity.clientId,
        },
      })
      : undefined;
    return { oauth2Proxy, authentication, tls };
  },
};
