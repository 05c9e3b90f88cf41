import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ENVIRONMENTS } from '../../environments';
import * as checks from './checks';
import { artifactEndpointProblems, dataStoreProblems } from './data-store-checks';
import { pipelinesUiAdvisoryProblems, pipelinesUploadAdvisoryProblems } from './pipelines-advisories';
import { pipelinesIdentityProblems, pipelinesVersionProblems, tensorboardSigningProblems } from './pipelines-checks';
import { RenderedEnvironment, objectsOf, renderEnvironment } from '../../scripts/render/render';
import { ROOT, renderTools } from '../../scripts/render/tools';
import { ineffectiveKeys } from './values-keys';

/**
 * What lands in the cluster, for every environment environments/ exports
 * (whatever a fork puts there): every release rendered with its real chart or
 * upstream tree, then each rule across the objects. A failure names the object
 * and the rule. The rules are tested against broken inputs in checks.test.ts.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;
// Shown by name in jest's summary (as skipped), not only as a console line.
if (!tools.available) console.warn(`RENDER TESTS SKIPPED: ${tools.reason}. Run bash .ci/run (installs Helm and kustomize) or set HELM_BIN, KUSTOMIZE_BIN and KUBEFLOW_UPSTREAM_CACHE.`);
if (!tools.available) test.skip(`render tests skipped: ${tools.reason} (.ci/run installs them; see README)`, () => undefined);

const RULES: Record<string, (r: RenderedEnvironment) => string[]> = {
  'every pod runs as a ServiceAccount that exists': checks.serviceAccountProblems,
  'every federated identity is the ServiceAccount of a pod, labelled and annotated': checks.workloadIdentityProblems,
  'every AuthorizationPolicy principal exists': checks.authorizationPolicyProblems,
  'every binding names an existing role; aggregated roles have sources and targets': checks.rbacProblems,
  'every pod (with its injected sidecar) passes its namespace Pod Security level': checks.podSecurityProblems,
  'every init container in the mesh runs after a native sidecar': checks.meshInitContainerProblems,
  'every ConfigMap key a container reads exists': checks.configMapKeyProblems,
  'every Ingress class in use exists and is Istio\'s': checks.ingressClassProblems,
  'KServe\'s Ingresses are served by the Kubeflow gateway': checks.inferenceRouteProblems,
  'every webhook configuration is exempt from the AKS admissions enforcer': checks.webhookProblems,
  'no object belongs to two releases': checks.ownershipProblems,
  'every custom resource has its CRD from a release it waits for, and validates': checks.customResourceProblems,
  'every CRD survives the uninstall of its release': checks.crdKeepProblems,
  'every store volume survives the uninstall of its release, on a StorageClass that retains its disk': checks.storeVolumeProblems,
  'every Helm release record stays well under the Secret size limit': checks.releaseRecordProblems,
  'every MIG pool has exactly one owner of its partitioning': checks.migOwnershipProblems,
  'every GPU request can be met by a pool': checks.gpuRequestProblems,
  'no generated credential flows into Helm values': checks.secretsInValuesProblems,
  'no image (sidecars included) from a registry being retired': checks.retiredRegistryProblems,
  'every Istio image (control plane, sidecars, gateway, CNI) runs the patched release': checks.istioImageProblems,
  'the Pipelines UI refuses its artifact and pod-log endpoints at the gateway and to every in-cluster caller (mitigates CVE-2026-88980, CVE-2026-88981)': pipelinesUiAdvisoryProblems,
  'the Pipelines API server refuses HTTP pipeline uploads from every caller (mitigates CVE-2026-77596)': pipelinesUploadAdvisoryProblems,
  'every metadata and artifact consumer is wired to the store the environment chose': dataStoreProblems,
  'every object-store endpoint of Pipelines reaches SeaweedFS': artifactEndpointProblems,
  'Pipelines and Argo Workflows run the pinned versions (images and the executor argument)': pipelinesVersionProblems,
  'Pipelines reads the user from the header the gateway sets': pipelinesIdentityProblems,
  'the Pipelines UI signs TensorBoard links with its own generated key': tensorboardSigningProblems,
  'every managed-Prometheus scrape object selects real labels and ports': checks.scrapeTargetProblems,
  'the DCGM exporter runs on every GPU pool and is scraped': checks.gpuMetricsCoverageProblems,
  'every pod a PodMonitor selects admits the collector through its sidecar': checks.scrapeMeshProblems,
  'every PodMonitor endpoint speaks its port\'s protocol, needs no token and reaches no loopback-only port': checks.scrapeSchemeProblems,
};

const report: Record<string, unknown> = {};

maybe.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('environment %s, as the cluster receives it', (name, config) => {
  let rendered: RenderedEnvironment;
  beforeAll(() => {
    rendered = renderEnvironment(config);
    const largest = checks.largestRecord(rendered);
    report[name] = { releases: rendered.releases.length, objects: objectsOf(rendered).length, largestRecord: { release: largest.name, kib: Math.round(largest.recordBytes / 1024) } };
  });
  afterAll(() => {
    mkdirSync(join(ROOT, '.cache', 'render'), { recursive: true });
    writeFileSync(join(ROOT, '.cache', 'render', 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  });

  test.each(Object.keys(RULES))('%s', (rule) => {
    expect(RULES[rule](rendered)).toEqual([]);
  });

  test('every value we set on a published chart changes what it renders', () => {
    const problems = rendered.releases
      .filter((r) => !r.chartPath.endsWith('manifest-bundle'))
      .flatMap((r) => ineffectiveKeys(r, rendered.kubeVersion).map((key) => `release ${r.name}: value ${key} changes nothing (a default restated, or a key the chart does not read)`));
    expect(problems).toEqual([]);
  });
});
