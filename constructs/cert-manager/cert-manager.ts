import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { PLATFORM_NODE_SELECTOR } from '../node-pools/gpu-scheduling';
import { CHARTS, KUSTOMIZE_PATHS } from '../../catalog/versions';
import { ChartRelease } from '../lib/chart-release';
import { ClusterConnection } from '../lib/cluster-connection';
import { ADMISSIONS_ENFORCER_ANNOTATION, UpstreamBundle } from '../lib/manifest-bundle';
import { Values } from '../lib/values';

/** cert-manager's controller service account (chart release `cert-manager`). */
export const CERT_MANAGER_SERVICE_ACCOUNT = { namespace: 'cert-manager', name: 'cert-manager' } as const;

export interface CertManagerProps {
  readonly connection: ClusterConnection;
  /** @default 'cert-manager' */
  readonly namespace?: string;
  /** Replicas of the controller, the webhook and the CA injector. @default 2 */
  readonly replicas?: number;
  /**
   * Give cert-manager an Azure workload identity (for DNS-01 challenges in Azure DNS):
   * the client id of the managed identity federated with its ServiceAccount.
   * @default - none
   */
  readonly azureWorkloadIdentity?: { readonly clientId: string };
  /** Values merged last into the chart's values. @default {} */
  readonly valuesOverride?: Values;
}

/**
 * cert-manager from its official chart (CRDs included), plus the Kubeflow
 * cluster issuer `kubeflow-self-signing-issuer` and network policies from the
 * distribution (`common/cert-manager/overlays/kubeflow`).
 * @see docs/components/cert-manager.md
 */
export class CertManager extends Construct {
  public readonly chart: ChartRelease;
  public readonly kubeflowIssuer: UpstreamBundle;
  /** Name of the ClusterIssuer that Kubeflow components request certificates from. */
  public readonly issuerName = 'kubeflow-self-signing-issuer';
  /** Ready when the controller, webhook and the Kubeflow issuer are. */
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'cert-manager';
    const nodeSelector = { ...PLATFORM_NODE_SELECTOR };
    const replicas = props.replicas ?? 2;
    // Certificates of Kubeflow's webhooks live in `kubeflow` (labelled control-plane): AKS would hide it from cert-manager's webhooks.
    const enforcer = { [ADMISSIONS_ENFORCER_ANNOTATION]: 'true' };
    this.chart = new ChartRelease(this, 'chart', {
      releaseName: 'cert-manager',
      namespace,
      pin: CHARTS.certManager,
      values: {
        crds: { enabled: true },
        replicaCount: replicas,
        // AKS forbids leases in kube-system for user workloads.
        global: { leaderElection: { namespace } },
        nodeSelector,
        webhook: {
          nodeSelector,
          replicaCount: replicas,
          mutatingWebhookConfigurationAnnotations: { ...enforcer },
          validatingWebhookConfigurationAnnotations: { ...enforcer },
        },
        cainjector: { nodeSelector, replicaCount: replicas },
        startupapicheck: { nodeSelector },
        ...(props.azureWorkloadIdentity
          ? {
            podLabels: { 'azure.workload.identity/use': 'true' },
            serviceAccount: { annotations: { 'azure.workload.identity/client-id': props.azureWorkloadIdentity.clientId } },
          }
          : {}),
      },
      valuesOverride: props.valuesOverride,
      provider: props.connection.helm,
    });
    this.kubeflowIssuer = new UpstreamBundle(this, 'kubeflow-issuer', {
      name: 'cert-manager-kubeflow',
      namespace,
      paths: [KUSTOMIZE_PATHS.certManagerKubeflow],
      withCrdRelease: false,
      dependsOn: [this.chart.release],
      kustomizationProvider: props.connection.kustomization,
      helmProvider: props.connection.helm,
    });
    this.ready = [this.kubeflowIssuer.main.release];
  }
}
