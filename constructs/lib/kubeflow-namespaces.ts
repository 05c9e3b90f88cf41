import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

export interface KubeflowNamespacesProps {
  readonly provider?: TerraformProvider;
}

/**
 * The `kubeflow` namespace, created once here and shared by every Kubeflow
 * component (their rendered manifests have their Namespace objects removed).
 * Labels as in the Kubeflow distribution: Istio injection on, restricted pod
 * security, and `control-plane: kubeflow` (why the AKS admissions-enforcer fix
 * is needed).
 */
export class KubeflowNamespaces extends Construct {
  public readonly kubeflow: NamespaceV1;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: KubeflowNamespacesProps = {}) {
    super(scope, id);
    this.kubeflow = new NamespaceV1(this, 'kubeflow', {
      metadata: {
        name: 'kubeflow',
        labels: {
          'control-plane': 'kubeflow',
          'istio-injection': 'enabled',
          'pod-security.kubernetes.io/enforce': 'restricted',
        },
      },
      provider: props.provider,
    });
    this.ready = [this.kubeflow];
  }
}
