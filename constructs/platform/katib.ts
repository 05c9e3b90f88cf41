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

export interface KatibProps {
  readonly connection: ClusterConnection;
  readonly namespaces: KubeflowNamespaces;
  /** Issues the webhook certificate. */
  readonly certManager: Prerequisite<CertManager>;
  /** Sidecars, the UI's VirtualService and AuthorizationPolicy. */
  readonly istio: Prerequisite<Istio>;
  /** Extra kustomize patches, applied after ours. @default [] */
  readonly patches?: readonly OverlayPatch[];
}

/**
 * Katib (hyperparameter tuning), Kubeflow flavour, from the distribution's
 * `katib-with-kubeflow` install at the pinned release. The demo MySQL root
 * password is replaced by a generated one; Katib's webhooks are exempted from
 * the AKS admissions enforcer so they see the `kubeflow` namespace.
 * @see docs/components/katib.md
 */
export class Katib extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: KatibProps) {
    super(scope, id);
    const mysql = new GeneratedSecret(this, 'mysql-root-password', { provider: props.connection.random });
    this.bundle = new UpstreamBundle(this, 'bundle', {
      name: 'katib',
      namespace: 'kubeflow',
      paths: [KUSTOMIZE_PATHS.katib],
      patches: [
        {
          patch: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'katib-mysql-secrets' }, data: { MYSQL_ROOT_PASSWORD: mysql.base64 } }),
          target: { version: 'v1', kind: 'Secret', name: 'katib-mysql-secrets' },
        },
        admissionsEnforcerPatch('ValidatingWebhookConfiguration', 'katib.kubeflow.org'),
        admissionsEnforcerPatch('MutatingWebhookConfiguration', 'katib.kubeflow.org'),
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
