import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../versions';
import { GeneratedSecret } from './generated-secret';
import { KubeflowAppProps, kubeflowAppBundle } from './kubeflow-app';
import { UpstreamBundle, admissionsEnforcerPatch } from './manifest-bundle';

export type KatibProps = KubeflowAppProps;

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
    this.bundle = kubeflowAppBundle(this, props, 'katib', KUSTOMIZE_PATHS.katib, [
      {
        patch: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'katib-mysql-secrets' }, data: { MYSQL_ROOT_PASSWORD: mysql.base64 } }),
        target: { version: 'v1', kind: 'Secret', name: 'katib-mysql-secrets' },
      },
      admissionsEnforcerPatch('ValidatingWebhookConfiguration', 'katib.kubeflow.org'),
      admissionsEnforcerPatch('MutatingWebhookConfiguration', 'katib.kubeflow.org'),
    ]);
    this.ready = [this.bundle.main.release];
  }
}
