import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';
import { MYSQL_CA_CONFIG_MAP, MYSQL_CA_DIR, MYSQL_CA_FILE, MYSQL_CONSUMERS } from './azure-mysql';
import { dropObjectPatch } from '../lib/cluster-secret';

/**
 * Kustomize patches that move Pipelines (KFP 2.17.0) and Katib (distribution
 * 26.03.1: Katib 0.19.0) from their in-cluster MySQL to an Azure server, each
 * through the component's own settings, with TLS that verifies the server's
 * certificate against the Azure roots only:
 *
 * | consumer | host/port | TLS |
 * | --- | --- | --- |
 * | API server | `mysqlHost`/`mysqlPort` of `pipeline-install-config` (`DBCONFIG_MYSQLCONFIG_*`) | `DBCONFIG_MYSQLCONFIG_EXTRAPARAMS={"tls":"true"}` |
 * | cache server | `mysqlHost`/`mysqlPort` (`dbHost`/`dbPort` up to KFP 2.16, kubeflow/pipelines#13504) | `--db_extra_params={"tls":"true"}` |
 * | ML Metadata 1.14 | a server config file (Secret) | `ssl_options { ca, verify_server_cert }`: MLMD has no TLS flags (google/ml-metadata#192) |
 * | `wait-for-database` init containers (API server, ML Metadata) | `mysqlHost`/`mysqlPort` | none: a TCP connect (`nc -z`) only |
 * | Katib db-manager | `KATIB_MYSQL_DB_HOST`/`_PORT` | no setting (see `KATIB_TLS_DATABASE`) |
 *
 * Go clients (`tls=true`) read the roots from `SSL_CERT_FILE`.
 * @see docs/components/data-stores.md
 */

/** Name of the CA volume in every consumer pod. */
const CA_VOLUME = 'azure-mysql-ca';
/** The JSON map both Go components of Pipelines append to their MySQL DSN: verify chain and host name. */
export const GO_MYSQL_TLS_PARAMS = '{"tls":"true"}';
/** Secret with ML Metadata's server configuration (it holds the password). */
export const MLMD_CONFIG_SECRET = 'mlmd-mysql-config';
export const MLMD_CONFIG_FILE = '/etc/mlmd/config.pbtxt';

/**
 * Katib 0.19.0 formats its DSN as `user:password@tcp(host:port)/<database>?timeout=5s`
 * (pkg/db/v1beta1/mysql/mysql.go) and has no TLS setting; there is no upstream
 * issue for MySQL TLS (the PostgreSQL equivalent was kubeflow/katib#2244). The
 * database setting is the one place a parameter can enter: `tls=true` (verified
 * chain and host), `timeout=5s` as Katib sets it, and a last session variable
 * that absorbs Katib's own suffix: `wait_timeout` at its default, followed by
 * `#` (URL-encoded), which makes the rest of `SET wait_timeout=28800#?timeout=5s`
 * a comment. The server requires TLS of the `katib` user (`REQUIRE SSL`), so if
 * this ever stops applying, db-manager fails to sign in instead of talking in
 * plain text.
 */
export const KATIB_TLS_DATABASE = 'katib?tls=true&timeout=5s&wait_timeout=28800%23';

/** ML Metadata's arguments in the distribution at the pinned release (checked with a JSON-patch `test`). */
export const MLMD_UPSTREAM_ARGS = [
  '--grpc_port=8080',
  '--mysql_config_database=$(MYSQL_DATABASE)',
  '--mysql_config_host=$(MYSQL_HOST)',
  '--mysql_config_port=$(MYSQL_PORT)',
  '--mysql_config_user=$(DBCONFIG_USER)',
  '--mysql_config_password=$(DBCONFIG_PASSWORD)',
  '--enable_database_upgrade=true',
  '--grpc_channel_arguments=grpc.max_metadata_size=16384,grpc.max_receive_message_length=104857600,grpc.max_send_message_length=104857600',
] as const;

/** ML Metadata's server configuration (text proto) for the Azure server. */
export function mlmdServerConfig(host: string, password: string): string {
  const mysql = MYSQL_CONSUMERS.metadata;
  return [
    'connection_config {',
    '  mysql {',
    `    host: "${host}"`,
    '    port: 3306',
    `    database: "${mysql.databases[0]}"`,
    `    user: "${mysql.user}"`,
    `    password: "${password}"`,
    '    ssl_options {',
    `      ca: "${MYSQL_CA_FILE}"`,
    '      verify_server_cert: true',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Mounts the CA bundle into one container and points Go's TLS at it; extra env merged by name. */
function trustAzureRoots(deployment: string, container: string, env: readonly Record<string, unknown>[] = []): OverlayPatch {
  return {
    patch: JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: deployment },
      spec: {
        template: {
          spec: {
            volumes: [{ name: CA_VOLUME, configMap: { name: MYSQL_CA_CONFIG_MAP } }],
            containers: [{
              name: container,
              env: [{ name: 'SSL_CERT_FILE', value: MYSQL_CA_FILE }, ...env],
              volumeMounts: [{ name: CA_VOLUME, mountPath: MYSQL_CA_DIR, readOnly: true }],
            }],
          },
        },
      },
    }),
    target: { group: 'apps', version: 'v1', kind: 'Deployment', name: deployment },
  };
}

/** Pipelines on the Azure server: the in-cluster MySQL is not rendered; every consumer points at `host` over verified TLS. */
export function pipelinesAzureMysqlPatches(host: string): OverlayPatch[] {
  return [
    ...[
      ['apps/v1', 'Deployment', 'mysql'],
      ['v1', 'Service', 'mysql'],
      ['v1', 'ServiceAccount', 'mysql'],
      ['v1', 'PersistentVolumeClaim', 'mysql-pv-claim'],
      ['networking.istio.io/v1', 'DestinationRule', 'ml-pipeline-mysql'],
      ['security.istio.io/v1', 'AuthorizationPolicy', 'mysql'],
    ].map(([version, kind, name]) => dropObjectPatch(version, kind, name)),
    {
      // From KFP 2.17 every consumer reads mysqlHost/mysqlPort (dbHost/dbPort are gone).
      patch: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pipeline-install-config' }, data: { mysqlHost: host, mysqlPort: '3306' } }),
      target: { version: 'v1', kind: 'ConfigMap', name: 'pipeline-install-config' },
    },
    trustAzureRoots('ml-pipeline', 'ml-pipeline-api-server', [{ name: 'DBCONFIG_MYSQLCONFIG_EXTRAPARAMS', value: GO_MYSQL_TLS_PARAMS }]),
    trustAzureRoots('cache-server', 'server'),
    {
      patch: JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/0/args/-', value: `--db_extra_params=${GO_MYSQL_TLS_PARAMS}` }]),
      target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'cache-server' },
    },
    {
      // ML Metadata reads host, user, password and TLS from its config file; the flags it replaces must be the ones upstream sets.
      patch: JSON.stringify([
        { op: 'test', path: '/spec/template/spec/containers/0/args', value: MLMD_UPSTREAM_ARGS },
        {
          op: 'replace',
          path: '/spec/template/spec/containers/0/args',
          value: [MLMD_UPSTREAM_ARGS[0], `--metadata_store_server_config_file=${MLMD_CONFIG_FILE}`, ...MLMD_UPSTREAM_ARGS.slice(6)],
        },
      ]),
      target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'metadata-grpc-deployment' },
    },
    {
      patch: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'metadata-grpc-deployment' },
        spec: {
          template: {
            spec: {
              volumes: [
                { name: CA_VOLUME, configMap: { name: MYSQL_CA_CONFIG_MAP } },
                { name: 'mlmd-config', secret: { secretName: MLMD_CONFIG_SECRET } },
              ],
              containers: [{
                name: 'container',
                // The Pipelines user's credentials are not ML Metadata's.
                env: ['DBCONFIG_USER', 'DBCONFIG_PASSWORD', 'MYSQL_DATABASE', 'MYSQL_HOST', 'MYSQL_PORT'].map((name) => ({ name, $patch: 'delete' })),
                volumeMounts: [
                  { name: CA_VOLUME, mountPath: MYSQL_CA_DIR, readOnly: true },
                  { name: 'mlmd-config', mountPath: '/etc/mlmd', readOnly: true },
                ],
              }],
            },
          },
        },
      }),
      target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'metadata-grpc-deployment' },
    },
  ];
}

/** Katib on the Azure server: its own user and database; the in-cluster MySQL is not rendered. */
export function katibAzureMysqlPatches(host: string, credentialsSecret: string): OverlayPatch[] {
  return [
    dropObjectPatch('apps/v1', 'Deployment', 'katib-mysql'),
    dropObjectPatch('v1', 'Service', 'katib-mysql'),
    dropObjectPatch('v1', 'PersistentVolumeClaim', 'katib-mysql'),
    trustAzureRoots('katib-db-manager', 'katib-db-manager', [
      { name: 'DB_USER', valueFrom: { secretKeyRef: { name: credentialsSecret, key: 'DB_USER' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: credentialsSecret, key: 'DB_PASSWORD' } } },
      { name: 'KATIB_MYSQL_DB_HOST', value: host },
      { name: 'KATIB_MYSQL_DB_PORT', value: '3306' },
      { name: 'KATIB_MYSQL_DB_DATABASE', value: KATIB_TLS_DATABASE },
    ]),
  ];
}
