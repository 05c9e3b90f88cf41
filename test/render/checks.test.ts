import { renderFixture } from '../fixtures/render-environment';
import * as checks from './checks';
import { K8sObject, RenderedEnvironment, RenderedRelease, renderEnvironment } from '../../scripts/render/render';
import { renderTools } from '../../scripts/render/tools';
import { ineffectiveKeys } from './values-keys';
import { AZURE_LABEL_LIMITS } from '../../constructs/observability/scrape-objects';
import { CHARTS, ISTIO_HUB } from '../../catalog/versions';

/**
 * Each rule of the render tests catches what it is for: the fixture
 * environment passes it, and a copy broken the way the platform once was
 * (or could be) fails it, naming the object.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

maybe('render rules on broken inputs', () => {
  let fixture: RenderedEnvironment;
  beforeAll(() => {
    fixture = renderEnvironment(renderFixture);
  });

  /** A deep copy of the fixture, changed by `change`. */
  function broken(change: (r: Mutable<RenderedEnvironment> & { releases: Mutable<RenderedRelease>[] }) => void): RenderedEnvironment {
    const copy = structuredClone(fixture) as Mutable<RenderedEnvironment> & { releases: Mutable<RenderedRelease>[] };
    copy.releases = copy.releases.map((r) => ({ ...r, objects: [...r.objects] }));
    change(copy);
    return copy;
  }
  test('profile namespaces get the labels the profile controller writes (Pod Security level, mesh injection)', () => {
    // The controller's ConfigMap is rendered with the dashboard's name prefix (profiles-namespace-labels-data-…):
    // without its labels every namespace rule would skip the profile namespaces.
    const labels = checks.profileNamespaceLabels(fixture);
    expect(Object.keys(labels).length).toBeGreaterThan(0);
    expect(Object.keys(labels).some((k) => k.startsWith('pod-security.kubernetes.io/'))).toBe(true);
    for (const profile of fixture.env.profiles) expect(checks.namespaceLabels(fixture).get(profile.name)).toMatchObject(labels);
  });

  const release = (r: RenderedEnvironment, name: string) => {
    const found = r.releases.find((x) => x.name === name);
    if (!found) throw new Error(`fixture has no release ${name}`);
    return found as Mutable<RenderedRelease>;
  };
  const find = (r: RenderedEnvironment, releaseName: string, kind: string, name: string): Record<string, unknown> & K8sObject => {
    const obj = release(r, releaseName).objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!obj) throw new Error(`fixture release ${releaseName} has no ${kind} ${name}`);
    return obj as Record<string, unknown> & K8sObject;
  };
  const podSpec = (obj: Record<string, unknown>) => ((obj.spec as { template: { spec: Record<string, unknown> } }).template.spec);

  test('the fixture passes every rule', () => {
    for (const [name, fn] of Object.entries(checks)) {
      if (typeof fn === 'function' && name.endsWith('Problems')) expect({ name, problems: (fn as (r: RenderedEnvironment) => string[])(fixture) }).toEqual({ name, problems: [] });
    }
  });

  test('a pod running as a ServiceAccount nobody creates', () => {
    const r = broken((c) => { podSpec(find(c, 'oauth2-proxy', 'Deployment', 'oauth2-proxy')).serviceAccountName = 'missing'; });
    expect(checks.serviceAccountProblems(r)).toEqual([expect.stringContaining('Deployment oauth2-proxy/oauth2-proxy (release oauth2-proxy): runs as ServiceAccount oauth2-proxy/missing')]);
  });

  test('oauth2-proxy without its federated ServiceAccount (upstream runs it as default)', () => {
    const r = broken((c) => { delete podSpec(find(c, 'oauth2-proxy', 'Deployment', 'oauth2-proxy')).serviceAccountName; });
    expect(checks.workloadIdentityProblems(r)).toEqual([expect.stringMatching(/subject system:serviceaccount:oauth2-proxy:oauth2-proxy is not the ServiceAccount of any pod/)]);
  });

  test('a federated pod without the workload-identity label', () => {
    const r = broken((c) => {
      const template = (find(c, 'oauth2-proxy', 'Deployment', 'oauth2-proxy').spec as { template: { metadata: { labels: Record<string, string> } } }).template;
      delete template.metadata.labels['azure.workload.identity/use'];
    });
    expect(checks.workloadIdentityProblems(r)).toEqual([expect.stringMatching(/Deployment oauth2-proxy\/oauth2-proxy .*without the pod label azure.workload.identity\/use/)]);
  });

  test('the gateway ServiceAccount named after the release (RBAC: access denied on every UI)', () => {
    const r = broken((c) => {
      const gateway = release(c, 'istio-ingressgateway');
      gateway.objects = gateway.objects.map((o) => (o.kind === 'ServiceAccount' ? { ...o, metadata: { ...o.metadata, name: 'istio-ingressgateway' } } : o));
    });
    const problems = checks.authorizationPolicyProblems(r);
    expect(problems.length).toBeGreaterThanOrEqual(5);
    expect(problems).toContainEqual(expect.stringContaining('AuthorizationPolicy kubeflow/dashboard (release dashboard): allows principal cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'));
  });

  test('kubeflow-roles not rendered (profile bindings point at nothing)', () => {
    const r = broken((c) => {
      const dashboard = release(c, 'dashboard');
      dashboard.objects = dashboard.objects.filter((o) => !(o.kind === 'ClusterRole' && /^kubeflow-(admin|edit|view)$/.test(o.metadata.name)));
    });
    const problems = checks.rbacProblems(r);
    expect(problems).toContainEqual(expect.stringContaining('RoleBinding team-a/user-editor-fixture-test-clusterrole-edit (release kubeflow-profile-contributors): binds ClusterRole kubeflow-edit, which does not exist'));
    expect(problems).toContainEqual('ClusterRole kubeflow-admin: the profile controller binds it in every profile namespace, but no release creates it');
    expect(problems).toContainEqual(expect.stringMatching(/labelled rbac.authorization.kubeflow.org\/aggregate-to-kubeflow-edit=true, but no ClusterRole aggregates it/));
  });

  test('an aggregating role with no sources', () => {
    const r = broken((c) => {
      const dashboard = release(c, 'dashboard');
      dashboard.objects = [...dashboard.objects, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'lonely' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.test/aggregate-to-lonely': 'true' } }] } }];
    });
    expect(checks.rbacProblems(r)).toEqual([expect.stringContaining('ClusterRole lonely (release dashboard): aggregates ClusterRoles')]);
  });

  test('Istio without CNI: istio-init is refused in restricted namespaces', () => {
    const r = broken((c) => { release(c, 'istiod').values = { ...release(c, 'istiod').values, pilot: { cni: { enabled: false } } }; });
    const problems = checks.podSecurityProblems(r);
    expect(problems).toContainEqual(expect.stringMatching(/Deployment kubeflow\/profiles-deployment \(release dashboard\): violates Pod Security "restricted" of namespace kubeflow: .*istio-init.*NET_ADMIN.*injected by the Istio sidecar injector/));
  });

  test('a privileged container in the restricted kubeflow namespace', () => {
    const r = broken((c) => {
      const spec = podSpec(find(c, 'katib', 'Deployment', 'katib-controller'));
      spec.containers = (spec.containers as Record<string, unknown>[]).map((x) => ({ ...x, securityContext: { privileged: true } }));
    });
    expect(checks.podSecurityProblems(r)).toContainEqual(expect.stringMatching(/Deployment kubeflow\/katib-controller .*violates Pod Security "restricted"/));
  });

  test('KServe standard mode without the istio IngressClass', () => {
    const r = broken((c) => { release(c, 'kserve-ingress-class').objects = []; });
    expect(checks.ingressClassProblems(r)).toEqual(['KServe (inferenceservice-config ingress.ingressClassName): uses IngressClass "istio", which does not exist (the Ingress is never served)']);
  });

  test('an IngressClass istio with another controller', () => {
    const r = broken((c) => {
      const cls = release(c, 'kserve-ingress-class');
      cls.objects = cls.objects.map((o) => ({ ...o, spec: { controller: 'example.test/other' } }));
    });
    expect(checks.ingressClassProblems(r)).toEqual([expect.stringContaining('Istio serves only istio.io/ingress-controller')]);
  });

  test('Ingresses served by a gateway other than the Kubeflow gateway', () => {
    const r = broken((c) => { release(c, 'istiod').values = { ...release(c, 'istiod').values, meshConfig: { ingressSelector: 'other' } }; });
    expect(checks.inferenceRouteProblems(r)).toContainEqual(expect.stringContaining('no gateway pod in istio-system is labelled istio=other'));
  });

  test('a webhook configuration without the admissions-enforcer annotation', () => {
    const r = broken((c) => {
      const dashboard = release(c, 'dashboard');
      dashboard.objects = dashboard.objects.map((o) => (o.kind === 'MutatingWebhookConfiguration' ? { ...o, metadata: { ...o.metadata, annotations: {} } } : o));
    });
    expect(checks.webhookProblems(r)).toEqual([expect.stringContaining('MutatingWebhookConfiguration poddefaults-webhook-mutating-webhook-configuration (release dashboard): lacks the annotation')]);
  });

  test('one object in two releases', () => {
    const r = broken((c) => {
      const sa = find(c, 'katib', 'ServiceAccount', 'katib-controller');
      release(c, 'pipelines').objects = [...release(c, 'pipelines').objects, sa];
    });
    expect(checks.ownershipProblems(r)).toEqual([expect.stringContaining('/ServiceAccount/kubeflow/katib-controller: installed by 2 releases (katib, pipelines)')]);
  });

  test('a custom resource in a release that does not wait for its CRD', () => {
    const r = broken((c) => { release(c, 'kubeflow-profiles').dependsOn = []; });
    expect(checks.customResourceProblems(r)).toContainEqual(expect.stringContaining('Profile team-a (release kubeflow-profiles): its CRD comes from release dashboard-crds, which it does not wait for'));
  });

  test('a custom resource that does not match its CRD schema', () => {
    const r = broken((c) => {
      const profiles = release(c, 'kubeflow-profiles');
      profiles.objects = profiles.objects.map((o) => ({ ...o, spec: { ...(o.spec as object), ownr: { kind: 'User', name: 'x' } } }));
    });
    expect(checks.customResourceProblems(r)).toEqual([expect.stringMatching(/Profile team-a \(release kubeflow-profiles\): spec\.ownr: unknown field/)]);
  });

  test('a bundle CRD without keep (uninstalling Katib would delete every Experiment)', () => {
    const r = broken((c) => {
      const crds = release(c, 'katib-crds');
      crds.objects = crds.objects.map((o) => ({ ...o, metadata: { ...o.metadata, annotations: {} } }));
    });
    expect(checks.crdKeepProblems(r)).toContainEqual(expect.stringContaining('CustomResourceDefinition experiments.kubeflow.org (release katib-crds): would be deleted'));
  });

  test('a store volume on the default class, without keep, or on a class that deletes its disk', () => {
    const storeRelease = (c: RenderedEnvironment) => c.releases.find((x) => x.name === 'kubeflow-store-storage')!.name;
    const claim = (c: RenderedEnvironment) => find(c, 'katib', 'PersistentVolumeClaim', 'katib-mysql');
    expect(checks.storeVolumeProblems(fixture)).toEqual([]);
    const unkept = broken((c) => { const pvc = claim(c); (pvc as Mutable<K8sObject>).metadata = { ...pvc.metadata, annotations: {} }; });
    expect(checks.storeVolumeProblems(unkept)).toEqual([expect.stringMatching(/^PersistentVolumeClaim (kubeflow\/)?katib-mysql \(release katib\): would be deleted with its release/)]);
    const defaultClass = broken((c) => { const pvc = claim(c); pvc.spec = { ...(pvc.spec as object), storageClassName: undefined }; });
    expect(checks.storeVolumeProblems(defaultClass)).toEqual([expect.stringContaining('katib-mysql (release katib): uses the cluster\'s default StorageClass')]);
    const deleting = broken((c) => {
      const sc = find(c, storeRelease(c), 'StorageClass', 'kubeflow-store');
      Object.assign(sc, { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    });
    expect(checks.storeVolumeProblems(deleting)).toEqual([
      'StorageClass kubeflow-store (release kubeflow-store-storage): reclaimPolicy Delete, store volumes need Retain',
      expect.stringContaining('StorageClass kubeflow-store (release kubeflow-store-storage): volumeBindingMode Immediate'),
    ]);
    const missing = broken((c) => { const r = release(c, storeRelease(c)); r.objects = r.objects.filter((o) => o.kind !== 'StorageClass'); });
    expect(checks.storeVolumeProblems(missing)).toContainEqual(expect.stringContaining('katib-mysql (release katib): StorageClass kubeflow-store is rendered by no release'));
    // With deleteDataOnRemoval the same objects are wrong the other way round.
    const deleteOnRemoval = broken((c) => { c.env = { ...c.env, dataStores: { ...c.env.dataStores, deleteDataOnRemoval: true } }; });
    expect(checks.storeVolumeProblems(deleteOnRemoval)).toEqual(expect.arrayContaining([
      expect.stringContaining('katib-mysql (release katib): kept on uninstall although dataStores.deleteDataOnRemoval is true'),
      'StorageClass kubeflow-store (release kubeflow-store-storage): reclaimPolicy Retain, store volumes need Delete',
    ]));
  });

  test('a release record near the Secret limit', () => {
    const r = broken((c) => { release(c, 'kubeflow-trainer').recordBytes = 1_000_000; });
    expect(checks.releaseRecordProblems(r)).toEqual([expect.stringContaining('release kubeflow-trainer: record of ~977 KiB exceeds')]);
  });

  test('a MIG pool that nobody partitions (gpu_instance with the operator driver, MIG manager off)', () => {
    const r = broken((c) => {
      const pool = Object.values(c.cluster.resource.azurerm_kubernetes_cluster_node_pool).find((p) => p.name === 'a100mig') as Record<string, unknown>;
      pool.gpu_instance = 'MIG3g';
      pool.node_labels = Object.fromEntries(Object.entries(pool.node_labels as Record<string, string>).filter(([k]) => k !== 'nvidia.com/mig.config'));
    });
    expect(checks.migOwnershipProblems(r)).toEqual(['GPU pool a100mig (MIG3g): nobody partitions its GPUs; exactly one must']);
    // The runtime then asks for two MIG devices of a node that advertises one whole GPU.
    expect(checks.gpuRequestProblems(r)).toEqual([expect.stringContaining('ClusterTrainingRuntime torch-distributed-a100mig (release kubeflow-trainer-gpu-runtimes): asks for 2 nvidia.com/gpu, which no node offers (a100mig: {"nvidia.com/gpu":1})')]);
  });

  test('a MIG pool partitioned by both AKS and the GPU Operator', () => {
    const r = broken((c) => {
      const pool = Object.values(c.cluster.resource.azurerm_kubernetes_cluster_node_pool).find((p) => p.name === 'a100mig') as Record<string, unknown>;
      pool.gpu_instance = 'MIG3g';
      pool.gpu_driver = 'Install';
    });
    expect(checks.migOwnershipProblems(r)).toEqual([expect.stringMatching(/GPU pool a100mig \(MIG3g\): partitioned by AKS .* and the GPU Operator's MIG manager/)]);
  });

  test('a generated password in Helm values', () => {
    const r = broken((c) => {
      const [id] = Object.keys(c.platform.resource.helm_release);
      c.platform.resource.helm_release[id] = { ...c.platform.resource.helm_release[id], values: ['{"password":"${random_password.x.result}"}'] };
    });
    expect(checks.secretsInValuesProblems(r)).toEqual([expect.stringContaining('values reference a generated password')]);
  });

  test('Istio images from the retired registry (the charts\' default hub)', () => {
    const r = broken((c) => {
      const istiod = release(c, 'istiod');
      istiod.objects = istiod.objects.map((o) => (o.kind === 'ConfigMap' && o.metadata.name === 'istio-sidecar-injector'
        ? { ...o, data: { ...(o.data as Record<string, string>), values: String((o.data as Record<string, string>).values).replace(/"hub":\s*"[^"]+"/, '"hub": "registry.istio.io/release"') } }
        : o));
      const cni = release(c, 'istio-cni');
      cni.objects = JSON.parse(JSON.stringify(cni.objects).replace(/docker\.io\/istio\//g, 'registry.istio.io/release/'));
    });
    const problems = checks.retiredRegistryProblems(r);
    expect(problems).toContainEqual(expect.stringMatching(/^DaemonSet istio-cni\/istio-cni-node \(release istio-cni\): image registry\.istio\.io\/release\/install-cni:/));
    expect(problems).toContainEqual('ConfigMap istio-system/istio-sidecar-injector: injects sidecars from registry.istio.io/release, a retired registry');
  });

  test('Istio on the chart\'s own tag, a sidecar image pinned by annotation, a gateway the injector skips', () => {
    const atChartTag = checks.istioImageProblems(fixture, { hub: ISTIO_HUB, tag: CHARTS.istiod.version });
    expect(atChartTag).toContainEqual(expect.stringMatching(/^Deployment istio-system\/istiod \(release istiod\): runs docker\.io\/istio\/pilot:1\.30\.5, not docker\.io\/istio\/pilot:1\.30\.3$/));
    expect(atChartTag).toContainEqual(expect.stringMatching(/^DaemonSet istio-cni\/istio-cni-node \(release istio-cni\): runs docker\.io\/istio\/install-cni:1\.30\.5/));
    expect(atChartTag).toContainEqual(expect.stringContaining('ConfigMap istio-system/istio-sidecar-injector (release istiod): injects sidecars and gateways from docker.io/istio, tag 1.30.5'));
    const r = broken((c) => {
      const istiod = release(c, 'istiod');
      istiod.objects = istiod.objects.map((o) => (o.kind === 'ConfigMap' && o.metadata.name === 'istio-sidecar-injector'
        ? { ...o, data: { ...(o.data as Record<string, string>), values: String((o.data as Record<string, string>).values).replace(/"tag":\s*"1\.30\.5"/, '"tag": "1.30.3"') } }
        : o));
      const ui = find(c, 'pipelines', 'Deployment', 'ml-pipeline-ui') as unknown as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
      ui.spec.template.metadata.annotations = { ...ui.spec.template.metadata.annotations, 'sidecar.istio.io/proxyImage': 'docker.io/istio/proxyv2:1.30.3' };
      const gateway = find(c, 'istio-ingressgateway', 'Deployment', 'istio-ingressgateway') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } };
      const { 'sidecar.istio.io/inject': _dropped, ...labels } = gateway.spec.template.metadata.labels;
      gateway.spec.template.metadata.labels = labels;
    });
    const problems = checks.istioImageProblems(r);
    expect(problems).toHaveLength(3);
    expect(problems).toContainEqual('ConfigMap istio-system/istio-sidecar-injector (release istiod): injects sidecars and gateways from docker.io/istio, tag 1.30.3, not docker.io/istio, tag 1.30.5');
    expect(problems).toContainEqual(expect.stringMatching(/^Deployment istio-system\/istio-ingressgateway \(release istio-ingressgateway\): has image "auto" but no sidecar\.istio\.io\/inject=true label/));
    expect(problems).toContainEqual(expect.stringMatching(/^Deployment kubeflow\/ml-pipeline-ui \(release pipelines\): annotation sidecar\.istio\.io\/proxyImage=docker\.io\/istio\/proxyv2:1\.30\.3/));
  });

  const scrape = (r: RenderedEnvironment, kind: string, name: string) => find(r, 'managed-prometheus-scrape', kind, name) as Record<string, unknown> & K8sObject & { spec: Record<string, unknown> };

  test('the fixture scrapes the DCGM exporter (a ServiceMonitor the rules see)', () => {
    const monitor = scrape(fixture, 'ServiceMonitor', 'nvidia-dcgm-exporter');
    expect(monitor.apiVersion).toBe('azmonitoring.coreos.com/v1');
    expect(monitor.metadata.namespace).toBe('gpu-operator');
  });

  test('a DCGM ServiceMonitor selecting a label the exporter does not have', () => {
    const r = broken((c) => {
      const rel = release(c, 'managed-prometheus-scrape');
      rel.objects = rel.objects.map((o) => (o.kind === 'ServiceMonitor' ? { ...o, spec: { ...(o.spec as object), selector: { matchLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' } } } } : o));
    });
    expect(checks.scrapeTargetProblems(r)).toEqual([expect.stringMatching(/^ServiceMonitor gpu-operator\/nvidia-dcgm-exporter \(release managed-prometheus-scrape\): selects \{"app.kubernetes.io\/name":"dcgm-exporter"\} in gpu-operator, but no Service there has those labels/)]);
    expect(checks.gpuMetricsCoverageProblems(r)).toEqual([expect.stringContaining('no azmonitoring.coreos.com/v1 scrape object selects the DCGM exporter')]);
  });

  test('a DCGM ServiceMonitor naming the container port instead of the Service port', () => {
    const r = broken((c) => {
      const monitor = scrape(c, 'ServiceMonitor', 'nvidia-dcgm-exporter');
      monitor.spec = { ...monitor.spec, endpoints: [{ ...(monitor.spec.endpoints as object[])[0], port: 'metrics' }] };
    });
    expect(checks.scrapeTargetProblems(r)).toEqual([expect.stringContaining('endpoint port "metrics" is not a port of Service gpu-operator/nvidia-dcgm-exporter')]);
  });

  test('a scrape object without Azure\'s label limits, or above them', () => {
    const r = broken((c) => {
      const monitor = scrape(c, 'ServiceMonitor', 'nvidia-dcgm-exporter');
      const { labelLimit: _dropped, ...rest } = monitor.spec as Record<string, unknown>;
      monitor.spec = { ...rest, labelValueLengthLimit: 4096 };
    });
    expect(checks.scrapeTargetProblems(r)).toEqual([
      expect.stringContaining('nvidia-dcgm-exporter (release managed-prometheus-scrape): spec.labelLimit is undefined; Azure Managed Prometheus needs it set, 1 to 63'),
      expect.stringContaining('spec.labelValueLengthLimit is 4096; Azure Managed Prometheus needs it set, 1 to 1023'),
    ]);
  });

  test('a PodMonitor of the OSS group, which managed Prometheus ignores', () => {
    const r = broken((c) => {
      const rel = release(c, 'managed-prometheus-scrape');
      rel.objects = rel.objects.map((o) => (o.kind === 'PodMonitor' && o.metadata.name === 'katib-controller' ? { ...o, apiVersion: 'monitoring.coreos.com/v1' } : o));
    });
    expect(checks.scrapeTargetProblems(r)).toEqual([expect.stringContaining('monitoring.coreos.com/v1 is not read by Azure Managed Prometheus')]);
    // The OSS CRD is not on the reasoned list of CRDs provided outside the project.
    expect(checks.customResourceProblems(r)).toContainEqual(expect.stringContaining('no release installs the CRD of monitoring.coreos.com/v1 PodMonitor'));
  });

  test('a PodMonitor on a port the notebook controller does not listen on', () => {
    const r = broken((c) => {
      const monitor = scrape(c, 'PodMonitor', 'notebook-controller');
      monitor.spec = { ...monitor.spec, podMetricsEndpoints: [{ targetPort: 9090, path: '/metrics' }] };
    });
    expect(checks.scrapeTargetProblems(r)).toEqual([expect.stringContaining('endpoint port 9090 is not a port of')]);
  });

  const addTo = (r: RenderedEnvironment, releaseName: string, obj: K8sObject) => {
    const rel = release(r, releaseName);
    rel.objects = [...rel.objects, obj];
  };
  const kubeflowPolicy = (name: string, spec: Record<string, unknown>): K8sObject => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'kubeflow' }, spec } as K8sObject);

  test('the fixture scrapes the Pipelines API server and scheduled-workflow controller through their sidecars', () => {
    expect(scrape(fixture, 'PodMonitor', 'ml-pipeline').spec).toEqual({ labelLimit: 63, labelNameLengthLimit: 511, labelValueLengthLimit: 1023, selector: { matchLabels: { app: 'ml-pipeline' } }, podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }] });
    expect(scrape(fixture, 'PodMonitor', 'ml-pipeline-scheduledworkflow').spec).toEqual({ labelLimit: 63, labelNameLengthLimit: 511, labelValueLengthLimit: 1023, selector: { matchLabels: { app: 'ml-pipeline-scheduledworkflow' } }, podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }] });
    expect(checks.scrapeTargetProblems(fixture)).toEqual([]);
    expect(checks.scrapeMeshProblems(fixture)).toEqual([]);
  });

  test('a Pipelines PodMonitor on a port name the API server does not declare', () => {
    const r = broken((c) => {
      const monitor = scrape(c, 'PodMonitor', 'ml-pipeline');
      monitor.spec = { ...monitor.spec, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }] };
    });
    expect(checks.scrapeTargetProblems(r)).toEqual([expect.stringContaining('PodMonitor kubeflow/ml-pipeline (release managed-prometheus-scrape): endpoint port "metrics" is not a port of Pod kubeflow/ml-pipeline')]);
  });

  test('a Pipelines PodMonitor selecting a label the scheduled-workflow pods do not have', () => {
    const r = broken((c) => {
      const monitor = scrape(c, 'PodMonitor', 'ml-pipeline-scheduledworkflow');
      monitor.spec = { ...monitor.spec, selector: { matchLabels: { app: 'scheduledworkflow' } } };
    });
    expect(checks.scrapeTargetProblems(r)).toEqual([expect.stringContaining('PodMonitor kubeflow/ml-pipeline-scheduledworkflow (release managed-prometheus-scrape): selects {"app":"scheduledworkflow"} in kubeflow, but no Pod there has those labels')]);
  });

  /** The fixture without the tenant isolation's exception objects of this name (issue 20: its ALLOW and PeerAuthentication). */
  const withoutException = (r: RenderedEnvironment, name: string, kinds: readonly string[] = ['AuthorizationPolicy', 'PeerAuthentication']) => {
    const rel = release(r, 'mesh-isolation');
    rel.objects = rel.objects.filter((o) => !(o.metadata.name === name && kinds.includes(o.kind)));
  };

  test('the API server\'s AuthorizationPolicy without its rule for header-less requests (only mesh principals may call it), and without the scrape exception', () => {
    const r = broken((c) => {
      const policy = find(c, 'pipelines', 'AuthorizationPolicy', 'ml-pipeline') as K8sObject & { spec: { rules: unknown[] } };
      policy.spec = { ...policy.spec, rules: policy.spec.rules.slice(0, 1) };
      withoutException(c, 'ml-pipeline-metrics', ['AuthorizationPolicy']);
    });
    expect(checks.scrapeMeshProblems(r)).toEqual([expect.stringMatching(/^PodMonitor kubeflow\/ml-pipeline \(release managed-prometheus-scrape\): the scrape of kubeflow\/ml-pipeline \(GET \/metrics on 8888\) is refused by the mesh: no rule of .*AuthorizationPolicy kubeflow\/ml-pipeline \(release pipelines\).* admits/)]);
  });

  test('a narrow ALLOW policy (GET /metrics on the metrics port only) admits the scrape; the same policy on another path does not', () => {
    const narrow = (path: string) => broken((c) => {
      withoutException(c, 'ml-pipeline-scheduledworkflow-metrics', ['AuthorizationPolicy']);
      addTo(c, 'pipelines', kubeflowPolicy('ml-pipeline-scheduledworkflow-metrics', { selector: { matchLabels: { app: 'ml-pipeline-scheduledworkflow' } }, action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'], paths: [path], ports: ['9090'] } }] }] }));
    });
    expect(checks.scrapeMeshProblems(narrow('/metrics'))).toEqual([]);
    expect(checks.scrapeMeshProblems(narrow('/healthz'))).toEqual([expect.stringMatching(/the scrape of kubeflow\/ml-pipeline-scheduledworkflow \(GET \/metrics on 9090\) is refused by the mesh: no rule of .*AuthorizationPolicy kubeflow\/ml-pipeline-scheduledworkflow-metrics \(release pipelines\)/)]);
  });

  test('a DENY policy on /metrics, and STRICT mutual TLS in the kubeflow namespace', () => {
    const deny = broken((c) => {
      addTo(c, 'pipelines', kubeflowPolicy('deny-metrics', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/metrics'] } }] }] }));
    });
    expect(checks.scrapeMeshProblems(deny)).toContainEqual(expect.stringContaining('the scrape of kubeflow/ml-pipeline-scheduledworkflow (GET /metrics on 9090) is refused by the mesh: AuthorizationPolicy kubeflow/deny-metrics (release pipelines) denies it'));
    // The mesh is STRICT (issue 20); without the port exceptions the collector, which has no mesh identity, is refused.
    const strict = broken((c) => {
      for (const name of ['notebook-controller-metrics', 'ml-pipeline-metrics', 'ml-pipeline-scheduledworkflow-metrics']) withoutException(c, name, ['PeerAuthentication']);
    });
    const problems = checks.scrapeMeshProblems(strict);
    expect(problems).toContainEqual(expect.stringContaining('the scrape of kubeflow/ml-pipeline (GET /metrics on 8888) is refused by the mesh: PeerAuthentication istio-system/default (release mesh-isolation) requires mutual TLS'));
    // Katib's controller runs without a sidecar: STRICT does not concern it.
    expect(problems.filter((p) => p.includes('katib'))).toEqual([]);
    // A port-level exception for the metrics ports lets the scrape through again.
    const excepted = broken((c) => {
      for (const name of ['notebook-controller-metrics', 'ml-pipeline-metrics', 'ml-pipeline-scheduledworkflow-metrics']) withoutException(c, name, ['PeerAuthentication']);
      addTo(c, 'pipelines', { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'kubeflow' }, spec: { mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' }, 8888: { mode: 'PERMISSIVE' }, 9090: { mode: 'PERMISSIVE' } } } } as K8sObject);
    });
    expect(checks.scrapeMeshProblems(excepted)).toEqual([]);
  });

  const addScrape = (r: RenderedEnvironment, name: string, namespace: string, labels: Record<string, string>, endpoint: Record<string, unknown>) => addTo(r, 'managed-prometheus-scrape', {
    apiVersion: 'azmonitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name, namespace: 'kube-system' },
    spec: { ...AZURE_LABEL_LIMITS, selector: { matchLabels: labels }, namespaceSelector: { matchNames: [namespace] }, podMetricsEndpoints: [{ path: '/metrics', ...endpoint }] },
  } as K8sObject);

  test('the fixture scrapes the Trainer controller over HTTPS, from kube-system, without verifying its self-signed certificate', () => {
    const monitor = scrape(fixture, 'PodMonitor', 'kubeflow-trainer-controller-manager');
    expect(monitor.metadata.namespace).toBe('kube-system');
    expect(monitor.spec).toEqual({
      ...AZURE_LABEL_LIMITS,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kubeflow-trainer', 'app.kubernetes.io/component': 'manager' } },
      namespaceSelector: { matchNames: ['kubeflow-system'] },
      podMetricsEndpoints: [{ port: 'metrics', scheme: 'https', tlsConfig: { insecureSkipVerify: true }, path: '/metrics', interval: '30s' }],
    });
    // The rule reads TLS from the chart's controller configuration, not from the construct.
    expect(checks.guardedMetricsPorts(fixture)).toContainEqual(expect.objectContaining({ namespace: 'kubeflow-system', port: 8443, tls: true, token: false, loopback: false }));
    expect(checks.scrapeSchemeProblems(fixture)).toEqual([]);
  });

  test('the Trainer PodMonitor scraping plain HTTP, or looking in the wrong namespace', () => {
    const plain = broken((c) => {
      const monitor = scrape(c, 'PodMonitor', 'kubeflow-trainer-controller-manager');
      monitor.spec = { ...monitor.spec, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }] };
    });
    expect(checks.scrapeSchemeProblems(plain)).toEqual([expect.stringMatching(/^PodMonitor kube-system\/kubeflow-trainer-controller-manager \(release managed-prometheus-scrape\): port 8443 of kubeflow-system\/kubeflow-trainer-controller-manager serves TLS \(ConfigMap kubeflow-system\/kubeflow-trainer-config: metrics.secureServing on :8443\), but the endpoint scrapes plain HTTP$/)]);
    const elsewhere = broken((c) => {
      const monitor = scrape(c, 'PodMonitor', 'kubeflow-trainer-controller-manager');
      monitor.spec = { ...monitor.spec, namespaceSelector: { matchNames: ['kubeflow'] } };
    });
    expect(checks.scrapeTargetProblems(elsewhere)).toEqual([expect.stringContaining('in kubeflow, but no Pod there has those labels')]);
  });

  test('HTTPS against the Pipelines API server, which serves plain HTTP', () => {
    const r = broken((c) => {
      const monitor = scrape(c, 'PodMonitor', 'ml-pipeline');
      monitor.spec = { ...monitor.spec, podMetricsEndpoints: [{ port: 'http', path: '/metrics', scheme: 'https' }] };
    });
    expect(checks.scrapeSchemeProblems(r)).toEqual([expect.stringContaining('port 8888 of kubeflow/ml-pipeline serves plain HTTP, but the endpoint scrapes HTTPS')]);
  });

  test('KServe\'s controller: its kube-rbac-proxy wants a token, its manager listens on loopback only', () => {
    const labels = { 'control-plane': 'kserve-controller-manager' };
    const proxy = broken((c) => addScrape(c, 'kserve-controller', 'kserve', labels, { port: 'https', scheme: 'https', tlsConfig: { insecureSkipVerify: true } }));
    expect(checks.scrapeTargetProblems(proxy)).toEqual([]);
    expect(checks.scrapeSchemeProblems(proxy)).toEqual([expect.stringMatching(/port 8443 of kserve\/kserve-controller-manager wants a bearer token \(kube-rbac-proxy in kserve-controller-manager \(--secure-listen-address=0\.0\.0\.0:8443\)\)/)]);
    const manager = broken((c) => addScrape(c, 'kserve-controller', 'kserve', labels, { port: 'metrics' }));
    expect(checks.scrapeTargetProblems(manager)).toEqual([]);
    expect(checks.scrapeSchemeProblems(manager)).toEqual([expect.stringMatching(/port 8080 of kserve\/kserve-controller-manager listens on 127\.0\.0\.1 only \(manager in kserve-controller-manager \(--metrics-addr=127\.0\.0\.1:8080\)\)/)]);
  });

  test('a spot GPU pool whose taint the operator\'s daemon sets do not tolerate (no DCGM exporter there)', () => {
    const r = broken((c) => {
      const operator = release(c, 'gpu-operator');
      operator.objects = operator.objects.map((o) => (o.kind === 'ClusterPolicy'
        ? { ...o, spec: { ...(o.spec as object), daemonsets: { ...((o.spec as { daemonsets: object }).daemonsets), tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } } }
        : o));
    });
    expect(checks.gpuMetricsCoverageProblems(r)).toEqual([expect.stringContaining('GPU pool t4spot: taint kubernetes.azure.com/scalesetpriority=spot:NoSchedule is not tolerated')]);
  });

  test('the DCGM exporter turned off while managed Prometheus expects GPU metrics', () => {
    const r = broken((c) => {
      const operator = release(c, 'gpu-operator');
      operator.objects = operator.objects.map((o) => (o.kind === 'ClusterPolicy' ? { ...o, spec: { ...(o.spec as object), dcgmExporter: { enabled: false } } } : o));
    });
    expect(checks.gpuMetricsCoverageProblems(r)).toContainEqual('ClusterPolicy: dcgmExporter.enabled is false, so no GPU metrics exist to collect');
    // Without the exporter, its Service is not a runtime object: the ServiceMonitor selects nothing.
    expect(checks.scrapeTargetProblems(r)).toEqual([expect.stringContaining('ServiceMonitor gpu-operator/nvidia-dcgm-exporter')]);
  });

  test('a values key that restates a chart default', () => {
    const base = release(fixture, 'istio-base');
    expect(ineffectiveKeys(base, fixture.kubeVersion)).toEqual([]);
    expect(ineffectiveKeys({ ...base, values: { ...base.values, defaultRevision: 'default' } }, fixture.kubeVersion)).toEqual(['defaultRevision']);
  });
});
