import { createHash } from 'crypto';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { DataResource, Fn, ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { bareReference } from '../lib/bare-reference';
import { EphemeralResource } from '../lib/ephemeral-resource';
import { IMAGES } from '../../catalog/versions';
import { AZURE_MYSQL_CA_BUNDLE } from './azure-mysql-roots';
import { GeneratedSecret } from '../lib/generated-secret';
import { ObjectRelease } from '../lib/manifest-bundle';

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
  /**
   * Where the administrator password is kept: the cluster stack's Key Vault and
   * the secret's name. It is read for each run (an ephemeral value) and handed
   * only to the write-only data of the user Job's Secret: never in this stack's
   * plan or state.
   */
  readonly adminPassword: { readonly keyVaultId: string; readonly secretName: string };
  /** Which consumers get a user. */
  readonly consumers: readonly MysqlConsumerName[];
  /** The `kubeflow` namespace must exist first. */
  readonly dependsOn: readonly ITerraformDependable[];
  readonly kubernetes: TerraformProvider;
  /** Installs the Job's ServiceAccount and Role (a release of the bundle chart). */
  readonly helm: TerraformProvider;
  readonly random: TerraformProvider;
}

/** The Secret the user Job reads its credentials from; emptied by the Job when it has set the users. */
export const MYSQL_JOB_CREDENTIALS_SECRET = 'azure-mysql-user-job';
/** Name of the Job, its ServiceAccount and the Role that lets it empty its Secret. */
export const MYSQL_USER_JOB = 'azure-mysql-users';

/** Where every pod finds its service account token and the API server's CA (Kubernetes' defaults). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The user Job's ServiceAccount and its only right: patch (to empty) its own
 * credentials Secret. No get, list or watch; no other object. The account mounts
 * no token itself; the Job's pod asks for one.
 */
export function userJobAccessObjects(namespace = 'kubeflow'): object[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: MYSQL_USER_JOB, namespace }, automountServiceAccountToken: false },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: MYSQL_USER_JOB, namespace },
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [MYSQL_JOB_CREDENTIALS_SECRET], verbs: ['patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: MYSQL_USER_JOB, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: MYSQL_USER_JOB },
      subjects: [{ kind: 'ServiceAccount', name: MYSQL_USER_JOB, namespace }],
    },
  ];
}

/**
 * The user Job's script. With credentials in its environment: creates or resets
 * every consumer's user (logging in as the administrator through a client option
 * file, never a command line), then empties its credentials Secret through the
 * API server (JSON merge patch `{"data":null}`, the only right its ServiceAccount
 * has), so the administrator password is in the cluster only while the Job runs.
 * Without credentials (a pod started again after a run that finished its work):
 * nothing to do. Inputs are environment variables, quoted; `curl` comes with the
 * official MySQL image (its Oracle Linux base uses it to build the image).
 */
export function userJobScript(consumers: readonly MysqlConsumerName[], namespace = 'kubeflow'): string {
  return [
    'set -eu',
    `if ! printenv ADMIN_PASSWORD >/dev/null; then echo "Secret ${MYSQL_JOB_CREDENTIALS_SECRET} holds no credentials: a run already set the users and emptied it; nothing to do"; exit 0; fi`,
    'umask 077',
    'printf "[client]\\nuser=%s\\npassword=%s\\n" "$ADMIN_USER" "$ADMIN_PASSWORD" > /tmp/admin.cnf',
    `mysql --defaults-extra-file=/tmp/admin.cnf --host="$MYSQL_HOST" --ssl-mode=VERIFY_IDENTITY --ssl-ca=${MYSQL_CA_FILE} <<SQL`,
    userSql(consumers),
    'SQL',
    'rm -f /tmp/admin.cnf',
    'echo "users ready: $CONSUMERS"',
    // The credentials leave the cluster: the Secret keeps its name (Terraform's record of it), not its data.
    // An assignment, so that a missing token stops the script (set -e) instead of sending an empty one.
    `token=$(cat ${SERVICE_ACCOUNT_DIR}/token)`,
    `curl --fail --silent --show-error --output /dev/null --cacert ${SERVICE_ACCOUNT_DIR}/ca.crt \\`,
    '  --header "Authorization: Bearer $token" --header \'Content-Type: application/merge-patch+json\' \\',
    `  --request PATCH --data '{"data":null}' "https://kubernetes.default.svc/api/v1/namespaces/${namespace}/secrets/${MYSQL_JOB_CREDENTIALS_SECRET}"`,
    `echo "credentials removed from Secret ${MYSQL_JOB_CREDENTIALS_SECRET}"`,
  ].join('\n');
}

/**
 * What the cluster needs to use the environment's Azure MySQL server: the CA
 * bundle as a ConfigMap, one generated password per consumer, and a Job that
 * creates (or resets) each consumer's user with rights on its own databases
 * only. The Job runs inside the cluster because the server has only a private
 * address; it verifies the server's certificate and name, and runs without an
 * Istio sidecar (a sidecar would keep a finished Job running).
 *
 * The administrator password is in the cluster only while the Job runs, and
 * in no plan or state. This stack reads it from the cluster stack's Key Vault
 * as an ephemeral value (with the deploying identity, through an `azurerm`
 * provider of its own that registers nothing) and writes it, with the
 * consumers' passwords, only into the write-only data (`data_wo`) of the Secret
 * `azure-mysql-user-job`. The Job empties that Secret when the users are set
 * (its ServiceAccount may patch that one Secret, nothing else). Terraform never
 * reads write-only data back, so the emptied Secret is no drift and a second
 * plan shows no change; it fills the Secret again (by replacing it) only when
 * the consumers' passwords, the consumers or the Job's script change (the
 * `credentials-version` record holds their SHA-256), and the Job, replaced with
 * its Secret, runs again: a rotation of a consumer's password re-runs it. A new
 * administrator password does not: the users do not depend on it, and the next
 * run reads the vault's current one.
 */
export class AzureMysqlAccess extends Construct {
  public readonly host: string;
  public readonly caBundle: ConfigMapV1;
  public readonly passwords: Readonly<Partial<Record<MysqlConsumerName, GeneratedSecret>>>;
  /** The Job's credentials: filled by Terraform when they change, emptied by the Job. */
  public readonly credentials: SecretV1;
  /** The Job's ServiceAccount and its one right (patch its credentials Secret). */
  public readonly access: ObjectRelease;
  public readonly job: JobV1;
  /** The users exist with their current passwords. */
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: AzureMysqlAccessProps) {
    super(scope, id);
    this.host = props.host;
    const namespace = 'kubeflow';
    this.caBundle = new ConfigMapV1(this, 'ca-bundle', {
      metadata: { name: MYSQL_CA_CONFIG_MAP, namespace },
      data: { 'ca.pem': AZURE_MYSQL_CA_BUNDLE },
      dependsOn: [...props.dependsOn],
      provider: props.kubernetes,
    });
    const passwords = Object.fromEntries(props.consumers.map((name) => [name, new GeneratedSecret(this, `${name}-password`, { provider: props.random })]));
    this.passwords = passwords;
    const script = userJobScript(props.consumers, namespace);
    const image = `${IMAGES.mysqlClient.name}:${IMAGES.mysqlClient.tag}`;
    // Replaced whenever what the Job must do changes: then the Secret is filled again and the Job runs again.
    const version = new DataResource(this, 'credentials-version', {
      triggersReplace: {
        ...Object.fromEntries(props.consumers.map((name) => [name, Fn.sha256(passwords[name].value)])),
        job: createHash('sha256').update(`${image}\n${script}`).digest('hex'),
      },
    });
    // Its own configuration, aliased: it only reads one secret, so it registers no resource providers.
    const azurerm = new AzurermProvider(this, 'azurerm', { alias: 'mysql-admin', features: [{}], resourceProviderRegistrations: 'none' });
    const adminPassword = new EphemeralResource(this, 'admin-password', {
      type: 'azurerm_key_vault_secret',
      attributes: { name: props.adminPassword.secretName, key_vault_id: props.adminPassword.keyVaultId },
      provider: azurerm,
    });
    this.credentials = new SecretV1(this, 'job-credentials', {
      metadata: { name: MYSQL_JOB_CREDENTIALS_SECRET, namespace },
      type: 'Opaque',
      // Write-only: sent when the Secret is created (each version replaces it), never read back, never in the state.
      dataWo: {
        ADMIN_USER: props.adminLogin,
        ADMIN_PASSWORD: adminPassword.attribute('value'),
        ...Object.fromEntries(props.consumers.map((name) => [passwordVariable(name), passwords[name].value])),
      },
      dataWoRevision: 1,
      dependsOn: [...props.dependsOn, version],
      // A new version fills the Secret again, by replacing it.
      lifecycle: { replaceTriggeredBy: [bareReference(version)] },
      provider: props.kubernetes,
    });
    // The Job's identity in the cluster, in a release of the bundle chart (as every object of the platform).
    this.access = new ObjectRelease(this, 'job-access', {
      releaseName: `${MYSQL_USER_JOB}-access`,
      namespace,
      manifests: userJobAccessObjects(namespace),
      dependsOn: props.dependsOn,
      provider: props.helm,
    });
    // Optional: a pod started after the Secret was emptied finds no credentials and has nothing to do.
    const credential = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: MYSQL_JOB_CREDENTIALS_SECRET, key, optional: true } } });
    this.job = new JobV1(this, 'users', {
      metadata: { name: MYSQL_USER_JOB, namespace, labels: { 'app.kubernetes.io/name': MYSQL_USER_JOB, 'app.kubernetes.io/managed-by': 'terraform' } },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: {
            labels: { 'app.kubernetes.io/name': MYSQL_USER_JOB },
            annotations: { 'sidecar.istio.io/inject': 'false' },
          },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: MYSQL_USER_JOB,
            // The token that lets the Job empty its Secret (the ServiceAccount itself mounts none).
            automountServiceAccountToken: true,
            securityContext: { runAsNonRoot: true, runAsUser: '999', runAsGroup: '999', seccompProfile: { type: 'RuntimeDefault' } },
            container: [{
              name: 'mysql',
              image,
              command: ['/bin/sh', '-c', script],
              env: [
                { name: 'MYSQL_HOST', value: props.host },
                { name: 'CONSUMERS', value: props.consumers.join(',') },
                credential('ADMIN_USER', 'ADMIN_USER'),
                credential('ADMIN_PASSWORD', 'ADMIN_PASSWORD'),
                ...props.consumers.map((name) => credential(passwordVariable(name), passwordVariable(name))),
              ],
              // runAsNonRoot again here: the kubernetes provider writes an unset container runAsNonRoot as false, which Pod Security "restricted" refuses (found by the rehearsal).
              securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              volumeMount: [{ name: 'ca', mountPath: MYSQL_CA_DIR, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
            }],
            volume: [{ name: 'ca', configMap: { name: MYSQL_CA_CONFIG_MAP } }, { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
          },
        },
      },
      waitForCompletion: true,
      timeouts: { create: '10m', update: '10m' },
      dependsOn: [this.caBundle, this.credentials, this.access.release],
      // New credentials (or consumers, or a new script) run the Job again.
      lifecycle: { replaceTriggeredBy: [bareReference(this.credentials)] },
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
