import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { GPU_TAINT, PLATFORM_NODE_SELECTOR, SPOT_TAINT, gpuPoolScheduling, tolerationFor } from '../constructs/cluster/gpu-scheduling';
import { AKS_SERVER_APP_ID } from '../constructs/platform/cluster-connection';
import { CHARTS, KUBEFLOW_DISTRIBUTION, KUSTOMIZE_PATHS } from '../constructs/versions';
import { dev } from '../environments/dev';
import { prod } from '../environments/prod';
import { staging } from '../environments/staging';
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
  const found = Object.values(overlays(parsed)).find((o) => o.resources.some((r) => r.includes(`//${path}?`)));
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
  test('every published chart release uses a pin from the catalog', () => {
    const pins = Object.values(CHARTS).map((p) => `${p.repository} ${p.chart} ${p.version}`);
    for (const release of Object.values(devReleases)) {
      if (release.chart.startsWith('./assets/')) continue;
      expect(pins).toContain(`${release.repository} ${release.chart} ${release.version}`);
    }
  });

  test('no pin is "latest", a range or a branch', () => {
    for (const pin of Object.values(CHARTS)) expect(pin.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(KUBEFLOW_DISTRIBUTION.ref).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('every kustomize resource is pinned to the distribution release tag', () => {
    for (const overlay of Object.values(overlays(devPlatform.parsed))) {
      for (const resource of overlay.resources) expect(resource).toMatch(new RegExp(`^${KUBEFLOW_DISTRIBUTION.repository}//[a-z0-9/-]+\\?ref=${KUBEFLOW_DISTRIBUTION.ref}$`));
    }
  });
});

describe('cert-manager', () => {
  test('official chart with CRDs, on the platform pool', () => {
    const r = devReleases['cert-manager'];
    expect(r).toMatchObject({ namespace: 'cert-manager', repository: 'https://charts.jetstack.io', chart: 'cert-manager', version: CHARTS.certManager.version });
    expect(releaseValues(r)).toMatchObject({ crds: { enabled: true, keep: true }, nodeSelector: PLATFORM_NODE_SELECTOR, global: { leaderElection: { namespace: 'cert-manager' } } });
  });

  test('the Kubeflow issuer comes from the distribution, after the chart', () => {
    expect(overlayFor(devPlatform.parsed, KUSTOMIZE_PATHS.certManagerKubeflow)).toBeDefined();
    expect(devReleases['cert-manager-kubeflow'].depends_on).toEqual([devReleases['cert-manager'].address]);
    expect(devReleases['cert-manager-kubeflow-crds']).toBeUndefined();
  });
});

describe('Istio', () => {
  test('base, istiod and the ingress gateway from the official charts, in order', () => {
    expect(devReleases['istio-base']).toMatchObject({ chart: 'base', version: CHARTS.istioBase.version, namespace: 'istio-system' });
    expect(devReleases.istiod.depends_on).toEqual([devReleases['istio-base'].address]);
    expect(devReleases['istio-ingressgateway'].depends_on).toEqual([devReleases.istiod.address]);
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
      service: { type: 'LoadBalancer', annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } },
    });
    const pub = releasesByName(synthPlatform(devWith({ platform: { publicIngress: true } })).parsed);
    expect(releaseValues(pub['istio-ingressgateway'])).toMatchObject({ service: { annotations: {} } });
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
    expect(r).toMatchObject({ repository: 'https://helm.ngc.nvidia.com/nvidia', chart: 'gpu-operator', version: CHARTS.gpuOperator.version });
    expect(releaseValues(r)).toMatchObject({ driver: { enabled: true }, dcgmExporter: { enabled: true }, migManager: { enabled: false } });
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
    expect(r).toMatchObject({ repository: 'oci://ghcr.io/kubeflow/charts', chart: 'kubeflow-trainer', version: CHARTS.trainer.version, namespace: 'kubeflow-system' });
    expect(releaseValues(r)).toMatchObject({ jobset: { install: true }, runtimes: { torchDistributed: { enabled: true } }, manager: { nodeSelector: PLATFORM_NODE_SELECTOR } });
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

  test('the demo MySQL password is replaced by a generated one', () => {
    const secret = overlay.patches.find((p) => p.target?.name === 'katib-mysql-secrets')!;
    expect(secret.patch).toMatch(/"MYSQL_ROOT_PASSWORD":"\$\{base64encode\(random_password\.katib_mysql-root-password_value_[0-9A-F]+\.result\)\}"/);
    expect(secret.patch).not.toContain('dGVzdA==');
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
  const overlay = overlayFor(devPlatform.parsed, KUSTOMIZE_PATHS.pipelines);

  test('upstream multi-user flavour, CRDs (metacontroller among them) in their own release', () => {
    expect(overlay.resources).toEqual([expect.stringContaining('platform-agnostic-multi-user?ref=')]);
    expect(devReleases['pipelines-crds']).toBeDefined();
    expect(devReleases.pipelines.depends_on).toEqual(expect.arrayContaining([devReleases['pipelines-crds'].address, devReleases['cert-manager-kubeflow'].address, devReleases.istiod.address]));
  });

  test('MySQL runs with a generated root password instead of an empty one', () => {
    const secret = overlay.patches.find((p) => p.target?.name === 'mysql-secret')!;
    expect(JSON.parse(secret.patch).stringData.password).toMatch(/^\$\{random_password\.pipelines_mysql-root-password_value_[0-9A-F]+\.result\}$/);
    const deployment = overlay.patches.find((p) => p.target?.kind === 'Deployment' && p.target?.name === 'mysql')!;
    const ops = JSON.parse(deployment.patch) as { op: string; value: { name: string }[] }[];
    expect(ops[0].value.map((e) => e.name)).toEqual(['MYSQL_ROOT_PASSWORD']);
  });

  test('the object store keys are generated, not minio/minio123', () => {
    const secret = overlay.patches.find((p) => p.target?.name === 'mlpipeline-minio-artifact')!;
    const data = JSON.parse(secret.patch).stringData;
    expect(data.accesskey).toMatch(/^\$\{random_password\./);
    expect(data.secretkey).toMatch(/^\$\{random_password\./);
  });

  test('the cache and pipeline-version webhooks are exempt from the admissions enforcer', () => {
    const annotated = overlay.patches.filter((p) => p.patch.includes('admissions.enforcer/disabled')).map((p) => p.target?.name);
    expect(annotated.sort()).toEqual(['cache-webhook-kubeflow', 'pipelineversions.pipelines.kubeflow.org']);
  });
});

describe('KServe', () => {
  test('kserve-crd and kserve-resources from the official OCI charts, standard mode by default', () => {
    expect(devReleases['kserve-crd']).toMatchObject({ repository: 'oci://ghcr.io/kserve/charts', chart: 'kserve-crd', version: CHARTS.kserveCrd.version });
    const r = devReleases.kserve;
    expect(r).toMatchObject({ chart: 'kserve-resources', version: CHARTS.kserveResources.version, namespace: 'kserve' });
    expect(releaseValues(r)).toMatchObject({ kserve: { controller: { deploymentMode: 'Standard', nodeSelector: PLATFORM_NODE_SELECTOR } } });
    expect(r.depends_on).toEqual(expect.arrayContaining([devReleases['kserve-crd'].address, devReleases['cert-manager-kubeflow'].address]));
  });

  test('Knative mode with Knative provided outside', () => {
    const knative = releasesByName(synthPlatform(devWith({ platform: { kserveMode: 'knative', knative: 'external' } })).parsed);
    expect(releaseValues(knative.kserve)).toMatchObject({ kserve: { controller: { deploymentMode: 'Knative' } } });
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
  const only = (component: 'trainer' | 'katib' | 'pipelines' | 'kserve'): string[] => {
    const components = { gpuOperator: false, trainer: false, katib: false, pipelines: false, kserve: false, [component]: true };
    const istio = component === 'katib' || component === 'pipelines' ? 'install' : 'none';
    const certManager = component === 'trainer' ? 'none' : 'install';
    // No access layer: the workload on its own, with only what it needs.
    const config: EnvironmentConfig = devWith({ gpuPools: [], access: undefined, profiles: [], notebooks: { enabled: false }, platform: { components: { ...components, istio, certManager } } });
    return Object.keys(releasesByName(synthPlatform(config).parsed)).sort();
  };

  test('training', () => {
    expect(only('trainer')).toEqual(['kubeflow-trainer']);
  });

  test('tuning', () => {
    expect(only('katib')).toEqual(['cert-manager', 'cert-manager-kubeflow', 'istio-base', 'istio-ingressgateway', 'istiod', 'katib', 'katib-crds', 'kubeflow-istio-resources']);
  });

  test('pipelines', () => {
    expect(only('pipelines')).toEqual(['cert-manager', 'cert-manager-kubeflow', 'istio-base', 'istio-ingressgateway', 'istiod', 'kubeflow-istio-resources', 'pipelines', 'pipelines-crds']);
  });

  test('serving', () => {
    expect(only('kserve')).toEqual(['cert-manager', 'cert-manager-kubeflow', 'kserve', 'kserve-crd']);
  });

  test('prerequisites provided outside add no release and no dependency', () => {
    const r = releasesByName(synthPlatform(devWith({ gpuPools: [], access: undefined, profiles: [], notebooks: { enabled: false }, platform: { components: { certManager: 'external', istio: 'external', gpuOperator: false } } })).parsed);
    expect(r['cert-manager']).toBeUndefined();
    expect(r.istiod).toBeUndefined();
    expect(r.katib.depends_on).toEqual([r['katib-crds'].address]);
  });
});
