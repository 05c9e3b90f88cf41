import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { GPU_TAINT, PLATFORM_NODE_SELECTOR, SPOT_TAINT, gpuPoolScheduling, tolerationFor } from '../constructs/node-pools/gpu-scheduling';
import { AKS_SERVER_APP_ID } from '../constructs/lib/cluster-connection';
import { AKS_NODE_NAME_POOL_REGEX } from '../constructs/observability/scrape-objects';
import { lockedDigest } from '../constructs/lib/upstream';
import { ARGO_WORKFLOWS, CHARTS, KUBEFLOW_DISTRIBUTION, KUBEFLOW_PIPELINES, KUSTOMIZE_PATHS, TREES, chartFile, treeFile } from '../catalog/versions';
import { dev } from './fixtures/environments';
import { prod } from './fixtures/environments';
import { staging } from './fixtures/environments';
import { EnvironmentConfig } from '../environments';
import { devWith, releaseValues, releasesByName, synthPlatform } from './helpers';

const devPlatform = synthPlatform(dev);
const devReleases = releasesByName(devPlatform.parsed);
const stagingPlatform = synthPlatform(staging);
const stagingReleases = releasesByName(stagingPlatform.parsed);

function overlays(parsed: typeof devPlatform.parsed): Record<string, { resources: string[]; patches: { patch: string; target?: Record<string, string> }[] }> {
  return (parsed.data?.kustomization_overlay ?? {}) as unknown as Record<string, { resources: string[]; patches: { patch: string; target?: Record<string, string> }[] }>;
}

function overlayFor(parsed: typeof devPlatform.parsed, path: string) {
  const found = Object.values(overlays(parsed)).find((o) => o.resources.some((r) => r.endsWith(`/${path}`)));
  if (!found) throw new Error(`no overlay renders ${path}`);
  return found;
}

describe('providers', () => {
  test('helm and kubernetes authenticate through kubelogin against the AKS server application', () => {
    const exec = { api_version: 'client.authentication.k8s.io/v1beta1', command: 'kubelogin', args: ['get-token', '--login', 'azurecli', '--server-id', AKS_SERVER_APP_ID] };
    expect(devPlatform.json).toHaveProviderWithProperties(HelmProvider, { kubernetes: expect.objectContaining({ exec }) });
    expect(devPlatform.json).toHaveProviderWithProperties(KubernetesProvider, { exec: [exec] });
  });

  test('host and CA come from the cluster stack\'s state, not from a file or a variable', () => {
    const helm = (devPlatform.parsed as unknown as { provider: { helm: { kubernetes: Record<string, string> }[] } }).provider.helm[0].kubernetes;
    expect(helm.host).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-dev-cluster\.outputs\./);
    expect(helm.cluster_ca_certificate).toMatch(/base64decode\(data\.terraform_remote_state\.cross-stack-reference-input-dev-cluster/);
    const remote = (devPlatform.parsed.data as Record<string, Record<string, { config: Record<string, unknown> }>>).terraform_remote_state['cross-stack-reference-input-dev-cluster'];
    expect(remote.config).toMatchObject({ key: 'dev/cluster.tfstate', use_azuread_auth: true });
  });

  test('no static credential in any provider block', () => {
    const providers = JSON.stringify((devPlatform.parsed as unknown as { provider: unknown }).provider);
    for (const field of ['client_certificate', 'client_key', 'token', 'password', 'username', 'config_path', 'kubeconfig_path', 'client-key-data', 'client-certificate-data']) {
      expect(providers).not.toContain(`"${field}"`);
    }
  });

  test('the kustomization provider gets a kubeconfig whose user runs kubelogin', () => {
    const raw = (devPlatform.parsed as unknown as { provider: { kustomization: { kubeconfig_raw: string }[] } }).provider.kustomization[0].kubeconfig_raw;
    expect(raw).toContain('"command" = "kubelogin"');
    expect(raw).toContain('"interactiveMode" = "Never"');
    expect(raw).not.toMatch(/"token" =|client-key-data|client-certificate-data|password/);
  });

  test('the login mode is an environment setting', () => {
    const { json } = synthPlatform(devWith({ platform: { kubeLogin: 'workloadidentity' } }));
    expect(json).toHaveProviderWithProperties(KubernetesProvider, { exec: [expect.objectContaining({ args: expect.arrayContaining(['workloadidentity']) })] });
  });

  test('state: one blob per stack, next to the cluster\'s', () => {
    expect(devPlatform.parsed.terraform.backend).toMatchObject({ azurerm: { key: 'dev/platform.tfstate', storage_account_name: 'stkubeflowtfstatedev' } });
  });
});

describe('version catalog', () => {
  test('every published chart release installs a catalog pin from the verified work folder, checked at plan time', () => {
    const files = Object.values(CHARTS).map((p) => chartFile(p));
    for (const release of Object.values(devReleases)) {
      if (release.chart.startsWith('./assets/')) continue;
      expect(release.repository).toBeUndefined();
      const file = files.find((f) => release.chart.endsWith(`/.cache/upstream-work/${f}`));
      expect(file).toBeDefined();
      const precondition = (release as unknown as { lifecycle: { precondition: { condition: string; error_message: string }[] } }).lifecycle.precondition[0];
      // The marker prepare writes beside the chart: the locked content digest, and the sha256 of this very file.
      expect(precondition.condition).toBe(`\${try(split(" ", trimspace(file("${release.chart}.verified")))[0] == "${lockedDigest(file!)}" && split(" ", trimspace(file("${release.chart}.verified")))[1] == filesha256("${release.chart}"), false)}`);
      expect(precondition.error_message).toContain('npm run upstream -- prepare');
    }
  });

  test('no pin is "latest", a range or a branch', () => {
    for (const pin of Object.values(CHARTS)) expect(pin.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(KUBEFLOW_DISTRIBUTION.ref).toMatch(/^[0-9a-f]{40}$/);
  });

  test('every kustomize resource is a path of one verified tree, and every tree the overlay reads is checked against its locked content digest: no git, no network at plan time', () => {
    for (const overlay of Object.values(overlays(devPlatform.parsed))) {
      const preconditions = (overlay as unknown as { lifecycle: { precondition: { condition: string; error_message: string }[] } }).lifecycle.precondition;
      // Relative to the stack folder: the kustomize inside kbst/kustomization 0.9.8 refuses absolute directories at plan time.
      const names = new Set(overlay.resources.map((resource) => /^\.\.\/\.\.\/\.\.\/\.cache\/upstream-work\/trees\/([a-z-]+)\/[a-z0-9/-]+$/.exec(resource)?.[1]));
      expect(names.size).toBe(1);
      const tree = TREES.find((t) => names.has(t.name));
      expect(tree).toBeDefined();
      // The first precondition is the tree of the resources; any further one a tree its kustomizations reference.
      expect(preconditions[0].condition).toBe(`\${try(trimspace(file("\${abspath(path.module)}/../../../.cache/upstream-work/trees/${tree!.name}/.upstream-verified")), "missing") == "${lockedDigest(treeFile(tree!))}"}`);
      for (const p of preconditions) expect(p.error_message).toContain('npm run upstream -- prepare');
    }
  });
});

describe('cert-manager', () => {
  test('official chart with CRDs, on the platform pool', () => {
    const r = devReleases['cert-manager'];
    expect(r).toMatchObject({ namespace: 'cert-manager', chart: expect.stringMatching(new RegExp(`/${chartFile(CHARTS.certManager)}$`)) });
    // crds.keep is the chart's default (true); the render tests check that the CRDs carry keep.
    expect(releaseValues(r)).toMatchObject({ crds: { enabled: true }, nodeSelector: PLATFORM_NODE_SELECTOR, global: { leaderElection: { namespace: 'cert-manager' } } });
  });

  test('controller, webhook and CA injector run two replicas; its webhooks see the kubeflow namespace', () => {
    expect(releaseValues(devReleases['cert-manager'])).toMatchObject({
      replicaCount: 2,
      webhook: { replicaCount: 2, mutatingWebhookConfigurationAnnotations: { 'admissions.enforcer/disabled': 'true' }, validatingWebhookConfigurationAnnotations: { 'admissions.enforcer/disabled': 'true' } },
      cainjector: { replicaCount: 2 },
    });
  });

  test('the Kubeflow issuer comes from the distribution, after the chart', () => {
    expect(overlayFor(devPlatform.parsed, KUSTOMIZE_PATHS.certManagerKubeflow)).toBeDefined();
    expect(devReleases['cert-manager-kubeflow'].depends_on).toEqual([devReleases['cert-manager'].address]);
    expect(devReleases['cert-manager-kubeflow-crds']).toBeUndefined();
  });
});

describe('Istio', () => {
  test('base, istiod and the ingress gateway from the official charts, in order', () => {
    expect(devReleases['istio-base']).toMatchObject({ chart: expect.stringMatching(new RegExp(`/${chartFile(CHARTS.istioBase)}$`)), namespace: 'istio-system' });
    expect(devReleases.istiod.depends_on).toEqual([devReleases['istio-base'].address]);
    expect(devReleases['istio-ingressgateway'].depends_on).toEqual([devReleases.istiod.address]);
  });

  test('the CNI agent, in a privileged namespace of its own, lets injected pods run under restricted', () => {
    expect(devReleases['istio-cni']).toMatchObject({ namespace: 'istio-cni', chart: expect.stringMatching(new RegExp(`/${chartFile(CHARTS.istioCni)}$`)) });
    expect(devPlatform.json).toHaveResourceWithProperties(NamespaceV1, { metadata: { name: 'istio-cni', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
    expect(releaseValues(devReleases.istiod)).toMatchObject({ pilot: { cni: { enabled: true } }, global: { proxy: { seccompProfile: { type: 'RuntimeDefault' } } } });
    // Kubeflow applications wait for both: a sidecar from istiod and redirection from the agent.
    expect(devReleases.katib.depends_on).toEqual(expect.arrayContaining([devReleases.istiod.address, devReleases['istio-cni'].address]));
  });

  test('the gateway runs as the ServiceAccount the distribution\'s policies allow', () => {
    expect(releaseValues(devReleases['istio-ingressgateway'])).toMatchObject({ serviceAccount: { name: 'istio-ingressgateway-service-account' } });
  });

  test('istiod declares the oauth2-proxy extension provider for the access layer', () => {
    const values = releaseValues(devReleases.istiod) as { meshConfig: { extensionProviders: { name: string; envoyExtAuthzHttp: { service: string } }[] } };
    expect(values.meshConfig.extensionProviders).toEqual([expect.objectContaining({ name: 'oauth2-proxy', envoyExtAuthzHttp: expect.objectContaining({ service: 'oauth2-proxy.oauth2-proxy.svc.cluster.local' }) })]);
  });

  test('the sidecar injector is exempt from the AKS admissions enforcer', () => {
    expect(releaseValues(devReleases.istiod)).toMatchObject({ sidecarInjectorWebhookAnnotations: { 'admissions.enforcer/disabled': 'true' } });
  });

  test('the gateway is labelled for the Kubeflow gateway and internal by default', () => {
    expect(releaseValues(devReleases['istio-ingressgateway'])).toMatchObject({
      labels: { istio: 'ingressgateway' },
      service: { annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } },
    });
    const pub = releasesByName(synthPlatform(devWith({ platform: { publicIngress: true } })).parsed);
    expect(releaseValues(pub['istio-ingressgateway'])).not.toHaveProperty('service');
  });

  test('Kubeflow gateway and roles from the distribution, in the kubeflow namespace', () => {
    expect(overlayFor(devPlatform.parsed, KUSTOMIZE_PATHS.istioResources)).toBeDefined();
    expect(devReleases['kubeflow-istio-resources']).toMatchObject({ namespace: 'kubeflow' });
  });
});

describe('kubeflow namespace', () => {
  test('created once, with the distribution\'s labels', () => {
    expect(devPlatform.json).toHaveResourceWithProperties(NamespaceV1, {
      metadata: { name: 'kubeflow', labels: { 'control-plane': 'kubeflow', 'istio-injection': 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
  });

  test('every rendered overlay drops its own Namespace objects', () => {
    for (const overlay of Object.values(overlays(devPlatform.parsed))) {
      expect(overlay.patches[0]).toEqual({ patch: expect.stringContaining('"$patch":"delete"'), target: { kind: 'Namespace' } });
    }
  });
});

describe('NVIDIA GPU Operator', () => {
  test('official chart; driver installed by the operator when the pools say gpu-operator; DCGM exporter on', () => {
    const r = devReleases['gpu-operator'];
    expect(r).toMatchObject({ chart: expect.stringMatching(new RegExp(`/${chartFile(CHARTS.gpuOperator)}$`)) });
    // Driver and DCGM exporter are on by the chart's defaults; no MIG pool here, so the MIG manager is off.
    expect(releaseValues(r)).not.toHaveProperty('driver');
    expect(releaseValues(r)).not.toHaveProperty('dcgmExporter');
    expect(releaseValues(r)).toMatchObject({ migManager: { enabled: false } });
  });

  test('the MIG manager stays on (chart default) when the operator partitions a MIG pool', () => {
    const mig = releasesByName(synthPlatform(devWith({ profiles: [], gpuPools: [{ name: 'mig', vmSize: 'Standard_NC24ads_A100_v4', maxCount: 1, migProfile: 'MIG3g' }] })).parsed);
    expect(releaseValues(mig['gpu-operator'])).not.toHaveProperty('migManager');
  });

  test('node-feature-discovery\'s master and garbage collector run on the platform pool', () => {
    expect(releaseValues(devReleases['gpu-operator'])).toMatchObject({ 'node-feature-discovery': { master: { nodeSelector: PLATFORM_NODE_SELECTOR }, gc: { nodeSelector: PLATFORM_NODE_SELECTOR } } });
  });

  test('driver off when AKS installs it', () => {
    const aks = releasesByName(synthPlatform(devWith({ gpuPools: [{ name: 't4', vmSize: 'Standard_NC4as_T4_v3', maxCount: 1, driver: 'aks' }] })).parsed);
    expect(releaseValues(aks['gpu-operator'])).toMatchObject({ driver: { enabled: false } });
  });

  test('daemon sets tolerate the GPU taint, and the spot taint when a pool is spot', () => {
    const values = releaseValues(devReleases['gpu-operator']) as { daemonsets: { tolerations: unknown[] }; 'node-feature-discovery': { worker: { tolerations: unknown[] } } };
    const expected = [tolerationFor(GPU_TAINT), tolerationFor(SPOT_TAINT)];
    expect(values.daemonsets.tolerations).toEqual(expected);
    expect(values['node-feature-discovery'].worker.tolerations).toEqual(expected);
    const prodOperator = releaseValues(releasesByName(synthPlatform(prod).parsed)['gpu-operator']) as { daemonsets: { tolerations: unknown[] } };
    expect(prodOperator.daemonsets.tolerations).toEqual([tolerationFor(GPU_TAINT)]);
  });

  test('not installed where there are no GPU pools', () => {
    const none = releasesByName(synthPlatform(devWith({ gpuPools: [], profiles: [] })).parsed);
    expect(none['gpu-operator']).toBeUndefined();
  });
});

describe('Kubeflow Trainer', () => {
  test('official OCI chart with JobSet and the CPU runtime', () => {
    const r = devReleases['kubeflow-trainer'];
    expect(r).toMatchObject({ chart: expect.stringMatching(new RegExp(`/${chartFile(CHARTS.trainer)}$`)), namespace: 'kubeflow-system' });
    // JobSet comes with the chart (jobset.install defaults to true); its controller on the platform pool.
    expect(releaseValues(r)).toMatchObject({ jobset: { controller: { nodeSelector: PLATFORM_NODE_SELECTOR } }, runtimes: { torchDistributed: { enabled: true } }, manager: { nodeSelector: PLATFORM_NODE_SELECTOR } });
  });

  test('one GPU runtime per GPU pool, derived from the pool, after the chart', () => {
    const runtimes = stagingReleases['kubeflow-trainer-gpu-runtimes'];
    expect(runtimes.depends_on).toEqual([stagingReleases['kubeflow-trainer'].address]);
    const objects = (JSON.parse(runtimes.values[0]) as { manifests: string[] }).manifests.map((m) => JSON.parse(m));
    expect(objects.map((o) => o.metadata.name)).toEqual(['torch-distributed-t4spot', 'torch-distributed-a100mig']);
    for (const pool of stagingPlatform.env.gpuPools) {
      const runtime = objects.find((o) => o.metadata.name === `torch-distributed-${pool.name}`);
      const pod = runtime.spec.template.spec.replicatedJobs[0].template.spec.template.spec;
      const scheduling = gpuPoolScheduling(pool);
      expect(pod.tolerations).toEqual(scheduling.tolerations);
      expect(pod.nodeSelector).toEqual(scheduling.nodeSelector);
    }
  });

  test('spot pools get both tolerations; MIG pools ask for every slice of a node', () => {
    const objects = (JSON.parse(stagingReleases['kubeflow-trainer-gpu-runtimes'].values[0]) as { manifests: string[] }).manifests.map((m) => JSON.parse(m));
    const podOf = (name: string) => objects.find((o) => o.metadata.name === name).spec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(podOf('torch-distributed-t4spot').tolerations.map((t: { key: string }) => t.key)).toEqual(['nvidia.com/gpu', 'kubernetes.azure.com/scalesetpriority']);
    expect(podOf('torch-distributed-a100mig').tolerations.map((t: { key: string }) => t.key)).toEqual(['nvidia.com/gpu']);
    // One A100 split MIG3g: two slices.
    expect(podOf('torch-distributed-a100mig').containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
    expect(podOf('torch-distributed-t4spot').containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });
});

describe('Katib', () => {
  const overlay = overlayFor(devPlatform.parsed, KUSTOMIZE_PATHS.katib);

  test('upstream Kubeflow flavour, split into CRD and main releases', () => {
    expect(devReleases['katib-crds'].chart).toMatch(/^\.\/assets\/manifest-bundle-chart\//);
    expect(devReleases.katib.depends_on).toEqual(expect.arrayContaining([devReleases['katib-crds'].address]));
  });

  test('the demo MySQL Secret is dropped and written by the kubernetes provider with a generated password', () => {
    const drop = overlay.patches.find((p) => p.target?.name === 'katib-mysql-secrets')!;
    expect(JSON.parse(drop.patch)).toMatchObject({ $patch: 'delete', kind: 'Secret' });
    expect(JSON.stringify(overlay)).not.toContain('random_password');
    const secret = Object.values(devPlatform.parsed.resource.kubernetes_secret_v1).find((s) => (s.metadata as { name: string }).name === 'katib-mysql-secrets')!;
    expect(secret.data).toEqual({ MYSQL_ROOT_PASSWORD: expect.stringMatching(/^\$\{random_password\.katib_mysql-root-password_value_[0-9A-F]+\.result\}$/) });
    expect(devReleases.katib.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_secret_v1\.katib_mysql-secret/)]));
  });

  test('MySQL no longer accepts an empty root password', () => {
    const patch = overlay.patches.find((p) => p.target?.kind === 'Deployment' && p.target?.name === 'katib-mysql')!;
    expect(patch.patch).toContain('"name":"MYSQL_ALLOW_EMPTY_PASSWORD","$patch":"delete"');
  });

  test('its webhooks are exempt from the AKS admissions enforcer', () => {
    const annotated = overlay.patches.filter((p) => p.patch.includes('admissions.enforcer/disabled')).map((p) => `${p.target?.kind}/${p.target?.name}`);
    expect(annotated.sort()).toEqual(['MutatingWebhookConfiguration/katib.kubeflow.org', 'ValidatingWebhookConfiguration/katib.kubeflow.org']);
  });

  test('waits for the namespace, cert-manager\'s issuer and istiod', () => {
    expect(devReleases['katib-crds'].depends_on).toEqual([expect.stringContaining('kubernetes_namespace_v1.namespaces_kubeflow')]);
    expect(devReleases.katib.depends_on).toEqual(expect.arrayContaining([devReleases['cert-manager-kubeflow'].address, devReleases.istiod.address]));
  });
});

describe('Kubeflow Pipelines', () => {
  const overlay = overlayFor(devPlatform.parsed, KUBEFLOW_PIPELINES.path);

  test('upstream multi-user flavour from KFP\'s own tree, CRDs (metacontroller among them) in their own release', () => {
    expect(overlay.resources).toEqual([`../../../.cache/upstream-work/trees/kubeflow-pipelines/${KUBEFLOW_PIPELINES.path}`]);
    expect(devReleases['pipelines-crds']).toBeDefined();
    expect(devReleases.pipelines.depends_on).toEqual(expect.arrayContaining([devReleases['pipelines-crds'].address, devReleases['cert-manager-kubeflow'].address, devReleases.istiod.address]));
  });

  test('the plan reads the KFP tree and the Argo tree it references by checksum, each with its own message', () => {
    const preconditions = (overlay as unknown as { lifecycle: { precondition: { condition: string; error_message: string }[] } }).lifecycle.precondition;
    expect(preconditions.map((p) => /== "([0-9a-f]{64})"/.exec(p.condition)?.[1])).toEqual([lockedDigest(treeFile(KUBEFLOW_PIPELINES)), lockedDigest(treeFile(ARGO_WORKFLOWS))]);
    expect(preconditions[0].condition).toContain('/trees/kubeflow-pipelines/.upstream-verified');
    expect(preconditions[1].condition).toContain('/trees/argo-workflows/.upstream-verified');
    expect(preconditions[0].error_message).toMatch(/^The upstream tree kubeflow-pipelines 2\.17\.0 is not prepared .*npm run upstream -- prepare/);
    expect(preconditions[1].error_message).toMatch(/^The upstream tree argo-workflows v4\.0\.10 is not prepared/);
  });

  test('the Argo controller and the executor image it passes to every run both at the Argo tree\'s version, each checked against what KFP sets', () => {
    const patch = overlay.patches.find((p) => p.target?.kind === 'Deployment' && p.target?.name === 'workflow-controller')!;
    expect(JSON.parse(patch.patch)).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'workflow-controller' },
      { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'quay.io/argoproj/workflow-controller:v4.0.5' },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'quay.io/argoproj/workflow-controller:v4.0.10' },
      { op: 'test', path: '/spec/template/spec/containers/0/args/2', value: '--executor-image' },
      { op: 'test', path: '/spec/template/spec/containers/0/args/3', value: 'quay.io/argoproj/argoexec:v4.0.5' },
      { op: 'replace', path: '/spec/template/spec/containers/0/args/3', value: 'quay.io/argoproj/argoexec:v4.0.10' },
    ]);
  });

  test('the UI\'s TensorBoard signing key is generated on its own, written by the kubernetes provider', () => {
    const key = secretData('ml-pipeline-ui-tensorboard-proxy').key;
    expect(key).toMatch(/^\$\{random_password\.pipelines_tensorboard-signing-key_value_[0-9A-F]+\.result\}$/);
    expect(Object.values(secretData('mlpipeline-minio-artifact'))).not.toContain(key);
    expect(JSON.stringify(overlay)).not.toContain('random_password');
  });

  const secretData = (name: string) => Object.values(devPlatform.parsed.resource.kubernetes_secret_v1).find((s) => (s.metadata as { name: string }).name === name)!.data as Record<string, string>;

  test('MySQL runs with a generated root password instead of an empty one', () => {
    expect(JSON.parse(overlay.patches.find((p) => p.target?.name === 'mysql-secret')!.patch)).toMatchObject({ $patch: 'delete' });
    expect(secretData('mysql-secret').password).toMatch(/^\$\{random_password\.pipelines_mysql-root-password_value_[0-9A-F]+\.result\}$/);
    const deployment = overlay.patches.find((p) => p.target?.kind === 'Deployment' && p.target?.name === 'mysql')!;
    const ops = JSON.parse(deployment.patch) as { op: string; value: { name: string }[] }[];
    expect(ops[0].value.map((e) => e.name)).toEqual(['MYSQL_ROOT_PASSWORD']);
  });

  test('the object store keys are generated, not minio/minio123', () => {
    const data = secretData('mlpipeline-minio-artifact');
    expect(JSON.stringify(overlay)).not.toContain('random_password');
    expect(data.accesskey).toMatch(/^\$\{random_password\./);
    expect(data.secretkey).toMatch(/^\$\{random_password\./);
  });

  test('the cache webhook (the only webhook configuration of this path) is exempt from the admissions enforcer', () => {
    const annotated = overlay.patches.filter((p) => p.patch.includes('admissions.enforcer/disabled')).map((p) => p.target?.name);
    expect(annotated.sort()).toEqual(['cache-webhook-kubeflow']);
  });
});

describe('KServe', () => {
  test('kserve-crd and kserve-resources from the official OCI charts, standard mode by default', () => {
    expect(devReleases['kserve-crd']).toMatchObject({ chart: expect.stringMatching(new RegExp(`/${chartFile(CHARTS.kserveCrd)}$`)) });
    const r = devReleases.kserve;
    expect(r).toMatchObject({ chart: expect.stringMatching(new RegExp(`/${chartFile(CHARTS.kserveResources)}$`)), namespace: 'kserve' });
    expect(releaseValues(r)).toMatchObject({ kserve: { controller: { deploymentMode: 'Standard', nodeSelector: PLATFORM_NODE_SELECTOR } } });
    expect(r.depends_on).toEqual(expect.arrayContaining([devReleases['kserve-crd'].address, devReleases['cert-manager-kubeflow'].address]));
  });

  test('Knative mode with Knative provided outside', () => {
    const knative = releasesByName(synthPlatform(devWith({ platform: { kserveMode: 'knative', knative: 'external' } })).parsed);
    expect(releaseValues(knative.kserve)).toMatchObject({ kserve: { controller: { deploymentMode: 'Knative' } } });
    expect(knative['kserve-ingress-class']).toBeUndefined();
  });

  test('standard mode with Istio: the istio IngressClass its Ingresses need', () => {
    const objects = (JSON.parse(devReleases['kserve-ingress-class'].values[0]) as { manifests: string[] }).manifests.map((m) => JSON.parse(m));
    expect(objects).toEqual([{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'istio' }, spec: { controller: 'istio.io/ingress-controller' } }]);
  });
});

describe('values escape hatch', () => {
  test('merged last, per component', () => {
    const r = releasesByName(synthPlatform(devWith({ platform: { values: { certManager: { replicaCount: 5, crds: { keep: false } }, kserve: { kserve: { controller: { deploymentMode: 'Knative' } } } } } })).parsed);
    expect(releaseValues(r['cert-manager'])).toMatchObject({ replicaCount: 5, crds: { enabled: true, keep: false } });
    expect(releaseValues(r.kserve)).toMatchObject({ kserve: { controller: { deploymentMode: 'Knative', nodeSelector: PLATFORM_NODE_SELECTOR } } });
  });
});

describe('each workload component is deployable on its own, with its prerequisites', () => {
  const only = (component: 'trainer' | 'katib' | 'pipelines' | 'kserve' | 'sparkOperator'): string[] => {
    const components = { gpuOperator: false, trainer: false, katib: false, pipelines: false, kserve: false, sparkOperator: false, [component]: true };
    const istio = component === 'katib' || component === 'pipelines' ? 'install' : 'none';
    const certManager = component === 'trainer' || component === 'sparkOperator' ? 'none' : 'install';
    // No access layer: the workload on its own, with only what it needs.
    const config: EnvironmentConfig = devWith({ gpuPools: [], access: undefined, profiles: [], notebooks: { enabled: false }, platform: { components: { ...components, istio, certManager } } });
    return Object.keys(releasesByName(synthPlatform(config).parsed)).sort();
  };

  test('training', () => {
    // managed-prometheus-scrape: the Trainer controller's metrics (HTTPS, no token).
    expect(only('trainer')).toEqual(['kubeflow-trainer', 'managed-prometheus-scrape']);
  });

  test('tuning', () => {
    // managed-prometheus-scrape: Katib's controller exposes metrics, and managed Prometheus is on by default.
    // kubeflow-roles: the cluster roles Katib's roles aggregate into (the dashboard brings them when there is an access layer).
    // mesh-isolation, tenant-network-policies: with Istio installed, STRICT mutual TLS, the default deny and the NetworkPolicies (docs/security.md).
    expect(only('katib')).toEqual(['cert-manager', 'cert-manager-kubeflow', 'istio-base', 'istio-cni', 'istio-ingressgateway', 'istiod', 'katib', 'katib-crds', 'kubeflow-istio-resources', 'kubeflow-roles', 'kubeflow-store-storage', 'managed-prometheus-scrape', 'mesh-isolation', 'tenant-network-policies']);
  });

  test('pipelines', () => {
    // managed-prometheus-scrape: the API server and the scheduled-workflow controller expose metrics.
    // pipelines-advisory-mitigations: the policies of the open Pipelines advisories (docs/security.md).
    expect(only('pipelines')).toEqual(['cert-manager', 'cert-manager-kubeflow', 'istio-base', 'istio-cni', 'istio-ingressgateway', 'istiod', 'kubeflow-istio-resources', 'kubeflow-roles', 'kubeflow-store-storage', 'managed-prometheus-scrape', 'mesh-isolation', 'pipelines', 'pipelines-advisory-mitigations', 'pipelines-crds', 'tenant-network-policies']);
  });

  test('serving', () => {
    expect(only('kserve')).toEqual(['cert-manager', 'cert-manager-kubeflow', 'kserve', 'kserve-crd']);
  });

  test('spark', () => {
    // No profiles, no dashboard: the chart alone, no Kubeflow roles to aggregate into.
    expect(only('sparkOperator')).toEqual(['spark-operator']);
  });

  test('prerequisites provided outside add no release and no dependency', () => {
    const r = releasesByName(synthPlatform(devWith({ gpuPools: [], access: undefined, profiles: [], notebooks: { enabled: false }, platform: { components: { certManager: 'external', istio: 'external', gpuOperator: false } } })).parsed);
    expect(r['cert-manager']).toBeUndefined();
    expect(r.istiod).toBeUndefined();
    // Only its own CRD release, its store's StorageClass and its own credentials Secret.
    expect(r.katib.depends_on).toEqual([r['katib-crds'].address, r['kubeflow-store-storage'].address, expect.stringMatching(/^kubernetes_secret_v1\.katib_mysql-secret_/)]);
  });
});

describe('store volumes: kept claims on a StorageClass that retains its disks', () => {
  const storageClass = (release: { values: string[] }) => JSON.parse((JSON.parse(release.values[0]) as { manifests: string[] }).manifests[0]) as Record<string, unknown> & { metadata: { name: string; annotations?: Record<string, string> }; parameters: { skuName: string } };
  /** The claim patches of every overlay: one per store bundle. */
  const claimPatches = (config: EnvironmentConfig) => Object.values(overlays(synthPlatform(config).parsed))
    .flatMap((o) => o.patches ?? [])
    .filter((p) => p.target?.kind === 'PersistentVolumeClaim');

  test('dev: one Retain class on Azure Disk, zone-aware and expandable; every store bundle puts its claims on it, kept', () => {
    const sc = storageClass(devReleases['kubeflow-store-storage']);
    expect(sc).toEqual({
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: 'kubeflow-store', annotations: { 'helm.sh/resource-policy': 'keep' } },
      provisioner: 'disk.csi.azure.com', parameters: { skuName: 'StandardSSD_LRS' },
      reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true,
    });
    const patches = claimPatches(dev).map((p) => JSON.parse(p.patch) as { metadata: { annotations?: Record<string, string> }; spec: { storageClassName: string } });
    // Katib, Pipelines and Model Registry: one claim patch each.
    expect(patches).toHaveLength(3);
    for (const p of patches) expect(p).toMatchObject({ metadata: { annotations: { 'helm.sh/resource-policy': 'keep' } }, spec: { storageClassName: 'kubeflow-store' } });
    for (const name of ['katib', 'pipelines', 'model-registry']) expect(devReleases[name].depends_on).toContain(devReleases['kubeflow-store-storage'].address);
  });

  test('prod spread over zones: zone-redundant disks', () => {
    expect(storageClass(releasesByName(synthPlatform(prod).parsed)['kubeflow-store-storage']).parameters.skuName).toBe('StandardSSD_ZRS');
  });

  test('deleteDataOnRemoval: a class that deletes its disks, claims not kept', () => {
    const config = devWith({ dataStores: { deleteDataOnRemoval: true } });
    const sc = storageClass(releasesByName(synthPlatform(config).parsed)['kubeflow-store-storage']);
    expect(sc).toMatchObject({ metadata: { name: 'kubeflow-store-delete' }, reclaimPolicy: 'Delete' });
    expect(sc.metadata.annotations).toBeUndefined();
    const patches = claimPatches(config);
    expect(patches.map((p) => JSON.parse(p.patch) as { metadata: Record<string, unknown>; spec: unknown })).toEqual(Array(3).fill({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'any' }, spec: { storageClassName: 'kubeflow-store-delete' } }));
  });
});

describe('scrape objects for managed Prometheus', () => {
  const manifests = (release: { values: string[] }) => (JSON.parse(release.values[0]) as { manifests: string[] }).manifests.map((m) => JSON.parse(m) as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> });

  test('the DCGM exporter and the Kubeflow controllers, in the group managed Prometheus reads', () => {
    const objects = manifests(devReleases['managed-prometheus-scrape']);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'azmonitoring.coreos.com/v1 ServiceMonitor gpu-operator/nvidia-dcgm-exporter',
      'azmonitoring.coreos.com/v1 PodMonitor kubeflow/katib-controller',
      'azmonitoring.coreos.com/v1 PodMonitor kubeflow/notebook-controller',
      'azmonitoring.coreos.com/v1 PodMonitor kubeflow/ml-pipeline',
      'azmonitoring.coreos.com/v1 PodMonitor kubeflow/ml-pipeline-scheduledworkflow',
      'azmonitoring.coreos.com/v1 PodMonitor kube-system/kubeflow-trainer-controller-manager',
    ]);
    const dcgm = objects[0].spec as { selector: unknown; endpoints: { port: string; relabelings: { targetLabel: string; regex?: string }[] }[] };
    expect(dcgm.selector).toEqual({ matchLabels: { app: 'nvidia-dcgm-exporter' } });
    expect(dcgm.endpoints[0].port).toBe('gpu-metrics');
    expect(dcgm.endpoints[0].relabelings.map((r) => r.targetLabel)).toEqual(['node', 'gpu_pool']);
  });

  test('the pool label comes from AKS node names, for every pool name the environment accepts', () => {
    const regex = new RegExp(`^${AKS_NODE_NAME_POOL_REGEX}$`);
    expect(regex.exec('aks-t4spot-12345678-vmss000000')?.[1]).toBe('t4spot');
    expect(regex.exec('aks-a100mig12ab-87654321-vmss00000a')?.[1]).toBe('a100mig12ab');
    expect(regex.exec('aks-system-1-vmss000000')?.[1]).toBe('system');
  });

  test('it waits for the GPU Operator (its namespace) and the kubeflow namespace, not for the applications', () => {
    const deps = devReleases['managed-prometheus-scrape'].depends_on ?? [];
    expect(deps).toEqual(expect.arrayContaining([devReleases['gpu-operator'].address]));
    expect(deps.some((d) => d.startsWith('kubernetes_namespace_v1.'))).toBe(true);
    expect(deps).not.toContain(devReleases.katib.address);
  });

  test('without managed Prometheus there is no scrape object', () => {
    const r = releasesByName(synthPlatform(devWith({ monitoring: { managedPrometheus: false, grafana: false, alerts: { enabled: false } } })).parsed);
    expect(r['managed-prometheus-scrape']).toBeUndefined();
  });

  test('without a GPU Operator, only the controllers are scraped', () => {
    const r = releasesByName(synthPlatform(devWith({ gpuPools: [], profiles: [] })).parsed);
    expect(manifests(r['managed-prometheus-scrape']).map((o) => o.metadata.name)).toEqual(['katib-controller', 'notebook-controller', 'ml-pipeline', 'ml-pipeline-scheduledworkflow', 'kubeflow-trainer-controller-manager']);
  });

  test('the Trainer controller is scraped from kube-system, selecting its namespace, so the release waits for no Trainer release', () => {
    const trainer = manifests(devReleases['managed-prometheus-scrape']).find((o) => o.metadata.name === 'kubeflow-trainer-controller-manager');
    expect(trainer?.spec).toMatchObject({ namespaceSelector: { matchNames: ['kubeflow-system'] }, podMetricsEndpoints: [{ port: 'metrics', scheme: 'https', tlsConfig: { insecureSkipVerify: true } }] });
    const deps = devReleases['managed-prometheus-scrape'].depends_on ?? [];
    expect(deps).not.toContain(devReleases['kubeflow-trainer'].address);
    const alone = releasesByName(synthPlatform(devWith({ gpuPools: [], access: undefined, profiles: [], notebooks: { enabled: false }, platform: { components: { gpuOperator: false, trainer: true, katib: false, pipelines: false, kserve: false, sparkOperator: false, istio: 'none', certManager: 'none' } } })).parsed);
    expect(alone['managed-prometheus-scrape'].depends_on ?? []).toEqual([]);
  });
});

describe('tenant isolation (issue 20)', () => {
  test('with Istio installed: its objects wait for Istio\'s CRDs, the NetworkPolicies also for the profile namespaces', () => {
    const r = releasesByName(synthPlatform(dev).parsed);
    expect(r['mesh-isolation'].depends_on).toEqual(expect.arrayContaining([r['istio-base'].address]));
    expect(r['tenant-network-policies'].depends_on).toEqual(expect.arrayContaining([r['istio-base'].address, expect.stringMatching(/^kubernetes_namespace_v1\.profiles_namespace-ml-team_/)]));
    const policies = (releaseValues(r['tenant-network-policies']) as { manifests: string[] }).manifests.map((m) => JSON.parse(m) as { metadata: { name: string; namespace: string } });
    expect(policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toContain('ml-team/tenant-isolation');
  });

  test('with Istio provided outside: nothing, since the mesh is not ours to configure', () => {
    const r = releasesByName(synthPlatform(devWith({ gpuPools: [], access: undefined, profiles: [], notebooks: { enabled: false }, platform: { components: { certManager: 'external', istio: 'external', gpuOperator: false } } })).parsed);
    expect(r['mesh-isolation']).toBeUndefined();
    expect(r['tenant-network-policies']).toBeUndefined();
  });
});
