import type { ArtifactStorage } from '../artifacts/artifact-storage';
import type { PlatformFeature } from '../lib/feature';
import { kubeflowAppProps } from '../lib/kubeflow-app';
import { Pipelines } from './pipelines';
import { PipelinesAdvisoryMitigations, uiRefusalRoutePatch } from './pipelines-advisories';
import { readinessOf } from '../lib/prerequisites';

declare module '../lib/feature' {
  interface FeatureOutputs {
    pipelines: Pipelines;
    'pipelines-advisories': PipelinesAdvisoryMitigations;
  }
  interface ClusterParts {
    /** The artifact Storage Account and SeaweedFS's identity, with `dataStores.artifacts: 'azure-blob'`. */
    readonly artifacts?: ArtifactStorage;
  }
}

/** Kubeflow Pipelines with Argo Workflows; metadata in MySQL, artifacts in SeaweedFS (mirrored to Azure Blob when asked). */
export const pipelinesFeature: PlatformFeature<'pipelines'> = {
  name: 'pipelines',
  summary: 'Kubeflow Pipelines with Argo Workflows',
  doc: 'docs/components/pipelines.md',
  after: ['namespaces', 'cert-manager', 'istio', 'access', 'stores', 'mysql'],
  source: (env) => env.platform.components.pipelines,
  build: (ctx) => {
    const artifacts = ctx.cluster.artifacts;
    const stored = ctx.env.dataStores.artifacts;
    return new Pipelines(ctx.scope, 'pipelines', {
      ...kubeflowAppProps(ctx),
      storeVolumes: ctx.need('stores'),
      patches: [uiRefusalRoutePatch()],
      largeTokenWorkaround: ctx.env.access !== undefined,
      azureMysql: ctx.installed('mysql'),
      ...(artifacts && stored.kind === 'azure-blob' ? {
        blobMirror: {
          storageAccount: artifacts.storage.account.name,
          clientId: artifacts.identity.clientId,
          volumeSizeGb: stored.volumeSizeGb,
        },
      } : {}),
    });
  },
};

/** Mitigations of open Pipelines advisories (catalog/advisories.json), beside Pipelines. */
export const pipelinesAdvisoriesFeature: PlatformFeature<'pipelines-advisories'> = {
  name: 'pipelines-advisories',
  summary: 'mitigations of open Pipelines advisories (Istio policies)',
  doc: 'docs/components/pipelines.md',
  // Beside Pipelines, not after it: the policies only need Istio's CRDs, and are in place as soon as the workloads are.
  after: ['namespaces', 'istio'],
  source: (env) => env.platform.components.pipelines,
  build: (ctx) => new PipelinesAdvisoryMitigations(ctx.scope, 'pipelines-advisories', {
    dependsOn: [...ctx.need('namespaces').ready, ...readinessOf(ctx.prerequisite('istio'))],
    provider: ctx.connection.helm,
  }),
};
