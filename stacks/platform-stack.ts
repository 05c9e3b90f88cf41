import { AzurermBackend, Fn, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { CertManager } from '../constructs/platform/cert-manager';
import { ClusterConnection } from '../constructs/platform/cluster-connection';
import { GpuOperator } from '../constructs/platform/gpu-operator';
import { Istio } from '../constructs/platform/istio';
import { Katib } from '../constructs/platform/katib';
import { KServe } from '../constructs/platform/kserve';
import { KubeflowAppProps } from '../constructs/platform/kubeflow-app';
import { KubeflowNamespaces } from '../constructs/platform/kubeflow-namespaces';
import { Pipelines } from '../constructs/platform/pipelines';
import { PROVIDED_OUTSIDE, Prerequisite } from '../constructs/platform/prerequisites';
import { Trainer } from '../constructs/platform/trainer';
import type { ResolvedEnvironment } from '../environments';
import type { PrerequisiteSource } from '../environments/types';
import { ClusterStack } from './cluster-stack';
import { stateKey } from './state';

export interface PlatformStackProps {
  readonly env: ResolvedEnvironment;
  /** The environment's cluster stack: its outputs configure the providers. */
  readonly cluster: ClusterStack;
}

/** The components an environment's platform stack installed, for tests and forks. */
export interface PlatformComponents {
  readonly namespaces: KubeflowNamespaces;
  readonly certManager?: CertManager;
  readonly istio?: Istio;
  readonly gpuOperator?: GpuOperator;
  readonly trainer?: Trainer;
  readonly katib?: Katib;
  readonly pipelines?: Pipelines;
  readonly kserve?: KServe;
}

function prerequisite<T extends { readonly ready: readonly unknown[] }>(source: PrerequisiteSource, installed: T | undefined): T | typeof PROVIDED_OUTSIDE | undefined {
  if (source === 'external') return PROVIDED_OUTSIDE;
  return installed;
}

/**
 * `<env>-platform`: everything inside Kubernetes. Providers are configured
 * from the cluster stack's outputs (a remote-state read), so the cluster is
 * never created and used in the same apply. Composes the platform constructs
 * the environment file enables; holds no resource details of its own.
 */
export class PlatformStack extends TerraformStack {
  public readonly components: PlatformComponents;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const env = props.env;
    const platform = env.platform;
    new AzurermBackend(this, {
      resourceGroupName: env.remoteState.resourceGroupName,
      storageAccountName: env.remoteState.storageAccountName,
      containerName: env.remoteState.containerName,
      key: stateKey(env.name, 'platform'),
      useAzureadAuth: true,
    });

    const kubeConfig = props.cluster.aks.cluster.kubeConfig.get(0);
    const connection = new ClusterConnection(this, 'connection', {
      host: kubeConfig.host,
      clusterCaCertificate: Fn.base64decode(kubeConfig.clusterCaCertificate),
      loginMode: platform.kubeLogin,
    });

    const c = platform.components;
    const namespaces = new KubeflowNamespaces(this, 'namespaces', { provider: connection.kubernetes });
    const certManager = c.certManager === 'install'
      ? new CertManager(this, 'cert-manager', { connection, valuesOverride: platform.values.certManager })
      : undefined;
    const istio = c.istio === 'install'
      ? new Istio(this, 'istio', {
        connection,
        namespaces,
        publicIngress: platform.publicIngress,
        valuesOverride: { istiod: platform.values.istiod, gateway: platform.values.istioGateway },
      })
      : undefined;
    const certManagerPrerequisite = prerequisite(c.certManager, certManager);
    const istioPrerequisite = prerequisite(c.istio, istio);
    // Validation guarantees these exist wherever a component below needs them.
    const required = <T,>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`${id}: ${what} is required here; environment validation should have refused this`);
      return value;
    };

    const kubeflowApp = (): KubeflowAppProps => ({
      connection,
      namespaces,
      certManager: required(certManagerPrerequisite, 'cert-manager') as Prerequisite<CertManager>,
      istio: required(istioPrerequisite, 'Istio') as Prerequisite<Istio>,
    });

    const gpuPools = env.gpuPools;
    const components: PlatformComponents = {
      namespaces,
      certManager,
      istio,
      gpuOperator: c.gpuOperator
        ? new GpuOperator(this, 'gpu-operator', { connection, pools: gpuPools, valuesOverride: platform.values.gpuOperator })
        : undefined,
      trainer: c.trainer
        ? new Trainer(this, 'trainer', { connection, gpuPools, valuesOverride: platform.values.trainer })
        : undefined,
      katib: c.katib ? new Katib(this, 'katib', kubeflowApp()) : undefined,
      pipelines: c.pipelines ? new Pipelines(this, 'pipelines', kubeflowApp()) : undefined,
      kserve: c.kserve
        ? new KServe(this, 'kserve', {
          connection,
          certManager: required(certManagerPrerequisite, 'cert-manager') as Prerequisite<CertManager>,
          istio: istioPrerequisite as Prerequisite<Istio> | undefined,
          mode: platform.kserveMode,
          ...(platform.knative === 'external' ? { knative: PROVIDED_OUTSIDE } : {}),
          valuesOverride: platform.values.kserve,
        })
        : undefined,
    };
    this.components = components;
  }
}
