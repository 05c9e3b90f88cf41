import type { EnvironmentConfig } from '../../environments';
import { renderFixture } from '../fixtures/render-environment';
import * as checks from './checks';
import { artifactEndpointProblems, artifactEndpoints, dataStoreProblems } from './data-store-checks';
import { K8sObject, RenderedEnvironment, renderEnvironment } from '../../scripts/render/render';
import { renderTools } from '../../scripts/render/tools';

/**
 * The data-store rule on the fixture in both modes: in-cluster stores (the
 * fixture as it is) and Azure stores (the fixture with Azure MySQL and blob
 * artifacts), each passing every render rule, and broken copies failing it.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;

const azureFixture: EnvironmentConfig = { ...renderFixture, dataStores: { mysql: 'azure', artifacts: 'azure-blob' } };

type Container = { name: string; args?: string[]; env?: { name: string; value?: string }[] };

maybe('the data-store rule', () => {
  let inCluster: RenderedEnvironment;
  let azure: RenderedEnvironment;
  beforeAll(() => {
    inCluster = renderEnvironment(renderFixture);
    azure = renderEnvironment(azureFixture);
  });

  /** A deep copy with `change` applied to the objects of every release. */
  function broken(from: RenderedEnvironment, change: (objects: K8sObject[]) => K8sObject[]): RenderedEnvironment {
    const copy = structuredClone(from);
    return { ...copy, releases: copy.releases.map((r) => ({ ...r, objects: change([...r.objects]) })) };
  }
  const containers = (obj: K8sObject): Container[] => (obj as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers;
  const editDeployment = (name: string, edit: (obj: K8sObject) => void) => (objects: K8sObject[]) => {
    for (const o of objects) if (o.kind === 'Deployment' && o.metadata.name === name) edit(o);
    return objects;
  };

  test('both fixtures pass every render rule, the data-store rule included', () => {
    for (const rendered of [inCluster, azure]) {
      expect(dataStoreProblems(rendered)).toEqual([]);
      expect(artifactEndpointProblems(rendered)).toEqual([]);
      for (const [name, fn] of Object.entries(checks)) {
        if (typeof fn === 'function' && name.endsWith('Problems')) expect({ name, problems: (fn as (r: RenderedEnvironment) => string[])(rendered) }).toEqual({ name, problems: [] });
      }
    }
  });

  test('with Azure MySQL no MySQL pod or volume is rendered; in-cluster both are', () => {
    const kinds = (r: RenderedEnvironment) => r.releases.flatMap((x) => x.objects).filter((o) => /mysql/.test(o.metadata.name) && ['Deployment', 'PersistentVolumeClaim'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds(azure)).toEqual([]);
    expect(kinds(inCluster)).toEqual(['Deployment/katib-mysql', 'Deployment/mysql', 'PersistentVolumeClaim/katib-mysql', 'PersistentVolumeClaim/mysql-pv-claim']);
  });

  test('an in-cluster MySQL left behind next to the Azure server', () => {
    const leftover = inCluster.releases.flatMap((r) => r.objects).find((o) => o.kind === 'Deployment' && o.metadata.name === 'mysql')!;
    const r = broken(azure, (objects) => (objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'ml-pipeline') ? [...objects, leftover] : objects));
    expect(dataStoreProblems(r)).toEqual([expect.stringMatching(/^Deployment mysql \(release pipelines\): an in-cluster MySQL is rendered/)]);
  });

  test('a consumer still pointing at the in-cluster service', () => {
    const r = broken(azure, editDeployment('katib-db-manager', (o) => {
      containers(o)[0].env = containers(o)[0].env!.map((e) => (e.name === 'KATIB_MYSQL_DB_HOST' ? { ...e, value: 'katib-mysql' } : e));
    }));
    expect(dataStoreProblems(r)).toEqual([expect.stringMatching(/katib-db-manager: KATIB_MYSQL_DB_HOST is "katib-mysql", not the Azure server/)]);
  });

  test('Pipelines\' consumers and their wait-for-database checks follow mysqlHost (2.17 dropped dbHost/dbPort)', () => {
    const config = (r: RenderedEnvironment) => r.releases.flatMap((x) => x.objects).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pipeline-install-config') as unknown as { data: Record<string, string> };
    expect(config(inCluster).data).toMatchObject({ mysqlHost: 'mysql', mysqlPort: '3306' });
    expect(config(azure).data).not.toHaveProperty('dbHost');
    const left = broken(azure, (objects) => objects.map((o) => (o.kind === 'ConfigMap' && o.metadata.name === 'pipeline-install-config' ? { ...o, data: { ...(o as unknown as { data: object }).data, mysqlHost: 'mysql' } } as unknown as K8sObject : o)));
    expect(dataStoreProblems(left)).toEqual([
      expect.stringMatching(/^ConfigMap pipeline-install-config: mysqlHost is "mysql", not the Azure server/),
      expect.stringMatching(/^Deployment ml-pipeline: init container wait-for-database waits for mysql:3306, not the Azure server/),
      expect.stringMatching(/^Deployment metadata-grpc-deployment: init container wait-for-database waits for mysql:3306, not the Azure server/),
    ]);
  });

  test('with blob artifacts SeaweedFS stays every client\'s S3 endpoint', () => {
    expect(artifactEndpoints(azure).map((e) => e.endpoint)).toEqual(artifactEndpoints(inCluster).map((e) => e.endpoint));
    expect(artifactEndpoints(azure).map((e) => e.endpoint)).toContain('seaweedfs.kubeflow.svc:9000');
  });

  test('a consumer without verified TLS', () => {
    const r = broken(azure, editDeployment('cache-server', (o) => {
      containers(o)[0].args = containers(o)[0].args!.filter((a) => !a.startsWith('--db_extra_params'));
    }));
    expect(dataStoreProblems(r)).toEqual(['Deployment cache-server: the cache server does not ask for verified TLS (--db_extra_params)']);
  });

  test('ML Metadata still on its upstream flags', () => {
    const r = broken(azure, editDeployment('metadata-grpc-deployment', (o) => { containers(o)[0].args = ['--grpc_port=8080', '--mysql_config_host=$(MYSQL_HOST)']; }));
    expect(dataStoreProblems(r)).toEqual([expect.stringMatching(/metadata-grpc-deployment: ML Metadata does not read its server/)]);
  });

  test('blob artifacts without the mirror, and a mirror with in-cluster artifacts', () => {
    const noMirror = broken(azure, editDeployment('seaweedfs', (o) => {
      (o as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers = containers(o).filter((c) => c.name !== 'blob-mirror');
    }));
    expect(dataStoreProblems(noMirror)).toEqual(['Deployment seaweedfs: artifacts are "azure-blob" but no blob-mirror container runs']);
    const mirror = containers(azure.releases.flatMap((r) => r.objects).find((o) => o.kind === 'Deployment' && o.metadata.name === 'seaweedfs')!).find((c) => c.name === 'blob-mirror')!;
    const stray = broken(inCluster, editDeployment('seaweedfs', (o) => { containers(o).push(structuredClone(mirror)); }));
    expect(dataStoreProblems(stray)).toEqual(['Deployment seaweedfs: a blob-mirror runs although artifacts are "in-cluster"']);
  });

  test('SeaweedFS runs the pinned image in both modes, with its new listeners and telemetry off', () => {
    for (const r of [inCluster, azure]) {
      const seaweed = r.releases.flatMap((x) => x.objects).find((o) => o.kind === 'Deployment' && o.metadata.name === 'seaweedfs')!;
      const main = containers(seaweed).find((c) => c.name === 'seaweedfs') as Container & { image: string };
      expect(main.image).toBe('chrislusf/seaweedfs:4.44');
      expect(main.args).toEqual(expect.arrayContaining(['-master.telemetry=false', '-s3.port.iceberg=0', '-s3.port.lance=0']));
    }
  });
});
