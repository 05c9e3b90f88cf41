import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { MonitorDataCollectionEndpoint } from '@cdktf/provider-azurerm/lib/monitor-data-collection-endpoint';
import { MonitorDataCollectionRule } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule';
import { MonitorDataCollectionRuleAssociation } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule-association';
import { Construct } from 'constructs';
import { MonitoringWorkspace } from './monitoring-workspace';

export interface ClusterInsightsProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly cluster: KubernetesCluster;
  readonly workspace: MonitoringWorkspace;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** Streams Container Insights collects by default. */
const CONTAINER_INSIGHTS_STREAMS = ['Microsoft-ContainerInsights-Group-Default'];
const PROMETHEUS_STREAMS = ['Microsoft-PrometheusMetrics'];

/**
 * The data collection rules that make the cluster's monitoring add-ons send
 * anything: Container Insights (with managed-identity authentication) into Log
 * Analytics, and managed Prometheus into the Azure Monitor workspace. Enabling
 * `oms_agent` or `monitor_metrics` alone, as the Azure CLI does for you, is not
 * enough when the cluster is created by Terraform.
 * @see https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable
 */
export class ClusterInsights extends Construct {
  public readonly containerInsightsRule: MonitorDataCollectionRule;
  public readonly prometheusRule?: MonitorDataCollectionRule;

  constructor(scope: Construct, id: string, props: ClusterInsightsProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.containerInsightsRule = new MonitorDataCollectionRule(this, 'container-insights-rule', {
      name: `MSCI-${props.location}-aks-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      kind: 'Linux',
      destinations: {
        logAnalytics: [{ name: 'logs', workspaceResourceId: props.workspace.logAnalytics.id }],
      },
      dataFlow: [{ streams: CONTAINER_INSIGHTS_STREAMS, destinations: ['logs'] }],
      dataSources: {
        extension: [
          {
            name: 'ContainerInsightsExtension',
            extensionName: 'ContainerInsights',
            streams: CONTAINER_INSIGHTS_STREAMS,
            extensionJson: JSON.stringify({
              dataCollectionSettings: { interval: '1m', namespaceFilteringMode: 'Off', enableContainerLogV2: true },
            }),
          },
        ],
      },
      tags,
    });
    new MonitorDataCollectionRuleAssociation(this, 'container-insights-association', {
      name: 'ContainerInsightsExtension',
      targetResourceId: props.cluster.id,
      dataCollectionRuleId: this.containerInsightsRule.id,
    });

    const prometheus = props.workspace.prometheus;
    if (!prometheus) return;
    const endpoint = new MonitorDataCollectionEndpoint(this, 'prometheus-endpoint', {
      name: `MSProm-${props.location}-aks-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      kind: 'Linux',
      tags,
    });
    this.prometheusRule = new MonitorDataCollectionRule(this, 'prometheus-rule', {
      name: `MSProm-${props.location}-aks-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      kind: 'Linux',
      dataCollectionEndpointId: endpoint.id,
      destinations: {
        monitorAccount: [{ name: 'prometheus', monitorAccountId: prometheus.id }],
      },
      dataFlow: [{ streams: PROMETHEUS_STREAMS, destinations: ['prometheus'] }],
      dataSources: {
        prometheusForwarder: [{ name: 'PrometheusDataSource', streams: PROMETHEUS_STREAMS }],
      },
      tags,
    });
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-endpoint-association', {
      // Azure requires this exact name for an endpoint association.
      name: 'configurationAccessEndpoint',
      targetResourceId: props.cluster.id,
      dataCollectionEndpointId: endpoint.id,
    });
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-association', {
      name: 'PrometheusMetrics',
      targetResourceId: props.cluster.id,
      dataCollectionRuleId: this.prometheusRule.id,
    });
  }
}
