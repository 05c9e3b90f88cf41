import { ARTIFACT_CONTAINER } from '../../constructs/cluster/artifact-storage';
import { BLOB_REMOTE } from '../../constructs/platform/artifact-wiring';
import { MYSQL_CA_FILE } from '../../constructs/platform/azure-mysql';
import { GO_MYSQL_TLS_PARAMS, MLMD_CONFIG_FILE } from '../../constructs/platform/mysql-wiring';
import { K8sObject, RenderedEnvironment, objectsOf, placeholderFor } from './render';

/**
 * The data-store rule: every consumer of MySQL and of the object store is wired
 * to the store the environment chose, and nothing of the other one is left.
 * With Azure MySQL: no MySQL pod or volume is rendered; the API server, cache
 * server, ML Metadata and Katib's db-manager all point at the server's name (the
 * same reference the user Job connects to) over verified TLS. In-cluster: they
 * point at the distribution's MySQL services, which are rendered. With blob
 * artifacts: SeaweedFS runs the mirror of the container the cluster stack creates.
 */

type Container = { name: string; image?: string; args?: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[] };

function deployment(rendered: RenderedEnvironment, name: string): K8sObject | undefined {
  return objectsOf(rendered).find((l) => l.obj.kind === 'Deployment' && l.obj.metadata.name === name)?.obj;
}

function containersOf(obj: K8sObject | undefined): Container[] {
  const spec = (obj as { spec?: { template?: { spec?: { containers?: Container[] } } } } | undefined)?.spec?.template?.spec;
  return spec?.containers ?? [];
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

  if (stores.mysql === 'azure') {
    const host = azureMysqlHost(rendered);
    if (!host) problems.push('dataStores.mysql is "azure" but no Job creates the consumers\' users (azure-mysql-users)');
    for (const l of mysqlPods) problems.push(`${l.obj.kind} ${l.obj.metadata.name} (release ${l.release.name}): an in-cluster MySQL is rendered although the environment uses Azure MySQL`);
    for (const l of objects) {
      if (l.obj.kind === 'PersistentVolumeClaim' && /mysql/.test(l.obj.metadata.name)) problems.push(`PersistentVolumeClaim ${l.obj.metadata.name} (release ${l.release.name}): an in-cluster MySQL volume is left behind`);
    }
    if (components.pipelines) {
      for (const key of ['dbHost', 'mysqlHost']) {
        if (installConfig?.data?.[key] !== host) problems.push(`ConfigMap pipeline-install-config: ${key} is ${JSON.stringify(installConfig?.data?.[key])}, not the Azure server (${host})`);
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
      for (const key of ['dbHost', 'mysqlHost']) {
        if (installConfig?.data?.[key] !== 'mysql') problems.push(`ConfigMap pipeline-install-config: ${key} is ${JSON.stringify(installConfig?.data?.[key])}, not the in-cluster service "mysql"`);
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
    if (stores.artifacts === 'azure-blob') {
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
