import type { PlatformFeature } from '../lib/feature';
import { CertManager } from './cert-manager';

declare module '../lib/feature' {
  interface FeatureOutputs {
    'cert-manager': CertManager;
  }
}

/** cert-manager; with ACME TLS it solves DNS-01 challenges as the cluster stack's DNS identity. */
export const certManagerFeature: PlatformFeature<'cert-manager'> = {
  name: 'cert-manager',
  summary: 'cert-manager (webhook certificates, ACME)',
  doc: 'docs/components/cert-manager.md',
  after: [],
  source: (env) => env.platform.components.certManager,
  build: (ctx) => new CertManager(ctx.scope, 'cert-manager', {
    connection: ctx.connection,
    azureWorkloadIdentity: ctx.env.access?.tls.mode === 'acme' ? { clientId: ctx.clusterPart('dnsChallengeIdentity').identity.clientId } : undefined,
    valuesOverride: ctx.env.platform.values.certManager,
  }),
};
