import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../versions';
import { ClusterSecret, dropObjectPatch } from './cluster-secret';
import { GeneratedSecret } from './generated-secret';
import { KubeflowAppProps, kubeflowAppBundle } from './kubeflow-app';
import { UpstreamBundle, admissionsEnforcerPatch } from './manifest-bundle';
import { AzureMysqlAccess, MYSQL_CONSUMERS } from './azure-mysql';
import { MLMD_CONFIG_SECRET, mlmdServerConfig, pipelinesAzureMysqlPatches } from './mysql-wiring';
import { BlobMirror, blobMirrorPatches, seaweedfsPatches } from './artifact-wiring';

export interface PipelinesProps extends KubeflowAppProps {
  /**
   * Drop the sign-in cookie on the metadata gRPC route: large Entra ID cookies
   * exceed gRPC's metadata limit (the distribution's documented workaround).
   * @default false
   */
  readonly largeTokenWorkaround?: boolean;
  /**
   * Keep metadata on the environment's Azure MySQL server instead of the in-cluster
   * MySQL (which is then not rendered). Needs users for `pipelines` and `metadata`.
   * @default - the distribution's in-cluster MySQL
   */
  readonly azureMysql?: AzureMysqlAccess;
  /**
   * Mirror the artifacts to an Azure Storage container that outlives the cluster.
   * @default - artifacts only on SeaweedFS's cluster disk
   */
  readonly blobMirror?: BlobMirror;
}

/**
 * Kubeflow Pipelines, multi-user, from the distribution's
 * `platform-agnostic-multi-user` environment at the pinned release (MySQL and
 * SeaweedFS as object store). The demo credentials are replaced: MySQL gets a
 * generated root password (upstream runs it with an empty one), SeaweedFS a
 * generated access and secret key, both in Secrets the kubernetes provider
 * writes (never in Helm values). Metacontroller's CRDs go with the other CRDs
 * into `pipelines-crds`. The cache webhook (the only webhook configuration of
 * this path) is exempted from the AKS admissions enforcer.
 * @see docs/components/pipelines.md
 */
export class Pipelines extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: PipelinesProps) {
    super(scope, id);
    const random = props.connection.random;
    const accessKey = new GeneratedSecret(this, 'object-store-access-key', { length: 20, provider: random });
    const secretKey = new GeneratedSecret(this, 'object-store-secret-key', { length: 40, provider: random });
    // Credentials reach the cluster through the kubernetes provider (sensitive), not the bundle's values.
    const secret = (name: string, data: Record<string, string>) => new ClusterSecret(this, name, {
      namespace: 'kubeflow',
      name,
      data,
      dependsOn: props.namespaces.ready,
      provider: props.connection.kubernetes,
    }).secret;
    const azure = props.azureMysql;
    const mysqlCredentials = azure
      ? { username: MYSQL_CONSUMERS.pipelines.user, password: azure.password('pipelines') }
      : { username: 'root', password: new GeneratedSecret(this, 'mysql-root-password', { provider: random }).value };
    const secrets = [
      secret('mysql-secret', mysqlCredentials),
      secret('mlpipeline-minio-artifact', { accesskey: accessKey.value, secretkey: secretKey.value }),
      ...(azure ? [secret(MLMD_CONFIG_SECRET, { 'config.pbtxt': mlmdServerConfig(azure.host, azure.password('metadata')) })] : []),
    ];
    const mysqlPatches = azure
      ? pipelinesAzureMysqlPatches(azure.host)
      : [{
        // Upstream starts MySQL with MYSQL_ALLOW_EMPTY_PASSWORD; use the generated password instead.
        patch: JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/env', value: [{ name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'mysql-secret', key: 'password' } } }] }]),
        target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'mysql' },
      }];
    this.bundle = kubeflowAppBundle(this, props, 'pipelines', KUSTOMIZE_PATHS.pipelines, [
      dropObjectPatch('v1', 'Secret', 'mysql-secret'),
      dropObjectPatch('v1', 'Secret', 'mlpipeline-minio-artifact'),
      ...mysqlPatches,
      ...seaweedfsPatches(),
      ...(props.blobMirror ? blobMirrorPatches(props.blobMirror) : []),
      admissionsEnforcerPatch('MutatingWebhookConfiguration', 'cache-webhook-kubeflow'),
      ...(props.largeTokenWorkaround
        ? [{
          patch: JSON.stringify([{ op: 'add', path: '/spec/http/0/route/0/headers', value: { request: { remove: ['Cookie'] } } }]),
          target: { group: 'networking.istio.io', kind: 'VirtualService', name: 'metadata-grpc' },
        }]
        : []),
    ], { mainDependsOn: [...secrets, ...(azure?.ready ?? [])] });
    this.ready = [this.bundle.main.release];
  }
}
