/**
 * The version catalog: every chart, upstream release, image and provider this
 * project installs is pinned here and nowhere else. Components read their pin
 * from this file. Each entry names where the pin was checked.
 *
 * Bumping a pin: change it here, read the chart's values.yaml at the new tag
 * for every key the component sets (see its docs/components page), run
 * `npm test` and read the snapshot diff.
 */

export interface ChartPin {
  /** Helm repository URL, or an `oci://` registry path. */
  readonly repository: string;
  readonly chart: string;
  /** Exact published chart version. Never a range, never "latest". */
  readonly version: string;
}

/** An upstream source tree, downloaded as a tarball and unpacked into the upstream work folder. */
export interface TreePin {
  readonly repository: string;
  /** Name of the tree: its folder in the work folder and the start of its tarball's name. */
  readonly name: string;
  /** Exact commit or tag of the tarball; never a branch. */
  readonly ref: string;
  /** `<name>-<version>.tar.gz` in the cache: the short commit, or the tag. */
  readonly version: string;
  /**
   * The folder of the repository the project reads. The content digest in
   * upstream.lock.json covers this folder alone, so a mirror's tarball of it and
   * GitHub's tarball of the whole repository agree (scripts/upstream-digest.ts).
   * @default '.' (the whole tree, without `.git` and `.github`)
   */
  readonly contentPath?: string;
}

/**
 * The Kubeflow community distribution (formerly kubeflow/manifests), rendered
 * at plan time by kustomize from a verified local copy (`npm run upstream`).
 * Release 26.03.1: the head of branch `release-26.03.1`, which outside
 * `.github` is identical to tag `26.03.1-rc.2`; the stored snapshots we verify
 * against have no `26.03.1` tag yet (checked 2026-11-29, ../shared/upstream/index.json).
 */
export const KUBEFLOW_DISTRIBUTION = {
  repository: 'https://github.com/kubeflow/community-distribution',
  name: 'community-distribution',
  release: '26.03.1',
  ref: '0d1a00306501ebaf2a0edc121656752b3deeba57',
  version: '0d1a003',
} as const satisfies TreePin & { release: string };

/**
 * Kubeflow Pipelines, from its own repository instead of the distribution's copy
 * (`applications/pipeline/upstream`, 2.16.1 at 26.03.1). 2.17.0 fixes CVE-2026-54745
 * (GHSA-gqww-5pj5-8fq7, CVSS 10: request forgery through the UI's `/_proxy/` route,
 * kubeflow/pipelines#13511), which was never backported to 2.16. The tarball holds
 * `manifests/` at the tag (`4a3592c`); `manifests/kustomize` is what the distribution
 * copies. Checked 2026-12-06 (../shared/upstream/index.json): 2.17.1 and 2.17.2 exist
 * upstream but are not in the verified mirror; CVE-2026-88980, -88981 and -77596
 * are fixed only after 2.17.0 (docs/components/pipelines.md).
 */
export const KUBEFLOW_PIPELINES = {
  repository: 'https://github.com/kubeflow/pipelines',
  name: 'kubeflow-pipelines',
  ref: '2.17.0',
  version: '2.17.0',
  /** The multi-user install with cert-manager: the counterpart of the distribution's Pipelines path. */
  path: 'manifests/kustomize/env/cert-manager/platform-agnostic-multi-user',
  contentPath: 'manifests',
} as const satisfies TreePin & { path: string };

/**
 * Argo Workflows manifests, which Pipelines' kustomizations load from GitHub
 * (rewritten to this local copy by `npm run upstream -- prepare`). KFP 2.17.0
 * names `v4.0.5` (`referencedAs`), which still has CVE-2026-54526 (fixed in
 * v4.0.6); v4.0.10 is the newest 4.0 patch (2026-08-21) and differs from v4.0.5
 * in the folders KFP uses only by CRD description text (index.json, checked
 * 2026-12-06). KFP documents support for Argo 3.7 and 4.0. The workflow
 * controller image and its `--executor-image` argument are set to this version
 * by the Pipelines construct (KFP's manifests name `referencedAs`).
 */
export const ARGO_WORKFLOWS = {
  repository: 'https://github.com/argoproj/argo-workflows',
  name: 'argo-workflows',
  ref: 'v4.0.10',
  version: 'v4.0.10',
  /** The ref KFP's remote references name; `prepare` rewrites exactly these. */
  referencedAs: 'v4.0.5',
  contentPath: 'manifests',
} as const satisfies TreePin & { referencedAs: string };

/**
 * KServe's models web app manifests (kserve/models-web-app `manifests/kustomize` at v1.0.1,
 * commit c260554): rendered from this tree, not from the distribution's copy (v0.18.0).
 * Its base still names image 0.18.0: `IMAGES.modelsWebApp` sets the image.
 */
export const MODELS_WEB_APP = {
  repository: 'https://github.com/kserve/models-web-app',
  name: 'models-web-app',
  ref: 'v1.0.1',
  version: 'v1.0.1',
  contentPath: 'manifests',
} as const satisfies TreePin;

export const TREES: readonly TreePin[] = [KUBEFLOW_DISTRIBUTION, KUBEFLOW_PIPELINES, ARGO_WORKFLOWS, MODELS_WEB_APP];

/**
 * Istio's chart repository. The Google Cloud bucket (istio-release.storage.googleapis.com)
 * and the image registry registry.istio.io are retired in December 2026 (istio.io blog
 * "retirement-of-gcp", 2026-08-21; a test outage 2026-12-08 15:00 to 12-09 15:00 UTC,
 * istio/istio#61467). Charts come from blob.istio.io, images from Docker Hub (`ISTIO_HUB`).
 */
const ISTIO_CHARTS = 'https://blob.istio.io/istio-release/charts';

/**
 * Checked 2026-11-29 (release notes, support calendars; details in docs/upgrades.md):
 * - cert-manager v1.20.3 fixes GHSA-8rvj-mm4h-c258 (cert-manager-edit could use ClusterIssuer credentials).
 * - Istio 1.30.3 is the newest 1.30 chart in our verified mirror. 1.30.4 (2026-08-26) fixes 13 Envoy
 *   CVEs, GHSA-qm8v-g4f9-qhjx and an istio-cni deadlock after node reboot; 1.30.5 (2026-09-21) followed.
 *   Since 2026-12-06 every Istio image runs 1.30.5 over these charts (`ISTIO_IMAGE_TAG`).
 * - Trainer 2.2.1: the patch release of the 2.2 line (values identical to 2.2.0).
 * - KServe 0.20.0: KServe supports its last two minors (0.19, 0.20); 0.18 is out of support.
 * Checked 2026-11-30:
 * - Spark Operator 2.5.0: the version the distribution's 26.03.1 manifests were rendered from
 *   (scripts/synchronize-spark-operator-manifests.sh, COMMIT=v2.5.0) and the newest in our verified
 *   mirror. 2.5.1 (release PR kubeflow/spark-operator#2965, 2026-05-29; the distribution moved to it in
 *   kubeflow/community-distribution#3506, 2026-06-16) and 2.5.2 are bug-fix releases; searching their
 *   release threads and changelogs (search tool, issues and pages corpora) found no security advisory
 *   for 2.5.0. Its values.yaml was read at 2.5.0 for every key SparkOperator sets.
 * Checked 2026-12-06:
 * - Spark Operator 2.5.2 (now in the mirror): the three keys SparkOperator sets (`controller.nodeSelector`,
 *   `webhook.nodeSelector`, `spark.jobNamespaces`) are unchanged from 2.5.0; new keys (`kubeAPIQPS`,
 *   `kubeAPIBurst`, `prometheus.metrics.jobSubmitLatencyBuckets`) keep their defaults; the controller's
 *   ClusterRole is narrower (no PersistentVolumeClaim management) and the webhooks declare `sideEffects: None`.
 */
export const CHARTS = {
  certManager: { repository: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.20.3' },
  istioBase: { repository: ISTIO_CHARTS, chart: 'base', version: '1.30.3' },
  istiod: { repository: ISTIO_CHARTS, chart: 'istiod', version: '1.30.3' },
  istioGateway: { repository: ISTIO_CHARTS, chart: 'gateway', version: '1.30.3' },
  /** The Istio CNI node agent: sidecars redirect traffic without NET_ADMIN in the pod (Pod Security `restricted`). */
  istioCni: { repository: ISTIO_CHARTS, chart: 'cni', version: '1.30.3' },
  gpuOperator: { repository: 'https://helm.ngc.nvidia.com/nvidia', chart: 'gpu-operator', version: 'v26.7.0' },
  /** Brings JobSet 0.11.0 as a dependency (`jobset.install`). */
  trainer: { repository: 'oci://ghcr.io/kubeflow/charts', chart: 'kubeflow-trainer', version: '2.2.1' },
  kserveCrd: { repository: 'oci://ghcr.io/kserve/charts', chart: 'kserve-crd', version: 'v0.20.0' },
  kserveResources: { repository: 'oci://ghcr.io/kserve/charts', chart: 'kserve-resources', version: 'v0.20.0' },
  sparkOperator: { repository: 'https://kubeflow.github.io/spark-operator', chart: 'spark-operator', version: '2.5.2' },
} as const satisfies Record<string, ChartPin>;

/** Kustomize paths inside the Kubeflow distribution at `KUBEFLOW_DISTRIBUTION.ref`. */
export const KUSTOMIZE_PATHS = {
  certManagerKubeflow: 'common/cert-manager/overlays/kubeflow',
  istioResources: 'common/istio/kubeflow-istio-resources/base',
  kubeflowRoles: 'common/kubeflow-roles/base',
  katib: 'applications/katib/upstream/installs/katib-with-kubeflow',
  oauth2Proxy: 'common/oauth2-proxy/base',
  dashboard: 'applications/dashboard/overlays/istio',
  notebooks: 'applications/notebooks-v1/overlays/istio',
  /** Model Registry server with its PostgreSQL (`db` is the MySQL variant). Images: hub server v0.3.9. */
  modelRegistryServer: 'applications/hub/upstream/overlays/postgres',
  /** The server's VirtualService, DestinationRule and AuthorizationPolicy on the Kubeflow gateway. */
  modelRegistryIstio: 'applications/hub/upstream/options/istio',
  /** The Model Registry UI in Kubeflow mode, routed at `/model-registry/`. Image: hub ui v0.3.9. */
  modelRegistryUi: 'applications/hub/upstream/options/ui/overlays/istio',
} as const;

/** Kustomize paths inside the models web app tree at `MODELS_WEB_APP.ref`. */
export const MODELS_WEB_APP_PATHS = {
  /** The Kubeflow flavour (`/kserve-endpoints/`), counterpart of the distribution's `applications/kserve/models-web-app/overlays/kubeflow`. */
  kubeflow: 'manifests/kustomize/overlays/kubeflow',
} as const;

/**
 * Image registry of Istio's images (istiod's `global.hub`; sidecars and gateways follow it).
 * Docker Hub, not `registry.istio.io`: Istio retires that registry and its GCP chart bucket
 * (test outage 2026-12-08 15:00 to 12-09 15:00 UTC, istio/istio#61467; nothing from 1.31 on is
 * published there). `docker.io/istio` is Istio's long-standing public hub and carries every
 * 1.30 patch. Mirror it into your own registry (and set this) for production pulls.
 */
export const ISTIO_HUB = 'docker.io/istio';

/**
 * Tag of every Istio image: istiod (pilot), the injected sidecars and the ingress gateway
 * (proxyv2, stamped by the injector from istiod's `global.tag`), and the CNI agent (install-cni).
 * 1.30.5 over the 1.30.3 charts (`CHARTS.istio*`): no chart newer than 1.30.3 is in the verified
 * mirror. Patch releases of 1.30 leave the charts unchanged from 1.30.3 on: `manifests/` of
 * istio/istio is identical between tag 1.30.3 and the head of `release-1.30` on 2026-08-21
 * (52 commits, the 1.30.4 security fixes among them), and the 1.30.4 and 1.30.5 release notes
 * name no chart or values change. (1.30.1 → 1.30.3 did change templates: a validation rule and
 * one istiod variable; see docs/components/istio.md.) 1.30.4 fixes 13 Envoy CVEs and
 * GHSA-qm8v-g4f9-qhjx (ISTIO-SECURITY-2026-006); 1.30.5 (2026-09-21) is the newest patch known.
 * Checked 2026-12-06.
 */
export const ISTIO_IMAGE_TAG = '1.30.5';

export const IMAGES = {
  /**
   * oauth2-proxy over the distribution's v7.15.2: v7.15.3 carries Go security fixes
   * (11 Go CVEs; oauth2-proxy release notes, checked 2026-11-29).
   */
  oauth2Proxy: { name: 'quay.io/oauth2-proxy/oauth2-proxy', tag: 'v7.15.3' },
  /**
   * MySQL client of the Job that creates the consumers' users on an Azure MySQL server.
   * 8.4 LTS, newest patch seen: 8.4.13 (Oracle's October 2026 update; 8.4.12 of 2026-08-18 is the
   * newest with dated release notes in the stored copies). Checked 2026-11-30 in dev.mysql.com
   * release-note links of stored projects. The official image runs as uid 999 (`mysql`).
   */
  mysqlClient: { name: 'docker.io/library/mysql', tag: '8.4.13' },
  /**
   * SeaweedFS, Pipelines' object store, over the distribution's 4.00 (2025-11-03): 4.41 added
   * Entra ID / workload identity for its Azure remote (seaweedfs#10456), 4.43 fixed `remote.unmount`
   * deleting remote objects (#10811); only the latest release receives fixes (its SECURITY.md).
   * 4.44 (2026-08-22) is the newest tag in the stored copy, checked 2026-11-30; 4.45–4.47 are
   * announced upstream but not verifiable here.
   */
  seaweedfs: { name: 'chrislusf/seaweedfs', tag: '4.44' },
  /**
   * Argo Workflows' controller and executor, at the tree's version: KFP 2.17.0's manifests
   * set both to v4.0.5 (third-party/argo/base/workflow-controller-deployment-patch.yaml).
   */
  argoWorkflowController: { name: 'quay.io/argoproj/workflow-controller', tag: ARGO_WORKFLOWS.version },
  argoExecutor: { name: 'quay.io/argoproj/argoexec', tag: ARGO_WORKFLOWS.version },
  /**
   * KServe's models web app. The v1.0.1 manifests (`MODELS_WEB_APP`) still set 0.18.0:
   * this override runs the release they belong to (kserve/models-web-app v1.0.1, bug fixes;
   * no advisory found, checked 2026-12-06). Its release workflow tags images with the bare
   * semver (`docker/metadata-action` `type=semver,pattern={{version}}`): `1.0.1`, as `0.18.0`.
   */
  modelsWebApp: { name: 'ghcr.io/kserve/models-web-app', tag: '1.0.1' },
  /** Default image of the GPU training runtimes (the one Trainer 2.2.0's torch-distributed runtime uses). */
  pytorchGpu: 'pytorch/pytorch:2.10.0-cuda12.8-cudnn9-runtime',
} as const;

/** Notebook server images offered by the spawner (Kubeflow Notebooks 1.11.0, as in the distribution at 26.03.1). */
export const NOTEBOOK_IMAGES = {
  jupyter: [
    'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.11.0',
    'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-pytorch-full:v1.11.0',
    'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-pytorch-cuda-full:v1.11.0',
    'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-tensorflow-full:v1.11.0',
    'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-tensorflow-cuda-full:v1.11.0',
  ],
  codeServer: ['ghcr.io/kubeflow/kubeflow/notebook-servers/codeserver-python:v1.11.0'],
  rstudio: ['ghcr.io/kubeflow/kubeflow/notebook-servers/rstudio-tidyverse:v1.11.0'],
} as const;

/** ACME directories of Let's Encrypt. */
export const ACME_SERVERS = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

/** Terraform providers without a prebuilt cdktf package. */
export const PROVIDERS = {
  kustomization: { source: 'kbst/kustomization', version: '0.9.8' },
  /**
   * Azure/azapi v2.12.0 (2026-08-07, the newest release in the provider's repository
   * snapshot read 2026-12-06; no advisory in its repository or the GitHub advisory
   * database's stored copy). Only for what azurerm cannot express: the AKS backup
   * policy with a vault-tier copy (constructs/backup/offsite-copy.ts).
   */
  azapi: { source: 'Azure/azapi', version: '2.12.0' },
} as const;

/**
 * Major version of Azure Managed Grafana the workspace runs. Upstream Grafana 11 reached
 * end of life on 2026-06-25; azurerm deprecated `11` and accepts `12` and `13` from v5.0
 * (hashicorp/terraform-provider-azurerm#32777, 2026-07-21), but azurerm 4.55.0 (the last
 * `@cdktf/provider-azurerm`) accepts only `10` and `11`
 * (internal/services/dashboard/dashboard_grafana_resource.go at v4.55.0). So the
 * workspace is created at `GRAFANA_CREATE_MAJOR_VERSION` and moved to this one with
 * `az grafana update --major-version` (the Azure CLI's documented upgrade path), the
 * provider ignoring the field. 12, not 13: the newest major Azure offered before 13,
 * with fewer breaking changes for dashboards. Checked 2026-11-30.
 */
export const GRAFANA_MAJOR_VERSION = '12';
/** The value azurerm 4.55.0 lets the workspace be created with (see above). */
export const GRAFANA_CREATE_MAJOR_VERSION = '11';

/** File name of a chart's package in the upstream cache (`helm pull` names it so). */
export function chartFile(pin: ChartPin): string {
  return `charts/${pin.chart}-${pin.version}.tgz`;
}

/** File name of a tree's tarball in the upstream cache. */
export function treeFile(pin: TreePin): string {
  return `trees/${pin.name}-${pin.version}.tar.gz`;
}
