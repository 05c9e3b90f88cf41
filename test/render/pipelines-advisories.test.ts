import { advisoryPolicies, uiRefusalRoutePatch } from '../../constructs/pipelines/pipelines-advisories';
import { renderFixture } from '../fixtures/render-environment';
import { pipelinesUiAdvisoryProblems, pipelinesUploadAdvisoryProblems } from './pipelines-advisories';
import { K8sObject, RenderedEnvironment, RenderedRelease, renderEnvironment } from '../../scripts/render/render';
import { renderTools } from '../../scripts/render/tools';
import { pinnedComponents } from '../../scripts/versions-check';

/**
 * The mitigations the advisory exceptions claim (catalog/advisories.json)
 * hold on the rendered fixture, and the rules that prove them fail when a
 * mitigation is missing or too narrow.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Route = { name?: string; match?: { uri?: Record<string, string>; ignoreUriCase?: boolean }[] };

maybe('Pipelines advisory mitigations, as the cluster receives them', () => {
  let fixture: RenderedEnvironment;
  beforeAll(() => {
    fixture = renderEnvironment(renderFixture);
  });

  /** A copy of the fixture whose objects `change` maps (return undefined to drop one). */
  function broken(change: (obj: K8sObject, release: string) => K8sObject | undefined): RenderedEnvironment {
    const copy = structuredClone(fixture) as Mutable<RenderedEnvironment> & { releases: Mutable<RenderedRelease>[] };
    copy.releases = copy.releases.map((r) => ({ ...r, objects: r.objects.flatMap((o) => change(o, r.name) ?? []) }));
    return copy;
  }
  const uiService = (change: (routes: Route[]) => Route[]) => broken((o) => (o.kind === 'VirtualService' && o.metadata.name === 'ml-pipeline-ui'
    ? { ...o, spec: { ...(o.spec as object), http: change((o.spec as { http: Route[] }).http) } } as K8sObject
    : o));
  const withoutPolicy = (name: string) => broken((o) => (o.kind === 'AuthorizationPolicy' && o.metadata.name === name ? undefined : o));

  test('the fixture holds both mitigations: the refusing route comes first, the policies are installed', () => {
    const service = fixture.releases.find((r) => r.name === 'pipelines')?.objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'ml-pipeline-ui');
    const [first] = (service?.spec as { http: Route[] }).http;
    expect(first).toEqual(JSON.parse(uiRefusalRoutePatch().patch)[0].value);
    const policies = fixture.releases.find((r) => r.name === 'pipelines-advisory-mitigations')?.objects;
    expect(policies).toEqual(advisoryPolicies('kubeflow'));
    expect(pipelinesUiAdvisoryProblems(fixture)).toEqual([]);
    expect(pipelinesUploadAdvisoryProblems(fixture)).toEqual([]);
  });

  test('the advisory gate checks the versions that run: every Pipelines, Argo and models web app image carries its pinned version', () => {
    const pins = pinnedComponents();
    const images = new Set<string>();
    const walk = (v: unknown) => {
      if (typeof v === 'string') for (const m of v.matchAll(/(ghcr\.io\/kubeflow\/kfp-[a-z-]+|quay\.io\/argoproj\/[a-z-]+|ghcr\.io\/kserve\/models-web-app):([\w.-]+)/g)) images.add(m[0]);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    fixture.releases.forEach((r) => walk(r.objects));
    const expected = (image: string) => (image.startsWith('ghcr.io/kubeflow/kfp-') ? pins['kubeflow-pipelines'].version
      : image.startsWith('quay.io/argoproj/') ? pins['argo-workflows'].version : pins['models-web-app'].version);
    const found = [...images].map((i) => ({ image: i, tag: i.split(':')[1] }));
    // The controller, its executor argument, the KFP servers and the web app are all there.
    expect(found.map((f) => f.image.split(':')[0])).toEqual(expect.arrayContaining(['ghcr.io/kubeflow/kfp-api-server', 'ghcr.io/kubeflow/kfp-frontend', 'quay.io/argoproj/workflow-controller', 'ghcr.io/kserve/models-web-app']));
    expect(found.filter((f) => f.tag !== expected(f.image))).toEqual([]);
  });

  test('without the route, artifact and log requests through the gateway reach the UI server', () => {
    const problems = pipelinesUiAdvisoryProblems(uiService((routes) => routes.filter((r) => r.name !== 'advisory-refusals')));
    expect(problems).toContainEqual(expect.stringMatching(/^GET \/pipeline\/artifacts\/get through the Kubeflow gateway: VirtualService kubeflow\/ml-pipeline-ui \(release pipelines\) sends it to ml-pipeline-ui\.kubeflow\.svc\.cluster\.local/));
    expect(problems).toContainEqual(expect.stringMatching(/^GET \/pipeline\/k8s\/pod\/logs through the Kubeflow gateway: .* not a 403$/));
  });

  test('a case-sensitive prefix is not enough: the UI server\'s router ignores case', () => {
    const problems = pipelinesUiAdvisoryProblems(uiService((routes) => routes.map((r) => (r.name === 'advisory-refusals' ? { ...r, match: [{ uri: { prefix: '/pipeline/artifacts' } }, { uri: { prefix: '/pipeline/k8s/pod/logs' } }] } : r))));
    expect(problems.map((p) => p.split(' through')[0]).sort()).toEqual(['GET /PIPELINE/ARTIFACTS/get', 'GET /pipeline//artifacts/minio/mlpipeline/key', 'GET /pipeline/Artifacts/get', 'GET /pipeline/K8s/Pod/Logs', 'GET /pipeline/k8s//pod/logs']);
  });

  test('a route that refuses the whole UI is caught too', () => {
    const problems = pipelinesUiAdvisoryProblems(uiService((routes) => routes.map((r) => (r.name === 'advisory-refusals' ? { ...r, match: [{ uri: { prefix: '/pipeline' } }] } : r))));
    expect(problems).toContainEqual('GET /pipeline/apis/v2beta1/runs through the Kubeflow gateway no longer reaches the UI server');
  });

  test('without the UI policy, in-cluster callers reach the artifact and log handlers directly', () => {
    const problems = pipelinesUiAdvisoryProblems(withoutPolicy('ml-pipeline-ui-advisory-mitigation'));
    expect(problems).toContainEqual('GET /artifacts/get from cluster.local/ns/team-a/sa/default-editor reaches the UI server directly');
    expect(problems).toContainEqual('GET /ARTIFACTS/get from a pod without a sidecar reaches the UI server directly');
    expect(problems).toContainEqual('GET /k8s/pod/logs from a pod without a sidecar reaches the UI server directly');
  });

  test('a UI policy that also refuses the gateway breaks the UI, and the rule says so', () => {
    const r = broken((o) => (o.kind === 'AuthorizationPolicy' && o.metadata.name === 'ml-pipeline-ui-advisory-mitigation'
      ? { ...o, spec: { ...(o.spec as object), rules: [{ to: [{ operation: { notPaths: ['/apis/v1beta1/*', '/apis/v2beta1/*'] } }] }] } } as K8sObject
      : o));
    expect(pipelinesUiAdvisoryProblems(r)).toContainEqual(expect.stringMatching(/^GET \/pipeline\/ from the gateway is refused by the UI's sidecar \(AuthorizationPolicy kubeflow\/ml-pipeline-ui-advisory-mitigation/));
  });

  test('without the API server policy, every caller uploads', () => {
    const problems = pipelinesUploadAdvisoryProblems(withoutPolicy('ml-pipeline-advisory-mitigation'));
    expect(problems).toHaveLength(12);
    expect(problems).toContainEqual('POST /apis/v2beta1/pipelines/upload from cluster.local/ns/kubeflow/sa/ml-pipeline-ui reaches the API server');
    expect(problems).toContainEqual('POST /apis/v1beta1/pipelines/upload_version from a pod without a sidecar reaches the API server');
  });

  test('a policy on one spelling of one endpoint leaves the others open', () => {
    const r = broken((o) => (o.kind === 'AuthorizationPolicy' && o.metadata.name === 'ml-pipeline-advisory-mitigation'
      ? { ...o, spec: { ...(o.spec as object), rules: [{ to: [{ operation: { paths: ['/apis/v2beta1/pipelines/upload'] } }] }] } } as K8sObject
      : o));
    const problems = pipelinesUploadAdvisoryProblems(r);
    expect(problems).toHaveLength(9);
    expect(problems.some((p) => p.startsWith('POST /apis/v2beta1/pipelines/upload '))).toBe(false);
  });
});
