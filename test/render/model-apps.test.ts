import { resolveEnvironment } from '../../environments';
import { MODEL_REGISTRY_DB_SECRET, MODEL_REGISTRY_DB_VOLUME } from '../../constructs/model-registry/model-registry';
import { SPARK_DRIVER_SERVICE_ACCOUNT, sparkGpuPlacement } from '../../constructs/spark/spark-operator';
import { renderFixture } from '../fixtures/render-environment';
import * as checks from './checks';
import { indexCrds, validateCustomResource } from './crd-schema';
import { K8sObject, RenderedEnvironment, renderEnvironment } from '../../scripts/render/render';
import { gatewayRouteProblems as routeProblems } from './routes';
import { renderTools } from '../../scripts/render/tools';

/**
 * What the new applications put in the cluster, rendered from the real
 * distribution tree and chart: their UIs only on the Kubeflow gateway (behind
 * its sign-in) and only reachable from the gateway, no demo credentials, and
 * GPU SparkApplications that the installed CRD accepts.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;

maybe('Model Registry, models web app and Spark as the cluster receives them', () => {
  let rendered: RenderedEnvironment;
  beforeAll(() => {
    rendered = renderEnvironment(renderFixture);
  });
  const objectsOfRelease = (name: string) => {
    const release = rendered.releases.find((r) => r.name === name);
    if (!release) throw new Error(`no release ${name}`);
    return release.objects;
  };

  test.each([
    ['model-registry', ['model-registry', 'model-registry-ui']],
    ['models-web-app', ['kserve-models-web-application']],
  ])('%s publishes its routes only on the Kubeflow gateway, to pods that admit only the gateway', (release, routes) => {
    expect(objectsOfRelease(release).filter((o) => o.kind === 'VirtualService').map((o) => o.metadata.name).sort()).toEqual(routes);
    expect(routeProblems(rendered, release)).toEqual([]);
  });

  test('the route check fails for a route on another gateway and for pods without a gateway policy', () => {
    const copy = structuredClone(rendered) as RenderedEnvironment;
    const release = copy.releases.find((r) => r.name === 'models-web-app')!;
    const vs = release.objects.find((o) => o.kind === 'VirtualService') as K8sObject & { spec: { gateways: string[] } };
    vs.spec.gateways = ['knative-serving/knative-ingress-gateway'];
    (release as unknown as { objects: K8sObject[] }).objects = release.objects.filter((o) => o.kind !== 'AuthorizationPolicy');
    expect(routeProblems(copy, 'models-web-app')).toEqual([
      expect.stringContaining('not only kubeflow/kubeflow-gateway'),
      expect.stringContaining('have no AuthorizationPolicy admitting the gateway'),
    ]);
  });

  test('Model Registry: no demo Secret is rendered; the database and the server read the generated one', () => {
    const objects = objectsOfRelease('model-registry');
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const name of ['model-registry-db', 'model-registry-deployment']) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
      const envFrom = (deployment?.spec as { template: { spec: { containers: { envFrom?: { secretRef?: { name: string } }[] }[] } } }).template.spec.containers[0].envFrom ?? [];
      expect(envFrom.map((e) => e.secretRef?.name).filter(Boolean)).toEqual([MODEL_REGISTRY_DB_SECRET]);
    }
    expect(JSON.stringify(objects)).not.toMatch(/POSTGRES_PASSWORD=|"test"/);
  });

  test('Model Registry: the database volume is kept when the component is turned off', () => {
    const pvc = objectsOfRelease('model-registry').find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === MODEL_REGISTRY_DB_VOLUME);
    expect(pvc?.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });

  test('the models web app checks the signed-in user (authorization on, the gateway\'s user header)', () => {
    const config = objectsOfRelease('models-web-app').find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kserve-models-web-application-config');
    const data = (config as { data?: Record<string, string> } | undefined)?.data ?? {};
    expect(data.APP_DISABLE_AUTH).toBeUndefined();
    expect(data.USERID_HEADER).toBe('kubeflow-userid');
    expect(data.APP_PREFIX).toBe('/kserve-endpoints');
  });

  test('Spark: each profile namespace gets the driver ServiceAccount', () => {
    const env = resolveEnvironment(renderFixture);
    const accounts = objectsOfRelease('spark-operator').filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === SPARK_DRIVER_SERVICE_ACCOUNT).map((o) => o.metadata.namespace);
    expect(accounts).toEqual(env.profiles.map((p) => p.name));
  });

  test('Spark: a GPU SparkApplication per pool validates against the installed CRD', () => {
    const env = resolveEnvironment(renderFixture);
    const crds = objectsOfRelease('spark-operator').filter((o) => o.kind === 'CustomResourceDefinition');
    const index = indexCrds(crds as Record<string, unknown>[]);
    const apps = env.gpuPools.map((pool) => {
      const placement = sparkGpuPlacement(pool);
      return {
        apiVersion: 'sparkoperator.k8s.io/v1beta2',
        kind: 'SparkApplication',
        metadata: { name: `pi-${pool.name}`, namespace: env.profiles[0].name },
        spec: {
          type: 'Scala',
          mode: 'cluster',
          sparkVersion: '4.0.0',
          image: 'docker.io/library/spark:4.0.0',
          mainClass: 'org.apache.spark.examples.SparkPi',
          mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
          sparkConf: placement.sparkConf,
          driver: { ...placement.driver, serviceAccount: SPARK_DRIVER_SERVICE_ACCOUNT, cores: 1, memory: '1g' },
          executor: { ...placement.executor, instances: 1, cores: 1, memory: '2g' },
        },
      };
    });
    expect(apps).toHaveLength(2);
    for (const app of apps) expect(validateCustomResource(index, app)).toEqual([]);
    // The check can fail: a misspelt field is refused.
    const wrong = { ...apps[0], spec: { ...apps[0].spec, executor: { ...apps[0].spec.executor, toleration: [] } } };
    expect(validateCustomResource(index, wrong)).not.toEqual([]);
  });
});

maybe('Spark Operator without an access layer (no profiles: every namespace)', () => {
  // The workloads that need no sign-in: Kubeflow's kustomize apps aggregate into roles only the dashboard brings.
  test('renders with no driver ServiceAccount and no Kubeflow roles, and passes every rule', () => {
    const rendered = renderEnvironment({
      ...renderFixture,
      access: undefined,
      profiles: [],
      notebooks: { enabled: false },
      platform: { components: { istio: 'none', katib: false, pipelines: false, kserve: false } },
    });
    const names = rendered.releases.map((r) => r.name);
    expect(names).toContain('spark-operator');
    for (const absent of ['spark-operator-kubeflow-roles', 'model-registry', 'models-web-app', 'dashboard']) expect(names).not.toContain(absent);
    const spark = rendered.releases.find((r) => r.name === 'spark-operator')!;
    expect(spark.objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name).sort()).toEqual(['spark-operator-controller', 'spark-operator-webhook']);
    for (const [name, fn] of Object.entries(checks)) {
      if (typeof fn === 'function' && name.endsWith('Problems')) expect({ name, problems: (fn as (r: RenderedEnvironment) => string[])(rendered) }).toEqual({ name, problems: [] });
    }
  });
});
