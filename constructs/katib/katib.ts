import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../../catalog/versions';
import { ClusterSecret, dropObjectPatch } from '../lib/cluster-secret';
import { GeneratedSecret } from '../lib/generated-secret';
import { KubeflowAppProps, kubeflowAppBundle } from '../lib/kubeflow-app';
import { UpstreamBundle, admissionsEnforcerPatch } from '../lib/manifest-bundle';
import { AzureMysqlAccess, MYSQL_CONSUMERS } from '../mysql/azure-mysql';
import { katibAzureMysqlPatches } from '../mysql/mysql-wiring';
import { StoreVolumes } from '../stores/store-volumes';

export interface KatibProps extends KubeflowAppProps {
  /** Where its store's volumes live: the kept StorageClass (required: a store's claims must outlive the release). */
  readonly storeVolumes: StoreVolumes;
  /**
   * Keep experiment data on the environment's Azure MySQL server instead of the
   * in-cluster MySQL (which is then not rendered). Needs a user for `katib`.
   * @default - the distribution's in-cluster MySQL
   */
  readonly azureMysql?: AzureMysqlAccess;
}

/**
 * Katib (hyperparameter tuning), Kubeflow flavour, from the distribution's
 * `katib-with-kubeflow` install at the pinned release. The demo MySQL root
 * password is replaced by a generated one in a Secret the kubernetes provider
 * writes (never in Helm values), and the empty-password login is removed; Katib's webhooks are exempted from
 * the AKS admissions enforcer so they see the `kubeflow` namespace.
 * @see docs/components/katib.md
 */
export class Katib extends Construct {
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: KatibProps) {
    super(scope, id);
    const azure = props.azureMysql;
    // The password reaches the cluster through the kubernetes provider (sensitive), not the bundle's values.
    const secret = new ClusterSecret(this, 'mysql-secret', {
      namespace: 'kubeflow',
      name: 'katib-mysql-secrets',
      data: azure
        ? { DB_USER: MYSQL_CONSUMERS.katib.user, DB_PASSWORD: azure.password('katib') }
        : { MYSQL_ROOT_PASSWORD: new GeneratedSecret(this, 'mysql-root-password', { provider: props.connection.random }).value },
      dependsOn: props.namespaces.ready,
      provider: props.connection.kubernetes,
    });
    const mysqlPatches = azure
      ? katibAzureMysqlPatches(azure.host, 'katib-mysql-secrets')
      : [{
        // Upstream also sets MYSQL_ALLOW_EMPTY_PASSWORD=true: a root login without password would still work.
        patch: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'katib-mysql' }, spec: { template: { spec: { containers: [{ name: 'katib-mysql', env: [{ name: 'MYSQL_ALLOW_EMPTY_PASSWORD', $patch: 'delete' }] }] } } } }),
        target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'katib-mysql' },
      }];
    this.bundle = kubeflowAppBundle(this, props, 'katib', KUSTOMIZE_PATHS.katib, [
      dropObjectPatch('v1', 'Secret', 'katib-mysql-secrets'),
      ...mysqlPatches,
      admissionsEnforcerPatch('ValidatingWebhookConfiguration', 'katib.kubeflow.org'),
      admissionsEnforcerPatch('MutatingWebhookConfiguration', 'katib.kubeflow.org'),
    ], { mainDependsOn: [secret.secret, ...(azure?.ready ?? [])] });
    this.ready = [this.bundle.main.release];
  }
}
