import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GpuPoolIntent, PLATFORM_NODE_SELECTOR, gpuPoolScheduling } from '../node-pools/gpu-scheduling';
import { CHARTS } from '../../catalog/versions';
import { CertManager } from '../cert-manager/cert-manager';
import { ChartRelease } from '../lib/chart-release';
import { ObjectRelease } from '../lib/manifest-bundle';
import { ClusterConnection } from '../lib/cluster-connection';
import { Istio } from '../istio/istio';
import { ComponentError, Prerequisite, ProvidedOutside, isProvidedOutside, readinessOf } from '../lib/prerequisites';
import { Values } from '../lib/values';

/** KServe's deployment modes: `standard` (Deployments and Services, formerly "RawDeployment") or `knative` (serverless). */
export type KServeMode = 'standard' | 'knative';

export interface KServeProps {
  readonly connection: ClusterConnection;
  /** Issues the webhook certificates. */
  readonly certManager: Prerequisite<CertManager>;
  /** Ingress for inference services. Required in `knative` mode. @default - no Istio; services are reached in-cluster */
  readonly istio?: Prerequisite<Istio>;
  /** @default 'standard' */
  readonly mode?: KServeMode;
  /**
   * Knative Serving, which this project does not install. Required in
   * `knative` mode: pass `PROVIDED_OUTSIDE` once it is installed.
   */
  readonly knative?: ProvidedOutside;
  /** @default 'kserve' */
  readonly namespace?: string;
  /** Values merged last into `kserve-resources`. @default {} */
  readonly valuesOverride?: Values;
}

/**
 * KServe from its official charts (`kserve-crd`, `kserve-resources`), in the
 * standard deployment mode by default: no Knative, plain Deployments that
 * scale with an HPA. Knative mode is an option that needs Knative and Istio.
 * @see docs/components/kserve.md
 */
export class KServe extends Construct {
  public readonly crds: ChartRelease;
  public readonly resources: ChartRelease;
  public readonly mode: KServeMode;
  /** The `istio` IngressClass, in standard mode with Istio. */
  public readonly ingressClass?: ObjectRelease;
  public readonly ready: readonly ITerraformDependable[];
  /** The namespace of the controller (created by its chart's release). */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: KServeProps) {
    super(scope, id);
    this.mode = props.mode ?? 'standard';
    if (this.mode === 'knative') {
      if (!props.knative || !isProvidedOutside(props.knative)) {
        throw new ComponentError('KServe', 'mode "knative"', 'needs Knative Serving, which this project does not install', 'install Knative Serving and pass knative: PROVIDED_OUTSIDE (environment: platform.knative: "external"), or use mode "standard"');
      }
      if (!props.istio) {
        throw new ComponentError('KServe', 'mode "knative"', 'needs Istio as the Knative ingress', 'pass istio (environment: platform.components.istio enabled or "external")');
      }
    }
    const namespace = props.namespace ?? 'kserve';
    this.namespace = namespace;
    const helm = props.connection.helm;
    this.crds = new ChartRelease(this, 'crds', {
      releaseName: 'kserve-crd',
      namespace,
      pin: CHARTS.kserveCrd,
      values: {},
      provider: helm,
    });
    this.resources = new ChartRelease(this, 'resources', {
      releaseName: 'kserve',
      namespace,
      pin: CHARTS.kserveResources,
      values: {
        kserve: {
          controller: {
            deploymentMode: this.mode === 'knative' ? 'Knative' : 'Standard',
            nodeSelector: { ...PLATFORM_NODE_SELECTOR },
          },
        },
      },
      valuesOverride: props.valuesOverride,
      dependsOn: [this.crds.release, ...readinessOf(props.certManager, props.istio)],
      provider: helm,
    });
    // KServe's standard mode writes Ingresses of class `istio`; Istio serves only classes that
    // exist and name its controller (as KServe's own quick install creates it).
    this.ingressClass = this.mode === 'standard' && props.istio
      ? new ObjectRelease(this, 'ingress-class', {
        releaseName: 'kserve-ingress-class',
        namespace,
        manifests: [istioIngressClass()],
        dependsOn: [this.crds.release],
        provider: helm,
      })
      : undefined;
    this.ready = [this.resources.release, ...(this.ingressClass ? [this.ingressClass.release] : [])];
  }
}

/** The IngressClass Istio serves (meshConfig `ingressControllerMode: STRICT`, the default). */
export const ISTIO_INGRESS_CLASS = { name: 'istio', controller: 'istio.io/ingress-controller' } as const;

export function istioIngressClass(): object {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: ISTIO_INGRESS_CLASS.name }, spec: { controller: ISTIO_INGRESS_CLASS.controller } };
}

/**
 * The part of an InferenceService predictor that places it on a GPU pool:
 * tolerations, node selector and GPU limit. Merge it into `spec.predictor`.
 */
export function gpuPredictorPlacement(pool: GpuPoolIntent, gpus = 1): { tolerations: object[]; nodeSelector: Record<string, string>; resources: object } {
  if (!Number.isInteger(gpus) || gpus < 1 || gpus > pool.gpu.count) {
    throw new ComponentError('gpuPredictorPlacement', 'gpus', `is ${gpus}, but a node of pool "${pool.name}" has ${pool.gpu.count} GPU(s)`, `ask for 1 to ${pool.gpu.count}`);
  }
  const scheduling = gpuPoolScheduling(pool);
  return {
    tolerations: scheduling.tolerations.map((t) => ({ ...t })),
    nodeSelector: { ...scheduling.nodeSelector },
    resources: { limits: { 'nvidia.com/gpu': gpus } },
  };
}
