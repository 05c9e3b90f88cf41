import { accessFeature } from '../constructs/access/feature';
import { certManagerFeature } from '../constructs/cert-manager/feature';
import { dashboardFeature, kubeflowRolesFeature } from '../constructs/dashboard/feature';
import { gpuOperatorFeature } from '../constructs/gpu-operator/feature';
import { istioFeature, tenantIsolationFeature } from '../constructs/istio/feature';
import { katibFeature } from '../constructs/katib/feature';
import { kserveFeature } from '../constructs/kserve/feature';
import type { PlatformFeature } from '../constructs/lib/feature';
import { modelRegistryFeature } from '../constructs/model-registry/feature';
import { modelsWebAppFeature } from '../constructs/models-web-app/feature';
import { mysqlFeature } from '../constructs/mysql/feature';
import { namespacesFeature } from '../constructs/namespaces/feature';
import { notebooksFeature } from '../constructs/notebooks/feature';
import { scrapeFeature } from '../constructs/observability/feature';
import { pipelinesAdvisoriesFeature, pipelinesFeature } from '../constructs/pipelines/feature';
import { profilesFeature } from '../constructs/profiles/feature';
import { sparkFeature } from '../constructs/spark/feature';
import { storesFeature } from '../constructs/stores/feature';
import { trainerFeature } from '../constructs/trainer/feature';

/**
 * Every feature of the platform stack, each with the features it is
 * installed after (`after`, in its own `feature.ts`). The platform stack
 * builds them in release-graph order (`constructs/lib/release-graph.ts`:
 * unknown names and cycles are refused); where the graph leaves a choice,
 * this list's order decides, so the synthesized JSON is stable.
 * `docs/architecture.md`'s release graph is generated from this list
 * (`npm run docs:graph`). A new component: one folder with its
 * `feature.ts`, and one line here.
 */
export const PLATFORM_FEATURES: readonly PlatformFeature[] = [
  namespacesFeature,
  certManagerFeature,
  istioFeature,
  storesFeature,
  mysqlFeature,
  accessFeature,
  dashboardFeature,
  profilesFeature,
  kserveFeature,
  kubeflowRolesFeature,
  gpuOperatorFeature,
  trainerFeature,
  katibFeature,
  pipelinesFeature,
  notebooksFeature,
  modelsWebAppFeature,
  modelRegistryFeature,
  sparkFeature,
  scrapeFeature,
  pipelinesAdvisoriesFeature,
  tenantIsolationFeature,
] as readonly PlatformFeature[];
