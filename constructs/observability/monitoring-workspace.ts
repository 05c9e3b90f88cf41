import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorWorkspace } from '@cdktf/provider-azurerm/lib/monitor-workspace';
import { Construct } from 'constructs';

export interface MonitoringWorkspaceProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Log retention in days, 30 to 730. @default 30 */
  readonly logRetentionDays?: number;
  /** Create an Azure Monitor workspace for managed Prometheus metrics. @default true */
  readonly managedPrometheus?: boolean;
  /** Refuse `terraform destroy` of the Log Analytics workspace (its logs are the audit trail of the data stores). @default false */
  readonly preventDestroy?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Where the cluster's telemetry goes: a Log Analytics workspace for Container
 * Insights (local, key-based authentication off: agents use their managed
 * identity) and an Azure Monitor workspace for managed Prometheus.
 */
export class MonitoringWorkspace extends Construct {
  public readonly logAnalytics: LogAnalyticsWorkspace;
  public readonly prometheus?: MonitorWorkspace;

  constructor(scope: Construct, id: string, props: MonitoringWorkspaceProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.logAnalytics = new LogAnalyticsWorkspace(this, 'log-analytics', {
      name: `log-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      sku: 'PerGB2018',
      retentionInDays: props.logRetentionDays ?? 30,
      localAuthenticationEnabled: false,
      tags,
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    });
    if (props.managedPrometheus ?? true) {
      this.prometheus = new MonitorWorkspace(this, 'prometheus', {
        name: `amw-kubeflow-${props.environment}`,
        location: props.location,
        resourceGroupName: props.resourceGroupName,
        tags,
      });
    }
  }
}
