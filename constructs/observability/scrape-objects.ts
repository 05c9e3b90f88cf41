import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GPU_POOL_LABEL, NODE_LABEL } from './gpu-rules';
import { ClusterConnection } from '../lib/cluster-connection';
import { ObjectRelease } from '../lib/manifest-bundle';
import { ComponentError } from '../lib/prerequisites';

/**
 * The API group of the scrape objects Azure Managed Prometheus reads. Its CRDs
 * come with the AKS metrics add-on (`monitor_metrics`), not from this project;
 * the add-on ignores `monitoring.coreos.com` objects (the GPU Operator's own
 * ServiceMonitor is skipped without that CRD).
 * @see https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-crd
 */
export const AZURE_MONITORING_API = 'azmonitoring.coreos.com/v1';

/**
 * Label limits every Azure scrape object must carry, at most these values, or the
 * processing pipeline drops series whose labels exceed what it supports (Azure's
 * own PodMonitor/ServiceMonitor templates, Azure/prometheus-collector
 * `otelcollector/customresources/*-monitor-template.yaml`, read 2026-11-30).
 */
export const AZURE_LABEL_LIMITS = { labelLimit: 63, labelNameLengthLimit: 511, labelValueLengthLimit: 1023 } as const;

/**
 * The DCGM exporter as the GPU Operator creates it at runtime (v26.7.0,
 * `assets/state-dcgm-exporter/0400_service.yaml` and `0800_daemonset.yaml`):
 * Service and pods labelled `app: nvidia-dcgm-exporter`, Service port
 * `gpu-metrics` (9400) in the operator's namespace.
 */
export const DCGM_EXPORTER = { name: 'nvidia-dcgm-exporter', labels: { app: 'nvidia-dcgm-exporter' }, servicePort: 'gpu-metrics', port: 9400 } as const;

/**
 * AKS names nodes `aks-<pool>-<number>-vmss<instance>`: the pool name is the
 * second field. Relabelling from the node name needs no kube-state-metrics
 * label allow-list.
 */
export const AKS_NODE_NAME_POOL_REGEX = 'aks-([a-z][a-z0-9]{0,11})-[0-9]+-vmss.*';

/**
 * Kubeflow Pipelines components (read at 2.16.1, checked again at 2.17.0) that serve Prometheus metrics without
 * authentication, as the distribution deploys them:
 * - the API server registers `/metrics` on its HTTP mux (`--httpPortFlag`,
 *   default `:8888`, container port `http`; kubeflow/pipelines 2.17.0
 *   `backend/src/apiserver/main.go`), plain HTTP because the distribution sets
 *   no `--tlsCertPath`;
 * - the scheduled-workflow controller serves `/metrics` on `--metricsPort`
 *   (default 9090, container port `http`;
 *   `backend/src/crd/controller/scheduledworkflow/main.go`).
 * The persistence agent serves no metrics, and the cache server only its TLS
 * admission webhook.
 */
export const PIPELINES_METRICS = [
  { name: 'ml-pipeline', labels: { app: 'ml-pipeline' }, port: 'http' },
  { name: 'ml-pipeline-scheduledworkflow', labels: { app: 'ml-pipeline-scheduledworkflow' }, port: 'http' },
] as const;

/**
 * The Kubeflow Trainer controller as its chart deploys it (2.2.1): pods labelled
 * `app.kubernetes.io/name: kubeflow-trainer`, `app.kubernetes.io/component:
 * manager`; container port `metrics` (8443) serves `/metrics` over HTTPS
 * (`metrics.secureServing: true` in the chart's `kubeflow-trainer-config`)
 * with the certificate controller-runtime generates for itself, and without
 * authentication: the manager sets no metrics `FilterProvider`
 * (kubeflow/trainer v2.2.1 `pkg/config/config.go`, `metricsserver.Options`).
 */
export const TRAINER_METRICS = {
  name: 'kubeflow-trainer-controller-manager',
  labels: { 'app.kubernetes.io/name': 'kubeflow-trainer', 'app.kubernetes.io/component': 'manager' },
  port: 'metrics',
} as const;

export interface ScrapeObjectsProps {
  readonly connection: ClusterConnection;
  /** Namespace of the GPU Operator, whose DCGM exporter is scraped; unset when the environment has no operator. */
  readonly gpuOperator?: { readonly namespace: string; readonly ready: readonly ITerraformDependable[] };
  /** Scrape Katib's controller (named port `metrics`, no sidecar). @default false */
  readonly katib?: boolean;
  /** Scrape the notebook controller. @default false */
  readonly notebooks?: boolean;
  /**
   * Scrape Kubeflow Pipelines: the API server (`/metrics` on its `http` port,
   * 8888) and the scheduled-workflow controller (`/metrics` on its `http` port,
   * 9090). Both run with an Istio sidecar; the scrape is plain HTTP, accepted
   * through the narrow exceptions of the tenant isolation (a PERMISSIVE metrics
   * port and an ALLOW for `GET /metrics` on it: constructs/istio/tenant-isolation.ts).
   * @default false
   */
  readonly pipelines?: boolean;
  /**
   * Scrape the Kubeflow Trainer controller in this namespace: HTTPS with the
   * controller's own self-signed certificate, so the scrape skips certificate
   * verification (it carries no credential). The PodMonitor lives in
   * kube-system and selects that namespace, so it need not wait for the
   * Trainer release that creates it.
   * @default - the Trainer controller is not scraped
   */
  readonly trainer?: { readonly namespace: string };
  /**
   * The `kubeflow` namespace, where the controllers' PodMonitors live. A PodMonitor
   * may exist before its pods, so it waits for the namespace only (not for the
   * releases: that would lengthen the deploy's critical path).
   */
  readonly kubeflowNamespace?: { readonly ready: readonly ITerraformDependable[] };
  /** Seconds between scrapes. @default 30 */
  readonly intervalSeconds?: number;
}

/**
 * Scrape configuration in the form Azure Managed Prometheus reads
 * (`azmonitoring.coreos.com/v1` ServiceMonitor and PodMonitor): the DCGM
 * exporter on every GPU node (its DaemonSet tolerates every GPU pool's taints,
 * spot and MIG pools included), labelled with the node and its pool, and the
 * Kubeflow controllers that expose Prometheus metrics without authentication.
 * Installed as one release of the bundle chart.
 * @see docs/components/observability.md
 */
export class ScrapeObjects extends Construct {
  public readonly release: ObjectRelease;
  public readonly objects: readonly Record<string, unknown>[];

  constructor(scope: Construct, id: string, props: ScrapeObjectsProps) {
    super(scope, id);
    const interval = `${props.intervalSeconds ?? 30}s`;
    const objects: Record<string, unknown>[] = [];
    if (props.gpuOperator) {
      objects.push({
        apiVersion: AZURE_MONITORING_API,
        kind: 'ServiceMonitor',
        metadata: { name: DCGM_EXPORTER.name, namespace: props.gpuOperator.namespace },
        spec: {
          ...AZURE_LABEL_LIMITS,
          selector: { matchLabels: { ...DCGM_EXPORTER.labels } },
          endpoints: [{
            port: DCGM_EXPORTER.servicePort,
            path: '/metrics',
            interval,
            relabelings: [
              { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: NODE_LABEL, action: 'replace' },
              { sourceLabels: ['__meta_kubernetes_pod_node_name'], regex: AKS_NODE_NAME_POOL_REGEX, targetLabel: GPU_POOL_LABEL, replacement: '$1', action: 'replace' },
            ],
          }],
        },
      });
    }
    if (props.katib) {
      objects.push(podMonitor('katib-controller', 'kubeflow', { 'katib.kubeflow.org/component': 'controller' }, { port: 'metrics' }, interval));
    }
    if (props.notebooks) {
      // The controller serves /metrics on :8080 (its --metrics-addr default) but declares no container port.
      objects.push(podMonitor('notebook-controller', 'kubeflow', { app: 'notebook-controller' }, { targetPort: 8080 }, interval));
    }
    if (props.pipelines) {
      for (const target of PIPELINES_METRICS) objects.push(podMonitor(target.name, 'kubeflow', { ...target.labels }, { port: target.port }, interval));
    }
    if (props.trainer) {
      // Certificate not verified: controller-runtime signs its own, and the scrape sends no credential that could leak.
      objects.push(podMonitor(TRAINER_METRICS.name, 'kube-system', { ...TRAINER_METRICS.labels }, { port: TRAINER_METRICS.port, scheme: 'https', tlsConfig: { insecureSkipVerify: true } }, interval, [props.trainer.namespace]));
    }
    const kubeflowScraped = props.katib || props.notebooks || props.pipelines;
    if (kubeflowScraped && !props.kubeflowNamespace) {
      throw new ComponentError('ScrapeObjects', 'kubeflowNamespace', 'is unset, but the Kubeflow controllers\' PodMonitors live in that namespace', 'pass the KubeflowNamespaces construct');
    }
    if (objects.length === 0) {
      throw new ComponentError('ScrapeObjects', 'gpuOperator, katib, notebooks, pipelines, trainer', 'are all unset: there is nothing to scrape', 'leave the construct out');
    }
    this.objects = objects;
    this.release = new ObjectRelease(this, 'release', {
      releaseName: 'managed-prometheus-scrape',
      namespace: 'kube-system',
      manifests: objects,
      dependsOn: [...(props.gpuOperator?.ready ?? []), ...(kubeflowScraped ? props.kubeflowNamespace?.ready ?? [] : [])],
      provider: props.connection.helm,
    });
  }
}

type Endpoint = ({ port: string } | { targetPort: number }) & { scheme?: 'https'; tlsConfig?: { insecureSkipVerify: boolean } };

function podMonitor(name: string, namespace: string, labels: Record<string, string>, endpoint: Endpoint, interval: string, namespaces?: string[]): Record<string, unknown> {
  return {
    apiVersion: AZURE_MONITORING_API,
    kind: 'PodMonitor',
    metadata: { name, namespace },
    spec: {
      ...AZURE_LABEL_LIMITS,
      selector: { matchLabels: labels },
      ...(namespaces ? { namespaceSelector: { matchNames: namespaces } } : {}),
      podMetricsEndpoints: [{ ...endpoint, path: '/metrics', interval }],
    },
  };
}
