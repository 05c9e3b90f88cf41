import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../versions';
import { CertManager } from './cert-manager';
import { ClusterConnection } from './cluster-connection';
import { GeneratedSecret } from './generated-secret';
import { Istio } from './istio';
import { KubeflowNamespaces } from './kubeflow-namespaces';
import { OverlayPatch } from './kustomize/kustomization-overlay';
import { UpstreamBundle, admissionsEnforcerPatch } from './manifest-bundle';
import { Prerequisite, readinessOf } from './prerequisites';

export interface PipelinesProps {
  readonly connection: ClusterConnection;
  readonly namespaces: KubeflowNamespaces;
  /** Issues the cache webhook's certificate. */
  readonly certManager: Prerequisite<CertManager>;
  /** Multi-user Pipelines routes and authorizes through Istio. */
  readonly istio: Prerequisite<Istio>;
  /** Extra kustomize patches, applied after ours. @default [] */
  readonly patches?: readonly OverlayPatch[];
}

/**
 * Kubeflow Pipelines, multi-user, from the distribution's
 * `platform-agnostic-multi-user` environment at the pinned release (MySQL and
 * SeaweedFS as object store). The demo credentials are replaced: MySQL gets a
 * generated root password (upstream runs it with an empty one), SeaweedFS a
 * generated access and secret key. Metacontroller's CRDs go with the other
 * CRDs into `pipelines-crds`. The cache and pipeline-version webhooks are
 * exempted from the AKS admissions enforcer.
 * @see docs/components/pipelines.md
 */
export class Pipelines extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: PipelinesProps) {
    super(scope, id);
    const random = props.connection.random;
    const mysql = new GeneratedSecret(this, 'mysql-root-password', { provider: random });
    const accessKey = new GeneratedSecret(this, 'object-store-access-key', { length: 20, provider: random });
    const secretKey = new GeneratedSecret(this, 'object-store-secret-key', { length: 40, provider: random });
    this.bundle = new UpstreamBundle(this, 'bundle', {
      name: 'pipelines',
      namespace: 'kubeflow',
      paths: [KUSTOMIZE_PATHS.pipelines],
      patches: [
        {
          patch: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mysql-secret' }, stringData: { username: 'root', password: mysql.value } }),
          target: { version: 'v1', kind: 'Secret', name: 'mysql-secret' },
        },
        {
          // Upstream starts MySQL with MYSQL_ALLOW_EMPTY_PASSWORD; use the generated password instead.
          patch: JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/env', value: [{ name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'mysql-secret', key: 'password' } } }] }]),
          target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'mysql' },
        },
        {
          patch: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mlpipeline-minio-artifact' }, stringData: { accesskey: accessKey.value, secretkey: secretKey.value } }),
          target: { version: 'v1', kind: 'Secret', name: 'mlpipeline-minio-artifact' },
        },
        admissionsEnforcerPatch('MutatingWebhookConfiguration', 'cache-webhook-kubeflow'),
        admissionsEnforcerPatch('MutatingWebhookConfiguration', 'pipelineversions.pipelines.kubeflow.org'),
        ...(props.patches ?? []),
      ],
      dependsOn: [...props.namespaces.ready],
      mainDependsOn: readinessOf(props.certManager, props.istio),
      kustomizationProvider: props.connection.kustomization,
      helmProvider: props.connection.helm,
    });
    this.ready = [this.bundle.main.release];
  }
}
