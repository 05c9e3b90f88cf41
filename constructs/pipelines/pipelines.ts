import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ARGO_WORKFLOWS, KUBEFLOW_PIPELINES } from '../../catalog/versions';
import { ClusterSecret, dropObjectPatch } from '../lib/cluster-secret';
import { USERID_HEADER } from '../access/entra-authentication';
import { GeneratedSecret } from '../lib/generated-secret';
import { KubeflowAppProps, kubeflowAppBundle } from '../lib/kubeflow-app';
import { UpstreamBundle, admissionsEnforcerPatch } from '../lib/manifest-bundle';
import { AzureMysqlAccess, MYSQL_CONSUMERS } from '../mysql/azure-mysql';
import { MLMD_CONFIG_SECRET, mlmdServerConfig, pipelinesAzureMysqlPatches } from '../mysql/mysql-wiring';
import { BlobMirror, blobMirrorPatches, seaweedfsPatches } from '../artifacts/artifact-wiring';
import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';
import { WorkflowDefaults, argoWorkflowsPatches } from './pipelines-argo';
import { StoreVolumes } from '../stores/store-volumes';

/**
 * Deployments of KFP 2.17.0 whose init containers wait for a service with `nc`
 * (`wait-for-database`, `wait-for-metadata-grpc`, `wait-for-ml-pipeline`).
 * With Istio's CNI the pod's traffic is redirected before any init container
 * runs, so these connect only once the proxy runs: as a native sidecar (an
 * init container with `restartPolicy: Always`, started first). The render
 * rule "every init container in the mesh runs after a native sidecar" finds
 * any that a later release adds.
 */
export const WAITING_DEPLOYMENTS = ['metadata-grpc-deployment', 'metadata-writer', 'ml-pipeline', 'ml-pipeline-persistenceagent', 'ml-pipeline-scheduledworkflow'] as const;

/** The pod annotation that makes Istio inject its proxy as a native sidecar (it overrides istiod's `ENABLE_NATIVE_SIDECARS`). */
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';

/** Secret with the UI's key for signing TensorBoard proxy paths (KFP ≥ 2.17 falls back to the object store's secret key). */
export const TENSORBOARD_SIGNING_SECRET = 'ml-pipeline-ui-tensorboard-proxy';

export interface PipelinesProps extends KubeflowAppProps {
  /** Where its store's volumes live: the kept StorageClass (required: a store's claims must outlive the release). */
  readonly storeVolumes: StoreVolumes;
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
  /**
   * Argo's defaults for every run: how long finished runs' Workflow objects and
   * pods are kept, and how often steps are retried after errors outside their code.
   * @default - KFP 2.17.0's: deleted 1 hour after finishing, 2 retries on errors
   */
  readonly workflowDefaults?: WorkflowDefaults;
}

/**
 * Kubeflow Pipelines, multi-user, from its own repository's
 * `manifests/kustomize/env/cert-manager/platform-agnostic-multi-user` at the
 * pinned release (MySQL and SeaweedFS as object store), with Argo Workflows
 * from the pinned Argo tree. The demo credentials are replaced: MySQL gets a
 * generated root password (upstream runs it with an empty one), SeaweedFS a
 * generated access and secret key, the UI its own TensorBoard signing key, all
 * in Secrets the kubernetes provider writes (never in Helm values).
 * Metacontroller's CRDs go with the other CRDs into `pipelines-crds`. The cache
 * webhook (the only webhook configuration of this path) is exempted from the
 * AKS admissions enforcer.
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
    const signingKey = new GeneratedSecret(this, 'tensorboard-signing-key', { length: 40, provider: random });
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
      secret(TENSORBOARD_SIGNING_SECRET, { key: signingKey.value }),
      ...(azure ? [secret(MLMD_CONFIG_SECRET, { 'config.pbtxt': mlmdServerConfig(azure.host, azure.password('metadata')) })] : []),
    ];
    const mysqlPatches = azure
      ? pipelinesAzureMysqlPatches(azure.host)
      : [{
        // Upstream starts MySQL with MYSQL_ALLOW_EMPTY_PASSWORD; use the generated password instead.
        patch: JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/env', value: [{ name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'mysql-secret', key: 'password' } } }] }]),
        target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'mysql' },
      }];
    this.bundle = kubeflowAppBundle(this, props, 'pipelines', KUBEFLOW_PIPELINES.path, [
      dropObjectPatch('v1', 'Secret', 'mysql-secret'),
      dropObjectPatch('v1', 'Secret', 'mlpipeline-minio-artifact'),
      identityPatch(),
      ...mysqlPatches,
      ...seaweedfsPatches(),
      ...(props.blobMirror ? blobMirrorPatches(props.blobMirror) : []),
      ...argoWorkflowsPatches(props.workflowDefaults),
      tensorboardSigningPatch(),
      ...WAITING_DEPLOYMENTS.map(nativeSidecarPatch),
      admissionsEnforcerPatch('MutatingWebhookConfiguration', 'cache-webhook-kubeflow'),
      ...(props.largeTokenWorkaround
        ? [{
          patch: JSON.stringify([{ op: 'add', path: '/spec/http/0/route/0/headers', value: { request: { remove: ['Cookie'] } } }]),
          target: { group: 'networking.istio.io', kind: 'VirtualService', name: 'metadata-grpc' },
        }]
        : []),
    ], { tree: KUBEFLOW_PIPELINES, referencedTrees: [ARGO_WORKFLOWS], mainDependsOn: [...secrets, ...(azure?.ready ?? [])] });
    this.ready = [this.bundle.main.release];
  }
}

/**
 * The identity contract of the API server, the UI and the scheduled-workflow
 * controller (KFP 2.17's `USERID_HEADER`/`USERID_PREFIX`): the header our
 * gateway sets from the Entra token, taken as it is (no prefix to strip).
 */
function identityPatch(): OverlayPatch {
  return {
    patch: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pipeline-install-config' }, data: { USERID_HEADER, USERID_PREFIX: '' } }),
    target: { version: 'v1', kind: 'ConfigMap', name: 'pipeline-install-config' },
  };
}

/** The UI signs TensorBoard proxy paths with its own generated key instead of the object store's secret key. */
function tensorboardSigningPatch(): OverlayPatch {
  return {
    patch: JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ml-pipeline-ui' },
      spec: { template: { spec: { containers: [{ name: 'ml-pipeline-ui', env: [{ name: 'TENSORBOARD_PROXY_SIGNING_SECRET', valueFrom: { secretKeyRef: { name: TENSORBOARD_SIGNING_SECRET, key: 'key' } } }] }] } } },
    }),
    target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'ml-pipeline-ui' },
  };
}

function nativeSidecarPatch(name: string): OverlayPatch {
  return {
    patch: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { template: { metadata: { annotations: { [NATIVE_SIDECAR_ANNOTATION]: 'true' } } } } }),
    target: { group: 'apps', version: 'v1', kind: 'Deployment', name },
  };
}
