import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { KustomizationProvider } from './kustomize/kustomization-provider';

/**
 * How the providers obtain an Entra ID token for the cluster through kubelogin.
 * - `azurecli`: the signed-in Azure CLI user or service principal (people; CI after `azure/login` with OIDC).
 * - `workloadidentity`: a federated token from the environment (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`), for CI.
 * - `msi`: the managed identity of the runner VM (self-hosted runners inside the network).
 * @see https://azure.github.io/kubelogin/concepts/login-modes.html
 */
export type KubeLoginMode = 'azurecli' | 'workloadidentity' | 'msi';

/** Application id of the AKS Entra ID server application: the audience of cluster tokens. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

export interface ClusterConnectionProps {
  /** API server URL (`https://...:443`). */
  readonly host: string;
  /** Cluster CA certificate, PEM. */
  readonly clusterCaCertificate: string;
  /** @default 'azurecli' */
  readonly loginMode?: KubeLoginMode;
}

/**
 * The providers of the platform layer, all authenticated through the kubelogin
 * exec plugin: no client certificate, password or token is ever written to
 * the configuration or the state.
 */
export class ClusterConnection extends Construct {
  public readonly helm: HelmProvider;
  public readonly kubernetes: KubernetesProvider;
  public readonly kustomization: KustomizationProvider;
  public readonly random: RandomProvider;
  /** The exec entry, shared by every provider. */
  public readonly exec: { readonly apiVersion: string; readonly command: string; readonly args: string[] };

  constructor(scope: Construct, id: string, props: ClusterConnectionProps) {
    super(scope, id);
    const loginMode = props.loginMode ?? 'azurecli';
    this.exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'kubelogin',
      args: ['get-token', '--login', loginMode, '--server-id', AKS_SERVER_APP_ID],
    };
    this.helm = new HelmProvider(this, 'helm', {
      kubernetes: { host: props.host, clusterCaCertificate: props.clusterCaCertificate, exec: this.exec },
    });
    this.kubernetes = new KubernetesProvider(this, 'kubernetes', {
      host: props.host,
      clusterCaCertificate: props.clusterCaCertificate,
      exec: [this.exec],
    });
    // kbst/kustomization has no exec block: a kubeconfig whose user runs kubelogin.
    const kubeconfig = Fn.yamlencode({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'aks', cluster: { server: props.host, 'certificate-authority-data': Fn.base64encode(props.clusterCaCertificate) } }],
      users: [{ name: 'kubelogin', user: { exec: { ...this.exec, interactiveMode: 'Never' } } }],
      contexts: [{ name: 'aks', context: { cluster: 'aks', user: 'kubelogin' } }],
      'current-context': 'aks',
    });
    this.kustomization = new KustomizationProvider(this, 'kustomization', { kubeconfigRaw: kubeconfig });
    this.random = new RandomProvider(this, 'random');
  }
}
