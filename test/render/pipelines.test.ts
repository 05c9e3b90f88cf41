import { parse } from 'yaml';
import { NATIVE_SIDECAR_ANNOTATION, TENSORBOARD_SIGNING_SECRET, WAITING_DEPLOYMENTS } from '../../constructs/pipelines/pipelines';
import { EXECUTOR_RESOURCES, KFP_WORKFLOW_DEFAULTS } from '../../constructs/pipelines/pipelines-argo';
import { USERID_HEADER } from '../../constructs/access/entra-authentication';
import { IMAGES, KUBEFLOW_PIPELINES } from '../../catalog/versions';
import { renderFixture } from '../fixtures/render-environment';
import * as checks from './checks';
import { artifactEndpointProblems, artifactEndpoints } from './data-store-checks';
import { pipelinesIdentityProblems, pipelinesVersionProblems, tensorboardSigningProblems } from './pipelines-checks';
import { K8sObject, RenderedEnvironment, RenderedRelease, renderEnvironment } from '../../scripts/render/render';
import { renderTools } from '../../scripts/render/tools';

/**
 * Kubeflow Pipelines 2.17.0 with Argo Workflows v4.0.10, as the fixture
 * renders it: what changed from 2.16.1 is handled (identity header, init
 * containers behind native sidecars, the UI's own signing key, Argo images and
 * defaults, the object-store endpoint), and each Pipelines rule fails on a copy
 * broken the way an upgrade could leave it.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Container = { name: string; image?: string; args?: string[]; env?: { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string; optional?: boolean }> }[] };
type PodTemplate = { metadata: { annotations?: Record<string, string> }; spec: { containers: Container[]; initContainers?: Container[] } };

maybe('Kubeflow Pipelines 2.17.0 and Argo Workflows v4.0.10', () => {
  let fixture: RenderedEnvironment;
  beforeAll(() => {
    fixture = renderEnvironment(renderFixture);
  });

  const pipelines = (r: RenderedEnvironment) => r.releases.find((x) => x.name === 'pipelines')!;
  const find = (r: RenderedEnvironment, kind: string, name: string) => {
    const obj = [...pipelines(r).objects, ...r.releases.find((x) => x.name === 'pipelines-crds')!.objects].find((o) => o.kind === kind && o.metadata.name === name);
    if (!obj) throw new Error(`the pipelines releases have no ${kind} ${name}`);
    return obj;
  };
  const template = (obj: K8sObject) => (obj as unknown as { spec: { template: PodTemplate } }).spec.template;
  const container = (obj: K8sObject, name: string) => [...(template(obj).spec.initContainers ?? []), ...template(obj).spec.containers].find((c) => c.name === name)!;
  /** A deep copy of the fixture with the pipelines release's objects changed in place. */
  function broken(change: (find: (kind: string, name: string) => K8sObject, release: Mutable<RenderedRelease>, copy: RenderedEnvironment) => void): RenderedEnvironment {
    const copy = structuredClone(fixture);
    const release = copy.releases.find((x) => x.name === 'pipelines') as Mutable<RenderedRelease>;
    change((kind, name) => find(copy, kind, name), release, copy);
    return copy;
  }

  test('the fixture passes every Pipelines rule', () => {
    for (const rule of [pipelinesVersionProblems, pipelinesIdentityProblems, tensorboardSigningProblems, artifactEndpointProblems, checks.meshInitContainerProblems, checks.configMapKeyProblems]) {
      expect({ rule: rule.name, problems: rule(fixture) }).toEqual({ rule: rule.name, problems: [] });
    }
  });

  test('KFP runs its own 2.17.0 images; the controller and the executor it starts are both Argo v4.0.10', () => {
    expect((find(fixture, 'ConfigMap', 'pipeline-install-config') as unknown as { data: Record<string, string> }).data.appVersion).toBe(KUBEFLOW_PIPELINES.version);
    expect(container(find(fixture, 'Deployment', 'ml-pipeline'), 'ml-pipeline-api-server').image).toBe(`ghcr.io/kubeflow/kfp-api-server:${KUBEFLOW_PIPELINES.version}`);
    const controller = container(find(fixture, 'Deployment', 'workflow-controller'), 'workflow-controller');
    expect(controller.image).toBe('quay.io/argoproj/workflow-controller:v4.0.10');
    expect(controller.args).toEqual(['--configmap', 'workflow-controller-configmap', '--executor-image', 'quay.io/argoproj/argoexec:v4.0.10']);
    expect(IMAGES.argoExecutor.tag).toBe('v4.0.10');
  });

  test('Argo\'s executor containers keep KFP\'s restricted security context and request CPU and memory (steps fit profile quotas)', () => {
    const data = (find(fixture, 'ConfigMap', 'workflow-controller-configmap') as unknown as { data: Record<string, string> }).data;
    const executor = parse(data.executor) as { securityContext: Record<string, unknown>; resources: { requests: Record<string, string>; limits: Record<string, string> } };
    expect(executor.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(executor.resources).toEqual(EXECUTOR_RESOURCES);
  });

  test('an executor left at KFP\'s v4.0.5, or a KFP image at another release, fails the version rule', () => {
    const executor = broken((f) => { container(f('Deployment', 'workflow-controller'), 'workflow-controller').args![3] = 'quay.io/argoproj/argoexec:v4.0.5'; });
    expect(pipelinesVersionProblems(executor)).toEqual([
      expect.stringMatching(/^Deployment workflow-controller: --executor-image is "quay.io\/argoproj\/argoexec:v4.0.5", not quay.io\/argoproj\/argoexec:v4.0.10/),
      'an object of the pipelines releases names quay.io/argoproj/argoexec:v4.0.5, not Argo v4.0.10',
    ]);
    const ui = broken((f) => { container(f('Deployment', 'ml-pipeline-ui'), 'ml-pipeline-ui').image = 'ghcr.io/kubeflow/kfp-frontend:2.16.1'; });
    expect(pipelinesVersionProblems(ui)).toEqual([`Deployment ml-pipeline-ui: container ml-pipeline-ui runs ghcr.io/kubeflow/kfp-frontend:2.16.1, not Pipelines ${KUBEFLOW_PIPELINES.version}`]);
  });

  test('metacontroller v4.16.2 with its new CRD schemas in pipelines-crds', () => {
    expect(container(find(fixture, 'StatefulSet', 'metacontroller'), 'metacontroller').image).toBe('ghcr.io/metacontroller/metacontroller:v4.16.2');
    const crds = fixture.releases.find((x) => x.name === 'pipelines-crds')!.objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    expect(crds).toEqual(expect.arrayContaining(['compositecontrollers.metacontroller.k8s.io', 'controllerrevisions.metacontroller.k8s.io', 'decoratorcontrollers.metacontroller.k8s.io']));
  });

  test('the API server, UI and scheduled-workflow controller read the user from the header the gateway sets, unprefixed', () => {
    const data = (find(fixture, 'ConfigMap', 'pipeline-install-config') as unknown as { data: Record<string, string> }).data;
    expect({ header: data.USERID_HEADER, prefix: data.USERID_PREFIX }).toEqual({ header: USERID_HEADER, prefix: '' });
    const prefixed = broken((f) => { (f('ConfigMap', 'pipeline-install-config') as unknown as { data: Record<string, string> }).data.USERID_PREFIX = 'accounts.google.com:'; });
    expect(pipelinesIdentityProblems(prefixed)).toEqual(['ConfigMap pipeline-install-config: USERID_PREFIX is "accounts.google.com:", but the gateway\'s header carries the user with no prefix']);
    const otherHeader = broken((_f, _r, copy) => {
      const auth = copy.releases.flatMap((r) => r.objects).find((o) => o.kind === 'RequestAuthentication')! as unknown as { spec: { jwtRules: { outputClaimToHeaders: { header: string }[] }[] } };
      for (const rule of auth.spec.jwtRules) for (const h of rule.outputClaimToHeaders) if (h.header === USERID_HEADER) h.header = 'x-user';
    });
    expect(pipelinesIdentityProblems(otherHeader)).toEqual([
      'ConfigMap pipeline-install-config: USERID_HEADER is "kubeflow-userid", but the gateway sets the user in x-user',
      'Deployment ml-pipeline: KUBEFLOW_USERID_HEADER resolves to "kubeflow-userid", not x-user',
      'Deployment ml-pipeline-ui: KUBEFLOW_USERID_HEADER resolves to "kubeflow-userid", not x-user',
      'Deployment ml-pipeline-scheduledworkflow: USER_IDENTITY_HEADER resolves to "kubeflow-userid", not x-user',
    ]);
  });

  test('the wait-for init containers run behind a native sidecar; without it the mesh rule names the pod', () => {
    for (const name of WAITING_DEPLOYMENTS) {
      const t = template(find(fixture, 'Deployment', name));
      expect({ name, waits: (t.spec.initContainers ?? []).map((c) => c.name).every((c) => c.startsWith('wait-for-')), annotation: t.metadata.annotations?.[NATIVE_SIDECAR_ANNOTATION] }).toEqual({ name, waits: true, annotation: 'true' });
    }
    const withInit = fixture.releases.flatMap((r) => r.objects).filter((o) => o.kind === 'Deployment' && (template(o).spec.initContainers ?? []).some((c) => c.name.startsWith('wait-for-')));
    expect(withInit.map((o) => o.metadata.name).sort()).toEqual([...WAITING_DEPLOYMENTS].sort());
    const classic = broken((f) => { delete template(f('Deployment', 'ml-pipeline')).metadata.annotations![NATIVE_SIDECAR_ANNOTATION]; });
    expect(checks.meshInitContainerProblems(classic)).toEqual([expect.stringMatching(/^Deployment kubeflow\/ml-pipeline \(release pipelines\): init containers wait-for-database, wait-for-metadata-grpc run before the Istio sidecar/)]);
    // istiod told to inject native sidecars everywhere would do as well.
    const meshWide = broken((_f, _r, copy) => {
      const istiod = copy.releases.find((r) => r.name === 'istiod') as Mutable<RenderedRelease>;
      istiod.values = { ...istiod.values, pilot: { ...(istiod.values.pilot as object), env: { ENABLE_NATIVE_SIDECARS: 'true' } } };
      delete template(copy.releases.find((r) => r.name === 'pipelines')!.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ml-pipeline')!).metadata.annotations![NATIVE_SIDECAR_ANNOTATION];
    });
    expect(checks.meshInitContainerProblems(meshWide)).toEqual([]);
  });

  test('the init containers pass Pod Security "restricted" with the proxy injected as a native sidecar', () => {
    const strictInit = broken((f) => {
      const wait = container(f('Deployment', 'metadata-writer'), 'wait-for-metadata-grpc') as Container & { securityContext: Record<string, unknown> };
      wait.securityContext = { ...wait.securityContext, runAsUser: 0 };
    });
    expect(checks.podSecurityProblems(fixture)).toEqual([]);
    expect(checks.podSecurityProblems(strictInit)).toEqual([expect.stringMatching(/^Deployment kubeflow\/metadata-writer .*violates Pod Security "restricted".*"wait-for-metadata-grpc" sets securityContext.runAsUser=0/)]);
  });

  test('a consumer left on a key 2.17 removed (dbHost) fails the ConfigMap rule', () => {
    const r = broken((f) => {
      const server = container(f('Deployment', 'cache-server'), 'server');
      server.env = server.env!.map((e) => (e.name === 'DBCONFIG_HOST_NAME' ? { ...e, valueFrom: { configMapKeyRef: { name: 'pipeline-install-config', key: 'dbHost' } } } : e));
    });
    expect(checks.configMapKeyProblems(r)).toEqual(['Deployment kubeflow/cache-server (release pipelines): container server reads DBCONFIG_HOST_NAME from key dbHost of ConfigMap kubeflow/pipeline-install-config, which has no such key']);
    expect((find(fixture, 'ConfigMap', 'pipeline-install-config') as unknown as { data: Record<string, string> }).data).not.toHaveProperty('dbHost');
  });

  test('the UI signs TensorBoard links with its own generated key, not the object store\'s', () => {
    const ref = container(find(fixture, 'Deployment', 'ml-pipeline-ui'), 'ml-pipeline-ui').env!.find((e) => e.name === 'TENSORBOARD_PROXY_SIGNING_SECRET')!.valueFrom!.secretKeyRef;
    expect(ref).toEqual({ name: TENSORBOARD_SIGNING_SECRET, key: 'key' });
    const fallback = broken((f) => {
      const ui = container(f('Deployment', 'ml-pipeline-ui'), 'ml-pipeline-ui');
      ui.env = ui.env!.filter((e) => e.name !== 'TENSORBOARD_PROXY_SIGNING_SECRET');
    });
    expect(tensorboardSigningProblems(fallback)).toEqual(['Deployment ml-pipeline-ui: TENSORBOARD_PROXY_SIGNING_SECRET is not set, so the UI signs TensorBoard links with the object store\'s secret key']);
    const shared = broken((f) => {
      const ui = container(f('Deployment', 'ml-pipeline-ui'), 'ml-pipeline-ui');
      ui.env = ui.env!.map((e) => (e.name === 'TENSORBOARD_PROXY_SIGNING_SECRET' ? { ...e, valueFrom: { secretKeyRef: { name: 'mlpipeline-minio-artifact', key: 'secretkey' } } } : e));
    });
    expect(tensorboardSigningProblems(shared)).toEqual(['Deployment ml-pipeline-ui: TENSORBOARD_PROXY_SIGNING_SECRET comes from the object store\'s credentials']);
  });

  test('the UI may no longer read Secrets (2.17 took that right away)', () => {
    const role = find(fixture, 'ClusterRole', 'ml-pipeline-ui') as unknown as { rules: { resources?: string[] }[] };
    expect(role.rules.flatMap((r) => r.resources ?? [])).not.toContain('secrets');
  });

  test('finished runs are deleted after an hour and steps retried twice on errors (KFP 2.17.0\'s defaults, kept and written by us)', () => {
    const data = (find(fixture, 'ConfigMap', 'workflow-controller-configmap') as unknown as { data: Record<string, string> }).data;
    const ttl = KFP_WORKFLOW_DEFAULTS.deleteFinishedAfterSeconds;
    expect(parse(data.workflowDefaults)).toEqual({
      spec: {
        ttlStrategy: { secondsAfterCompletion: ttl, secondsAfterSuccess: ttl, secondsAfterFailure: ttl },
        templateDefaults: { retryStrategy: { limit: String(KFP_WORKFLOW_DEFAULTS.retryLimit), retryPolicy: 'OnError' } },
      },
    });
    expect(parse(data.artifactRepository)).toMatchObject({ archiveLogs: true });
  });

  test('every object-store endpoint reaches SeaweedFS: Argo at seaweedfs.kubeflow.svc:9000, a compatibility port', () => {
    expect(artifactEndpoints(fixture).map((e) => e.endpoint)).toEqual(['seaweedfs.kubeflow.svc:9000', 'seaweedfs.kubeflow:9000', 'seaweedfs.kubeflow:8333', 'seaweedfs.kubeflow:8111']);
    const argo = (endpoint: string) => broken((f) => {
      const cm = f('ConfigMap', 'workflow-controller-configmap') as unknown as { data: Record<string, string> };
      cm.data.artifactRepository = cm.data.artifactRepository.replace('seaweedfs.kubeflow.svc:9000', endpoint);
    });
    expect(artifactEndpointProblems(argo('seaweedfs:9000'))).toEqual([expect.stringMatching(/seaweedfs:9000 has no namespace, so it does not resolve from the profile namespaces/)]);
    expect(artifactEndpointProblems(argo('seaweedfs.kubeflow.svc:9001'))).toEqual([expect.stringMatching(/seaweedfs.kubeflow.svc:9001: Service kubeflow\/seaweedfs has no port 9001$/)]);
    expect(artifactEndpointProblems(argo('minio-service.kubeflow:9000'))).toEqual([expect.stringMatching(/names Service kubeflow\/minio-service, which no release renders$/)]);
    const retargeted = broken((f) => {
      const svc = f('Service', 'seaweedfs') as unknown as { spec: { ports: { port: number; targetPort: number }[] } };
      svc.spec.ports = svc.spec.ports.map((p) => (p.port === 9000 ? { ...p, targetPort: 9000 } : p));
    });
    expect(artifactEndpointProblems(retargeted)).toEqual([
      expect.stringMatching(/^ConfigMap workflow-controller-configmap.*Service kubeflow\/seaweedfs sends port 9000 to 9000, where SeaweedFS does not listen$/),
      expect.stringMatching(/^Deployment ml-pipeline: OBJECTSTORECONFIG_HOST\/PORT: seaweedfs.kubeflow:9000: .* where SeaweedFS does not listen$/),
    ]);
  });
});
