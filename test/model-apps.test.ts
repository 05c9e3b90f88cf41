import { Testing, TerraformStack } from 'cdktf';
import { GPU_TAINT, PLATFORM_NODE_SELECTOR, SPOT_TAINT, tolerationFor } from '../constructs/node-pools/gpu-scheduling';
import { ClusterConnection } from '../constructs/lib/cluster-connection';
import { InstalledApps, dashboardLinks } from '../constructs/dashboard/dashboard';
import { profileAccessRoles } from '../constructs/dashboard/kubeflow-roles';
import { MODEL_REGISTRY_DB_SECRET } from '../constructs/model-registry/model-registry';
import { ComponentError } from '../constructs/lib/prerequisites';
import { SPARK_GPU_DISCOVERY_SCRIPT, SparkOperator, sparkGpuPlacement } from '../constructs/spark/spark-operator';
import { lockedDigest } from '../constructs/lib/upstream';
import { CHARTS, IMAGES, KUSTOMIZE_PATHS, MODELS_WEB_APP, MODELS_WEB_APP_PATHS, chartFile, treeFile } from '../catalog/versions';
import { ConfigError, EnvironmentConfig, resolveEnvironment } from '../environments';
import { dev, staging } from './fixtures/environments';
import { SynthJson, devWith, releaseValues, releasesByName, synthPlatform } from './helpers';

/**
 * Model Registry, the KServe models web app and the Spark Operator: defaults,
 * off switches, prerequisites, credentials, the dashboard menu and the GPU
 * placement of Spark executors.
 */

const all = synthPlatform(dev);
const allReleases = releasesByName(all.parsed);

type Overlay = { resources: string[]; patches: { patch: string; target?: Record<string, string> }[] };
function overlayFor(parsed: SynthJson, path: string): Overlay {
  const found = Object.values((parsed.data?.kustomization_overlay ?? {}) as unknown as Record<string, Overlay>).find((o) => o.resources.some((r) => r.endsWith(`/${path}`)));
  if (!found) throw new Error(`no overlay renders ${path}`);
  return found;
}

/** The dashboard's menu links as synthesized into its `dashboard-config` patch. */
function menuLinks(parsed: SynthJson): string[] {
  const patch = overlayFor(parsed, KUSTOMIZE_PATHS.dashboard).patches.find((p) => p.target?.name === 'dashboard-config');
  if (!patch) throw new Error('no dashboard-config patch');
  const links = JSON.parse((JSON.parse(patch.patch) as { data: { links: string } }).data.links) as { menuLinks: { link?: string; items?: { link: string }[] }[] };
  return links.menuLinks.flatMap((m) => (m.items ? m.items.map((i) => i.link) : [m.link ?? '']));
}

function problemsOf(config: EnvironmentConfig): { setting: string; value: string; accepted: string }[] {
  try {
    resolveEnvironment(config);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const withComponents = (components: Record<string, unknown>, extra: Partial<EnvironmentConfig> = {}): EnvironmentConfig => devWith({ ...extra, platform: { components } as EnvironmentConfig['platform'] });
const noAccess: Partial<EnvironmentConfig> = { access: undefined, profiles: [], notebooks: { enabled: false } };

describe('defaults follow the distribution, which enables all three', () => {
  test('with an access layer all three are installed', () => {
    expect(resolveEnvironment(dev).platform.components).toMatchObject({ modelsWebApp: true, modelRegistry: true, sparkOperator: true });
    for (const name of ['model-registry', 'models-web-app', 'kserve-kubeflow-roles', 'spark-operator', 'spark-operator-kubeflow-roles']) expect(allReleases[name]).toBeDefined();
  });

  test('without access the web apps are off (nothing could reach them) and Spark stays on', () => {
    expect(resolveEnvironment(devWith(noAccess)).platform.components).toMatchObject({ modelsWebApp: false, modelRegistry: false, sparkOperator: true });
  });

  test('the models web app defaults to off when KServe is off', () => {
    expect(resolveEnvironment(withComponents({ kserve: false })).platform.components.modelsWebApp).toBe(false);
  });
});

describe('off switches', () => {
  test('each component turned off leaves no release, overlay or secret behind', () => {
    const r = synthPlatform(withComponents({ modelsWebApp: false, modelRegistry: false, sparkOperator: false }));
    const names = Object.keys(releasesByName(r.parsed));
    for (const name of ['model-registry', 'models-web-app', 'kserve-kubeflow-roles', 'spark-operator', 'spark-operator-kubeflow-roles']) expect(names).not.toContain(name);
    expect(r.json).not.toContain(KUSTOMIZE_PATHS.modelRegistryServer);
    expect(r.json).not.toContain(MODELS_WEB_APP_PATHS.kubeflow);
    expect(r.json).not.toContain(MODEL_REGISTRY_DB_SECRET);
  });
});

describe('the dashboard menu shows exactly the installed apps', () => {
  const base: InstalledApps = { notebooks: false, katib: false, pipelines: false, modelsWebApp: false, modelRegistry: false };
  const links = (apps: InstalledApps) => (dashboardLinks(apps) as { menuLinks: { link?: string }[] }).menuLinks.map((m) => m.link);

  test.each([
    ['modelsWebApp', '/kserve-endpoints/'],
    ['modelRegistry', '/model-registry/'],
  ] as const)('%s alone gives exactly its link', (app, link) => {
    expect(links({ ...base, [app]: true })).toEqual([link]);
    expect(links(base)).toEqual([]);
  });

  test('synthesized: everything on lists both links', () => {
    expect(menuLinks(all.parsed)).toEqual(expect.arrayContaining(['/kserve-endpoints/', '/model-registry/']));
  });

  test('synthesized: both off lists neither, and the other apps stay', () => {
    const off = menuLinks(synthPlatform(withComponents({ modelsWebApp: false, modelRegistry: false })).parsed);
    expect(off).not.toContain('/kserve-endpoints/');
    expect(off).not.toContain('/model-registry/');
    expect(off).toEqual(expect.arrayContaining(['/jupyter/', '/katib/', '/pipeline/#/runs']));
  });

  test('synthesized: KServe off takes the models link with it', () => {
    const links = menuLinks(synthPlatform(withComponents({ kserve: false })).parsed);
    expect(links).not.toContain('/kserve-endpoints/');
    expect(links).toContain('/model-registry/');
  });
});

describe('Model Registry', () => {
  const registry = allReleases['model-registry'];

  test('renders the server with PostgreSQL, its Istio routes and the UI, as one release without a CRD release', () => {
    expect(overlayFor(all.parsed, KUSTOMIZE_PATHS.modelRegistryServer).resources.map((r) => r.split('community-distribution/')[1]))
      .toEqual([KUSTOMIZE_PATHS.modelRegistryServer, KUSTOMIZE_PATHS.modelRegistryIstio, KUSTOMIZE_PATHS.modelRegistryUi]);
    expect(registry.namespace).toBe('kubeflow');
    expect(allReleases['model-registry-crds']).toBeUndefined();
  });

  test('the demo credentials are dropped; a generated password arrives through a kubernetes Secret', () => {
    const overlay = overlayFor(all.parsed, KUSTOMIZE_PATHS.modelRegistryServer);
    expect(overlay.patches).toContainEqual(expect.objectContaining({ target: { version: 'v1', kind: 'Secret', name: MODEL_REGISTRY_DB_SECRET } }));
    const secret = Object.values(all.parsed.resource.kubernetes_secret_v1).find((s) => (s.metadata as { name: string }).name === MODEL_REGISTRY_DB_SECRET) as { data: Record<string, string> } | undefined;
    expect(secret?.data.POSTGRES_PASSWORD).toMatch(/^\$\{random_password\.model-registry_db-password_value_\w+\.result\}$/);
    expect(secret?.data.POSTGRES_USER).not.toBe('root');
    expect(JSON.stringify(registry)).not.toContain('random_password');
    expect(JSON.stringify(overlay)).not.toMatch(/random_password|POSTGRES_PASSWORD/);
  });

  test('is published only after the sign-in policies and its Secret, each listed once', () => {
    expect(registry.depends_on).toEqual(expect.arrayContaining([
      expect.stringMatching(/^helm_release\.entra-authentication_policies_release_/),
      expect.stringMatching(/^kubernetes_secret_v1\.model-registry_db-secret_/),
    ]));
    expect(new Set(registry.depends_on).size).toBe(registry.depends_on?.length);
  });

  test('needs the access layer, cert-manager and Istio', () => {
    expect(problemsOf(withComponents({ modelRegistry: true }, noAccess))).toEqual([expect.objectContaining({ setting: 'platform.components.modelRegistry', accepted: expect.stringContaining('add an access section') })]);
    expect(problemsOf(withComponents({ modelRegistry: true, modelsWebApp: false, katib: false, pipelines: false, certManager: 'none' }, { ...noAccess, access: dev.access, notebooks: { enabled: false } })))
      .toContainEqual(expect.objectContaining({ setting: 'platform.components.modelRegistry', accepted: expect.stringContaining('needs certManager') }));
  });

  test('a non-boolean switch is refused with the accepted values', () => {
    expect(problemsOf(withComponents({ modelRegistry: 'yes' }))).toEqual([{ setting: 'platform.components.modelRegistry', value: '"yes"', accepted: 'accepted: true or false' }]);
  });
});

test('the addresses of Model Registry\'s stateful resources stay as they are (a new password would lock the server out of its database)', () => {
  const addresses = Object.entries(all.parsed.resource).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`));
  expect(addresses).toEqual(expect.arrayContaining([
    'random_password.model-registry_db-password_value_B80B7F5E',
    'kubernetes_secret_v1.model-registry_db-secret_CB30D1FD',
    'helm_release.model-registry_bundle_main_release_EA93A9C7',
    'helm_release.spark-operator_chart_release_0368172F',
  ]));
});

describe('KServe models web app', () => {
  const web = allReleases['models-web-app'];

  test('waits for KServe and the sign-in policies', () => {
    expect(web.depends_on).toEqual(expect.arrayContaining([allReleases.kserve.address, expect.stringMatching(/^helm_release\.entra-authentication_policies_release_/)]));
    expect(new Set(web.depends_on).size).toBe(web.depends_on?.length);
  });

  test('profile members get rights on InferenceServices through the Kubeflow roles', () => {
    const [edit, view] = profileAccessRoles('kserve', [{ apiGroup: 'serving.kserve.io', resources: ['inferenceservices'] }]) as { metadata: { name: string; labels: Record<string, string> }; rules: { verbs: string[] }[] }[];
    expect(edit.metadata.labels).toEqual({ 'rbac.authorization.kubeflow.org/aggregate-to-kubeflow-edit': 'true', 'rbac.authorization.kubeflow.org/aggregate-to-kubeflow-admin': 'true' });
    expect(view.metadata.labels).toEqual({ 'rbac.authorization.kubeflow.org/aggregate-to-kubeflow-view': 'true' });
    expect(view.rules[0].verbs).toEqual(['get', 'list', 'watch']);
    expect(edit.rules[0].verbs).toContain('create');
    expect(allReleases['kserve-kubeflow-roles'].values[0]).toContain('kubeflow-kserve-edit');
  });

  test('renders from its own release tree, checked by checksum at plan time, with the image of that release', () => {
    const overlays = (all.parsed.data?.kustomization_overlay ?? {}) as Record<string, { resources: string[]; images: { name: string; new_tag?: string }[]; lifecycle?: { precondition?: { condition: string }[] } }>;
    const [overlay] = Object.values(overlays).filter((o) => o.resources.some((r) => r.endsWith(MODELS_WEB_APP_PATHS.kubeflow)));
    // Relative to the stack folder (kbst's kustomize refuses absolute roots), inside the tree's own folder.
    expect(overlay.resources).toEqual([`../../../.cache/upstream-work/trees/${MODELS_WEB_APP.name}/${MODELS_WEB_APP_PATHS.kubeflow}`]);
    expect(overlay.images).toEqual([expect.objectContaining({ name: IMAGES.modelsWebApp.name, new_tag: IMAGES.modelsWebApp.tag })]);
    const condition = overlay.lifecycle?.precondition?.[0].condition ?? '';
    expect(condition).toContain(`trees/${MODELS_WEB_APP.name}/.upstream-verified`);
    expect(condition).toContain(lockedDigest(treeFile(MODELS_WEB_APP)));
    expect(all.json).not.toContain('applications/kserve/models-web-app');
  });

  test('needs KServe: an explicit true without it is refused', () => {
    expect(problemsOf(withComponents({ kserve: false, modelsWebApp: true }))).toEqual([expect.objectContaining({ setting: 'platform.components.modelsWebApp', value: 'true', accepted: expect.stringContaining('enable platform.components.kserve') })]);
  });

  test('needs the access layer', () => {
    expect(problemsOf(withComponents({ modelsWebApp: true }, noAccess))).toEqual([expect.objectContaining({ setting: 'platform.components.modelsWebApp', accepted: expect.stringContaining('add an access section') })]);
  });
});

describe('Spark Operator', () => {
  const spark = allReleases['spark-operator'];

  test('from the pinned chart, on the platform pool, watching the profile namespaces', () => {
    expect(spark.chart).toContain(chartFile(CHARTS.sparkOperator).replace('charts/', ''));
    expect(releaseValues(spark)).toEqual({
      controller: { nodeSelector: { ...PLATFORM_NODE_SELECTOR } },
      webhook: { nodeSelector: { ...PLATFORM_NODE_SELECTOR } },
      spark: { jobNamespaces: ['ml-team'] },
    });
  });

  test('waits for its restricted namespace and the profile namespaces the chart puts the driver ServiceAccount in', () => {
    expect(spark.depends_on).toEqual([
      expect.stringMatching(/^kubernetes_namespace_v1\.spark-operator_namespace_/),
      expect.stringMatching(/^kubernetes_namespace_v1\.profiles_namespace-ml-team_/),
    ]);
    const ns = Object.values(all.parsed.resource.kubernetes_namespace_v1).find((n) => (n.metadata as { name: string }).name === 'spark-operator');
    expect((ns?.metadata as { labels: Record<string, string> }).labels).toEqual({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  test('without profiles it watches every namespace and adds no Kubeflow roles', () => {
    const r = releasesByName(synthPlatform(withComponents({}, noAccess)).parsed);
    expect((releaseValues(r['spark-operator']).spark as { jobNamespaces: string[] }).jobNamespaces).toEqual([]);
    expect(r['spark-operator-kubeflow-roles']).toBeUndefined();
  });

  test('platform.values.sparkOperator is merged last', () => {
    const r = releasesByName(synthPlatform(devWith({ platform: { values: { sparkOperator: { controller: { workers: 20 } } } } })).parsed);
    expect((releaseValues(r['spark-operator']).controller as Record<string, unknown>).workers).toBe(20);
  });

  test('a job namespace listed twice or empty is a construct-time error', () => {
    const build = (jobNamespaces: string[]) => () => {
      const stack = new TerraformStack(Testing.app(), 'lab');
      const connection = new ClusterConnection(stack, 'connection', { host: 'https://aks.example:443', clusterCaCertificate: 'pem' });
      new SparkOperator(stack, 'spark', { connection, jobNamespaces });
    };
    expect(build(['a', 'a'])).toThrow(/SparkOperator: jobNamespaces lists "a" twice.*Fix: name each namespace once/);
    expect(build([''])).toThrow(ComponentError);
  });
});

describe('Spark executors on the GPU pools, from the same scheduling data as the runtimes', () => {
  const spot = { name: 't4spot', vmSize: 'Standard_NC4as_T4_v3', gpu: { count: 1, model: 't4' }, spot: true };
  const mig = { name: 'a100mig', vmSize: 'Standard_NC24ads_A100_v4', gpu: { count: 1, model: 'a100', memoryGb: 80 }, spot: false, migProfile: 'MIG3g' };

  test('a spot pool: both taints tolerated, the pool selected, one GPU per executor', () => {
    const p = sparkGpuPlacement(spot);
    expect(p.executor.tolerations).toEqual([tolerationFor(GPU_TAINT), tolerationFor(SPOT_TAINT)]);
    expect(p.executor.nodeSelector).toEqual({ 'platform.kubeflow-aks.io/gpu-pool': 't4spot' });
    expect(p.executor.gpu).toEqual({ name: 'nvidia.com/gpu', quantity: 1 });
    expect(p.sparkConf).toMatchObject({ 'spark.executor.resource.gpu.amount': '1', 'spark.executor.resource.gpu.discoveryScript': SPARK_GPU_DISCOVERY_SCRIPT });
    expect(p.executor.labels['sidecar.istio.io/inject']).toBe('false');
  });

  test('a MIG pool offers its MIG devices per node; more is refused', () => {
    expect(sparkGpuPlacement(mig, 2).executor.gpu.quantity).toBe(2);
    expect(() => sparkGpuPlacement(mig, 3)).toThrow(/gpusPerExecutor is 3, but a node of pool "a100mig" offers 2 GPU device\(s\).*Fix: ask for 1 to 2/);
    expect(() => sparkGpuPlacement(spot, 0)).toThrow(ComponentError);
  });

  test('every GPU pool of an environment gets a placement', () => {
    const env = resolveEnvironment(staging);
    expect(env.gpuPools.map((pool) => sparkGpuPlacement(pool).executor.nodeSelector['platform.kubeflow-aks.io/gpu-pool'])).toEqual(['t4spot', 'a100mig']);
  });
});
