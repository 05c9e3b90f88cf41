import { ARTIFACT_CONTAINER } from '../../constructs/artifacts/artifact-storage';
import { BLOB_REMOTE } from '../../constructs/artifacts/artifact-wiring';
import { MYSQL_CA_FILE } from '../../constructs/mysql/azure-mysql';
import { GO_MYSQL_TLS_PARAMS, MLMD_CONFIG_FILE } from '../../constructs/mysql/mysql-wiring';
import { parse } from 'yaml';
import { K8sObject, RenderedEnvironment, objectsOf, placeholderFor } from '../../scripts/render/render';

/**
 * The data-store rule: every consumer of MySQL and of the object store is wired
 * to the store the environment chose, and nothing of the other one is left.
 * With Azure MySQL: no MySQL pod or volume is rendered; the API server, cache
 * server, ML Metadata and Katib's db-manager all point at the server's name (the
 * same reference the user Job connects to) over verified TLS. In-cluster: they
 * point at the distribution's MySQL services, which are rendered. With blob
 * artifacts: SeaweedFS runs the mirror of the container the cluster stack creates.
 */

type EnvVar = { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } };
type Container = { name: string; image?: string; args?: string[]; env?: EnvVar[] };

function deployment(rendered: RenderedEnvironment, name: string): K8sObject | undefined {
  return objectsOf(rendered).find((l) => l.obj.kind === 'Deployment' && l.obj.metadata.name === name)?.obj;
}

function containersOf(obj: K8sObject | undefined): Container[] {
  const spec = (obj as { spec?: { template?: { spec?: { containers?: Container[] } } } } | undefined)?.spec?.template?.spec;
  return spec?.containers ?? [];
}

function initContainersOf(obj: K8sObject | undefined): Container[] {
  return (obj as { spec?: { template?: { spec?: { initContainers?: Container[] } } } } | undefined)?.spec?.template?.spec?.initContainers ?? [];
}

/** A variable's value as the container sees it: literal, or read from a rendered ConfigMap of the same namespace. */
function resolvedEnv(rendered: RenderedEnvironment, container: Container | undefined, name: string): string | undefined {
  const e = container?.env?.find((v) => v.name === name);
  const ref = e?.valueFrom?.configMapKeyRef;
  if (!ref) return e?.value;
  const cm = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name === ref.name)?.obj as { data?: Record<string, string> } | undefined;
  return cm?.data?.[ref.key];
}

/** Init containers of Pipelines that wait for the database with a port check. */
function databaseWaits(rendered: RenderedEnvironment): { who: string; host?: string; port?: string }[] {
  return ['ml-pipeline', 'metadata-grpc-deployment'].flatMap((name) => initContainersOf(deployment(rendered, name))
    .filter((c) => c.name === 'wait-for-database')
    .map((c) => ({ who: `Deployment ${name}: init container ${c.name}`, host: resolvedEnv(rendered, c, 'WAIT_HOST'), port: resolvedEnv(rendered, c, 'WAIT_PORT') })));
}

function env(obj: K8sObject | undefined, container: string, name: string): string | undefined {
  return containersOf(obj).find((c) => c.name === container)?.env?.find((e) => e.name === name)?.value;
}

const MYSQL_IMAGE = /^(docker\.io\/)?(library\/)?mysql(:|@|$)/;

/** The expression the user Job connects to, as the render writes it (its placeholder). */
export function azureMysqlHost(rendered: RenderedEnvironment): string | undefined {
  const jobs = Object.values(rendered.platform.resource.kubernetes_job_v1 ?? {}) as { metadata?: { name?: string }; spec?: { template?: { spec?: { container?: Container[] } } } }[];
  const job = jobs.find((j) => j.metadata?.name === 'azure-mysql-users');
  const raw = job?.spec?.template?.spec?.container?.[0]?.env?.find((e) => e.name === 'MYSQL_HOST')?.value;
  const m = raw === undefined ? undefined : /^\$\{(.+)\}$/.exec(raw);
  return m ? placeholderFor(m[1]) : raw;
}

export function dataStoreProblems(rendered: RenderedEnvironment): string[] {
  const problems: string[] = [];
  const stores = rendered.env.dataStores;
  const components = rendered.env.platform.components;
  const objects = objectsOf(rendered);
  const mysqlPods = objects.filter((l) => containersOf(l.obj).some((c) => MYSQL_IMAGE.test(c.image ?? '')));
  const installConfig = objects.find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name === 'pipeline-install-config')?.obj as { data?: Record<string, string> } | undefined;
  const api = deployment(rendered, 'ml-pipeline');
  const cache = deployment(rendered, 'cache-server');
  const mlmd = deployment(rendered, 'metadata-grpc-deployment');
  const katib = deployment(rendered, 'katib-db-manager');

  if (stores.mysql.kind === 'azure') {
    const host = azureMysqlHost(rendered);
    if (!host) problems.push('dataStores.mysql is "azure" but no Job creates the consumers\' users (azure-mysql-users)');
    for (const l of mysqlPods) problems.push(`${l.obj.kind} ${l.obj.metadata.name} (release ${l.release.name}): an in-cluster MySQL is rendered although the environment uses Azure MySQL`);
    for (const l of objects) {
      if (l.obj.kind === 'PersistentVolumeClaim' && /mysql/.test(l.obj.metadata.name)) problems.push(`PersistentVolumeClaim ${l.obj.metadata.name} (release ${l.release.name}): an in-cluster MySQL volume is left behind`);
    }
    if (components.pipelines) {
      if (installConfig?.data?.mysqlHost !== host) problems.push(`ConfigMap pipeline-install-config: mysqlHost is ${JSON.stringify(installConfig?.data?.mysqlHost)}, not the Azure server (${host})`);
      if (installConfig?.data?.mysqlPort !== '3306') problems.push(`ConfigMap pipeline-install-config: mysqlPort is ${JSON.stringify(installConfig?.data?.mysqlPort)}, not the Azure server's 3306`);
      for (const w of databaseWaits(rendered)) {
        if (w.host !== host || w.port !== '3306') problems.push(`${w.who} waits for ${w.host}:${w.port}, not the Azure server (${host}:3306)`);
      }
      if (env(api, 'ml-pipeline-api-server', 'DBCONFIG_MYSQLCONFIG_EXTRAPARAMS') !== GO_MYSQL_TLS_PARAMS) problems.push('Deployment ml-pipeline: the API server does not ask for verified TLS (DBCONFIG_MYSQLCONFIG_EXTRAPARAMS)');
      if (!containersOf(cache).find((c) => c.name === 'server')?.args?.includes(`--db_extra_params=${GO_MYSQL_TLS_PARAMS}`)) problems.push('Deployment cache-server: the cache server does not ask for verified TLS (--db_extra_params)');
      for (const [obj, container] of [[api, 'ml-pipeline-api-server'], [cache, 'server']] as const) {
        if (env(obj, container, 'SSL_CERT_FILE') !== MYSQL_CA_FILE) problems.push(`Deployment ${obj?.metadata.name}: container ${container} does not trust the Azure roots (SSL_CERT_FILE)`);
      }
      const mlmdArgs = containersOf(mlmd)[0]?.args ?? [];
      if (!mlmdArgs.includes(`--metadata_store_server_config_file=${MLMD_CONFIG_FILE}`) || mlmdArgs.some((a) => a.startsWith('--mysql_config_host'))) {
        problems.push(`Deployment metadata-grpc-deployment: ML Metadata does not read its server, user and TLS from ${MLMD_CONFIG_FILE}`);
      }
    }
    if (components.katib) {
      if (env(katib, 'katib-db-manager', 'KATIB_MYSQL_DB_HOST') !== host) problems.push(`Deployment katib-db-manager: KATIB_MYSQL_DB_HOST is ${JSON.stringify(env(katib, 'katib-db-manager', 'KATIB_MYSQL_DB_HOST'))}, not the Azure server (${host})`);
      if (!/[?&]tls=true(&|$)/.test(env(katib, 'katib-db-manager', 'KATIB_MYSQL_DB_DATABASE') ?? '')) problems.push('Deployment katib-db-manager: the DSN does not ask for verified TLS (tls=true)');
    }
  } else {
    const images = mysqlPods.map((l) => l.obj.metadata.name);
    if (components.pipelines) {
      if (!images.includes('mysql')) problems.push('Pipelines uses the in-cluster MySQL, but Deployment mysql is not rendered');
      if (installConfig?.data?.mysqlHost !== 'mysql') problems.push(`ConfigMap pipeline-install-config: mysqlHost is ${JSON.stringify(installConfig?.data?.mysqlHost)}, not the in-cluster service "mysql"`);
      for (const w of databaseWaits(rendered)) {
        if (w.host !== 'mysql') problems.push(`${w.who} waits for ${w.host}:${w.port}, not the in-cluster service "mysql"`);
      }
    }
    if (components.katib) {
      if (!images.includes('katib-mysql')) problems.push('Katib uses the in-cluster MySQL, but Deployment katib-mysql is not rendered');
      const katibHost = env(katib, 'katib-db-manager', 'KATIB_MYSQL_DB_HOST');
      if (katibHost !== undefined && katibHost !== 'katib-mysql') problems.push(`Deployment katib-db-manager: KATIB_MYSQL_DB_HOST is ${JSON.stringify(katibHost)}, not the in-cluster service`);
    }
  }

  if (components.pipelines) {
    const seaweed = deployment(rendered, 'seaweedfs');
    const mirror = containersOf(seaweed).find((c) => c.name === 'blob-mirror');
    if (stores.artifacts.kind === 'azure-blob') {
      const containers = Object.values(rendered.cluster.resource.azurerm_storage_container ?? {}) as { name?: string }[];
      if (!containers.some((c) => c.name === ARTIFACT_CONTAINER)) problems.push(`the cluster stack creates no storage container "${ARTIFACT_CONTAINER}" for the artifacts`);
      const script = mirror ? JSON.stringify(mirror) : '';
      if (!mirror) problems.push('Deployment seaweedfs: artifacts are "azure-blob" but no blob-mirror container runs');
      else if (!script.includes(`-remote=${BLOB_REMOTE}/${ARTIFACT_CONTAINER}`) || !script.includes('filer.remote.sync')) problems.push(`Deployment seaweedfs: blob-mirror does not mount and sync the container ${ARTIFACT_CONTAINER}`);
      else if (/account_key/.test(script)) problems.push('Deployment seaweedfs: blob-mirror uses a storage account key');
    } else if (mirror) {
      problems.push('Deployment seaweedfs: a blob-mirror runs although artifacts are "in-cluster"');
    }
  }
  return problems;
}

/** Where Pipelines' components reach the object store (S3 API of SeaweedFS), as each is configured. */
export function artifactEndpoints(rendered: RenderedEnvironment): { who: string; endpoint: string }[] {
  const found: { who: string; endpoint: string }[] = [];
  const argo = objectsOf(rendered).find((l) => l.obj.kind === 'ConfigMap' && l.obj.metadata.name === 'workflow-controller-configmap')?.obj as { data?: Record<string, string> } | undefined;
  const repository = argo?.data?.artifactRepository ? parse(argo.data.artifactRepository) as { s3?: { endpoint?: string } } : undefined;
  if (repository?.s3?.endpoint) found.push({ who: 'ConfigMap workflow-controller-configmap: artifactRepository.s3.endpoint (every run\'s artifacts and logs)', endpoint: repository.s3.endpoint });
  const api = containersOf(deployment(rendered, 'ml-pipeline')).find((c) => c.name === 'ml-pipeline-api-server');
  const host = resolvedEnv(rendered, api, 'OBJECTSTORECONFIG_HOST');
  if (host) found.push({ who: 'Deployment ml-pipeline: OBJECTSTORECONFIG_HOST/PORT', endpoint: `${host}:${resolvedEnv(rendered, api, 'OBJECTSTORECONFIG_PORT') ?? '?'}` });
  const profiles = containersOf(deployment(rendered, 'kubeflow-pipelines-profile-controller'))[0];
  for (const name of ['S3_ENDPOINT_URL', 'AWS_ENDPOINT_URL']) {
    const url = resolvedEnv(rendered, profiles, name);
    if (url) found.push({ who: `Deployment kubeflow-pipelines-profile-controller: ${name}`, endpoint: new URL(url).host });
  }
  return found;
}

/**
 * Every object-store endpoint of Pipelines (Argo's artifact repository, the API
 * server, the profile controller's S3 and IAM clients) is a port of a Service in
 * the cluster that sends it to a port SeaweedFS listens on: KFP 2.17 moved Argo
 * to `seaweedfs.kubeflow.svc:9000`, a compatibility port of the Service.
 */
export function artifactEndpointProblems(rendered: RenderedEnvironment): string[] {
  if (!rendered.env.platform.components.pipelines) return [];
  const objects = objectsOf(rendered);
  const problems: string[] = [];
  const endpoints = artifactEndpoints(rendered);
  if (!endpoints.some((e) => e.who.startsWith('ConfigMap workflow-controller-configmap'))) problems.push('ConfigMap workflow-controller-configmap: no S3 artifact repository endpoint (runs would keep no artifacts or logs)');
  for (const { who, endpoint } of endpoints) {
    const m = /^([a-z0-9-]+)(?:\.([a-z0-9-]+))?(?:\.svc(?:\.cluster\.local)?)?:(\d+)$/.exec(endpoint);
    if (!m) {
      problems.push(`${who}: ${endpoint} is not a Service of the cluster (service[.namespace[.svc[.cluster.local]]]:port)`);
      continue;
    }
    const [, name, ns = 'kubeflow', port] = m;
    // Runs execute in the profile namespaces: a name without its namespace resolves there, not in kubeflow.
    if (!m[2] && who.startsWith('ConfigMap workflow-controller-configmap')) problems.push(`${who}: ${endpoint} has no namespace, so it does not resolve from the profile namespaces where runs execute`);
    const service = objects.find((l) => l.obj.kind === 'Service' && l.obj.metadata.name === name && (l.obj.metadata.namespace ?? l.release.namespace) === ns)?.obj as { spec?: { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] } } | undefined;
    const servicePort = service?.spec?.ports?.find((p) => p.port === Number(port));
    if (!service) {
      problems.push(`${who}: ${endpoint} names Service ${ns}/${name}, which no release renders`);
      continue;
    }
    if (!servicePort) {
      problems.push(`${who}: ${endpoint}: Service ${ns}/${name} has no port ${port}`);
      continue;
    }
    const selector = service.spec?.selector ?? {};
    const target = Number(servicePort.targetPort ?? servicePort.port);
    const pods = objects.filter((l) => l.obj.kind === 'Deployment' && (l.obj.metadata.namespace ?? l.release.namespace) === ns)
      .map((l) => (l.obj as unknown as { spec: { template: { metadata?: { labels?: Record<string, string> }; spec: { containers: { name: string; ports?: { containerPort: number }[] }[] } } } }).spec.template)
      .filter((t) => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => t.metadata?.labels?.[k] === v));
    const seaweed = pods.flatMap((t) => t.spec.containers).find((c) => c.name === 'seaweedfs');
    if (!seaweed) problems.push(`${who}: ${endpoint}: Service ${ns}/${name} does not select the SeaweedFS pod`);
    else if (!(seaweed.ports ?? []).some((p) => p.containerPort === target)) problems.push(`${who}: ${endpoint}: Service ${ns}/${name} sends port ${port} to ${target}, where SeaweedFS does not listen`);
  }
  return problems;
}
