import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { bareReference } from '../common/bare-reference';
import { IMAGES } from '../versions';
import { AZURE_MYSQL_CA_BUNDLE } from './azure-mysql-roots';
import { ClusterSecret } from './cluster-secret';
import { GeneratedSecret } from './generated-secret';

/** Where the CA bundle is mounted in every consumer of the Azure server. */
export const MYSQL_CA_DIR = '/etc/azure-mysql-ca';
export const MYSQL_CA_FILE = `${MYSQL_CA_DIR}/ca.pem`;
/** ConfigMap with the CA bundle, in `kubeflow`. */
export const MYSQL_CA_CONFIG_MAP = 'azure-mysql-ca';

/** A consumer of the server: its user, its databases and the authentication plugin its client speaks. */
export interface MysqlConsumer {
  readonly user: string;
  readonly databases: readonly string[];
  /**
   * `mysql_native_password` where the client cannot do better: ML Metadata 1.14's
   * MariaDB Connector/C only speaks it (google/ml-metadata#128).
   */
  readonly plugin: 'caching_sha2_password' | 'mysql_native_password';
}

/** Users per consumer; names of databases as the cluster stack creates them. */
export const MYSQL_CONSUMERS = {
  pipelines: { user: 'kfp', databases: ['mlpipeline', 'cachedb'], plugin: 'caching_sha2_password' },
  metadata: { user: 'mlmd', databases: ['metadb'], plugin: 'mysql_native_password' },
  katib: { user: 'katib', databases: ['katib'], plugin: 'mysql_native_password' },
} as const satisfies Record<string, MysqlConsumer>;

export type MysqlConsumerName = keyof typeof MYSQL_CONSUMERS;

/** Environment variable that carries a consumer's password into the user Job. */
export function passwordVariable(consumer: MysqlConsumerName): string {
  return `${consumer.toUpperCase()}_PASSWORD`;
}

/**
 * The SQL the user Job runs, with passwords as shell variables (expanded inside
 * the Job, never in this text). Idempotent: a second run resets each password to
 * the one in its Secret. Every user must connect over TLS (`REQUIRE SSL`), so a
 * client that silently fell back to plain text is refused rather than served.
 */
export function userSql(consumers: readonly MysqlConsumerName[]): string {
  return consumers.flatMap((name) => {
    const c: MysqlConsumer = MYSQL_CONSUMERS[name];
    const account = `'${c.user}'@'%'`;
    const identified = `IDENTIFIED WITH ${c.plugin} BY '$${passwordVariable(name)}'`;
    return [
      `CREATE USER IF NOT EXISTS ${account} ${identified} REQUIRE SSL;`,
      `ALTER USER ${account} ${identified} REQUIRE SSL;`,
      // Plain names: the SQL sits in an unquoted here-document, where backquotes would run commands.
      ...c.databases.map((db) => `GRANT ALL PRIVILEGES ON ${db}.* TO ${account};`),
    ];
  }).join('\n');
}

export interface AzureMysqlAccessProps {
  /** Fully qualified name of the server (`<name>.mysql.database.azure.com`): TLS checks it. */
  readonly host: string;
  readonly adminLogin: string;
  /** Reference to the administrator password (sensitive, from the cluster stack). */
  readonly adminPassword: string;
  /** Which consumers get a user. */
  readonly consumers: readonly MysqlConsumerName[];
  /** The `kubeflow` namespace must exist first. */
  readonly dependsOn: readonly ITerraformDependable[];
  readonly kubernetes: TerraformProvider;
  readonly random: TerraformProvider;
}

/**
 * What the cluster needs to use the environment's Azure MySQL server: the CA
 * bundle as a ConfigMap, one generated password per consumer, and a Job that
 * creates (or resets) each consumer's user with rights on its own databases
 * only. The Job runs inside the cluster because the server has only a private
 * address; it reads the administrator password from a Secret written by the
 * kubernetes provider, verifies the server's certificate and name, and runs
 * without an Istio sidecar (a sidecar would keep a finished Job running).
 */
export class AzureMysqlAccess extends Construct {
  public readonly host: string;
  public readonly caBundle: ConfigMapV1;
  public readonly passwords: Readonly<Partial<Record<MysqlConsumerName, GeneratedSecret>>>;
  public readonly job: JobV1;
  /** The users exist with their current passwords. */
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: AzureMysqlAccessProps) {
    super(scope, id);
    this.host = props.host;
    this.caBundle = new ConfigMapV1(this, 'ca-bundle', {
      metadata: { name: MYSQL_CA_CONFIG_MAP, namespace: 'kubeflow' },
      data: { 'ca.pem': AZURE_MYSQL_CA_BUNDLE },
      dependsOn: [...props.dependsOn],
      provider: props.kubernetes,
    });
    const passwords = Object.fromEntries(props.consumers.map((name) => [name, new GeneratedSecret(this, `${name}-password`, { provider: props.random })]));
    this.passwords = passwords;
    const admin = new ClusterSecret(this, 'admin', {
      namespace: 'kubeflow',
      name: 'azure-mysql-admin',
      data: { username: props.adminLogin, password: props.adminPassword },
      dependsOn: props.dependsOn,
      provider: props.kubernetes,
    });
    const users = new ClusterSecret(this, 'user-passwords', {
      namespace: 'kubeflow',
      name: 'azure-mysql-user-passwords',
      data: Object.fromEntries(props.consumers.map((name) => [passwordVariable(name), passwords[name].value])),
      dependsOn: props.dependsOn,
      provider: props.kubernetes,
    });
    const script = [
      'set -eu',
      // The administrator's credentials go into a client option file, never onto a command line.
      'umask 077',
      'printf "[client]\\nuser=%s\\npassword=%s\\n" "$ADMIN_USER" "$ADMIN_PASSWORD" > /tmp/admin.cnf',
      `mysql --defaults-extra-file=/tmp/admin.cnf --host="$MYSQL_HOST" --ssl-mode=VERIFY_IDENTITY --ssl-ca=${MYSQL_CA_FILE} <<SQL`,
      userSql(props.consumers),
      'SQL',
      'echo "users ready: $CONSUMERS"',
    ].join('\n');
    const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
    this.job = new JobV1(this, 'users', {
      metadata: { name: 'azure-mysql-users', namespace: 'kubeflow', labels: { 'app.kubernetes.io/name': 'azure-mysql-users', 'app.kubernetes.io/managed-by': 'terraform' } },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: {
            labels: { 'app.kubernetes.io/name': 'azure-mysql-users' },
            annotations: { 'sidecar.istio.io/inject': 'false' },
          },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: '999', runAsGroup: '999', seccompProfile: { type: 'RuntimeDefault' } },
            container: [{
              name: 'mysql',
              image: `${IMAGES.mysqlClient.name}:${IMAGES.mysqlClient.tag}`,
              command: ['/bin/sh', '-c', script],
              env: [
                { name: 'MYSQL_HOST', value: props.host },
                { name: 'CONSUMERS', value: props.consumers.join(',') },
                secretEnv('ADMIN_USER', 'azure-mysql-admin', 'username'),
                secretEnv('ADMIN_PASSWORD', 'azure-mysql-admin', 'password'),
                ...props.consumers.map((name) => secretEnv(passwordVariable(name), 'azure-mysql-user-passwords', passwordVariable(name))),
              ],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              volumeMount: [{ name: 'ca', mountPath: MYSQL_CA_DIR, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
            }],
            volume: [{ name: 'ca', configMap: { name: MYSQL_CA_CONFIG_MAP } }, { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
          },
        },
      },
      waitForCompletion: true,
      timeouts: { create: '10m', update: '10m' },
      dependsOn: [this.caBundle, admin.secret, users.secret],
      // New passwords (or a new administrator password) run the Job again.
      lifecycle: { replaceTriggeredBy: [bareReference(admin.secret), bareReference(users.secret)] },
      provider: props.kubernetes,
    });
    this.ready = [this.job];
  }

  /** A consumer's generated password (reference). */
  password(consumer: MysqlConsumerName): string {
    const secret = this.passwords[consumer];
    if (!secret) throw new Error(`AzureMysqlAccess: no user for ${consumer}; add it to consumers`);
    return secret.value;
  }
}
