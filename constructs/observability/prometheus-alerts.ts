import { DataAzurermKeyVaultSecret } from '@cdktf/provider-azurerm/lib/data-azurerm-key-vault-secret';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorAlertPrometheusRuleGroup } from '@cdktf/provider-azurerm/lib/monitor-alert-prometheus-rule-group';
import { MonitorWorkspace } from '@cdktf/provider-azurerm/lib/monitor-workspace';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { Construct } from 'constructs';
import { PrometheusRuleGroup } from './gpu-rules';

/** A webhook receiver whose URL is read from a Key Vault secret at plan time. */
export interface AlertWebhook {
  readonly name: string;
  readonly keyVaultId: string;
  readonly secretName: string;
}

export interface PrometheusAlertsProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly cluster: KubernetesCluster;
  /** The Azure Monitor workspace the cluster's managed Prometheus writes to. */
  readonly workspace: MonitorWorkspace;
  /** Recording and alert rules (`gpuRuleGroups`). */
  readonly groups: readonly PrometheusRuleGroup[];
  /** Email receivers. @default [] */
  readonly emails?: readonly string[];
  /** Webhook receivers; their URLs never appear in the synthesized JSON. @default [] */
  readonly webhooks?: readonly AlertWebhook[];
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** ISO 8601 duration of whole minutes, as Azure rule groups want it. */
export function isoMinutes(minutes: number): string {
  return minutes % 60 === 0 ? `PT${minutes / 60}H` : `PT${minutes}M`;
}

/**
 * Prometheus recording and alert rules as Azure Prometheus rule groups on the
 * environment's monitor workspace, for its cluster's data (`cluster_name`), and the environment's
 * action group (email and webhook receivers) that the alerts notify. Without
 * receivers there is no action group: alerts still fire and show in Azure Monitor.
 * @see https://learn.microsoft.com/azure/azure-monitor/essentials/prometheus-rule-groups
 */
export class PrometheusAlerts extends Construct {
  public readonly actionGroup?: MonitorActionGroup;
  public readonly ruleGroups: readonly MonitorAlertPrometheusRuleGroup[];

  constructor(scope: Construct, id: string, props: PrometheusAlertsProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const emails = props.emails ?? [];
    const webhooks = props.webhooks ?? [];
    if (emails.length + webhooks.length > 0) {
      this.actionGroup = new MonitorActionGroup(this, 'action-group', {
        name: `ag-kubeflow-${props.environment}`,
        resourceGroupName: props.resourceGroupName,
        location: 'global',
        // At most 12 characters, shown in SMS and email subjects.
        shortName: `kf-${props.environment}`.slice(0, 12),
        emailReceiver: emails.map((email, i) => ({ name: `email-${i + 1}`, emailAddress: email, useCommonAlertSchema: true })),
        webhookReceiver: webhooks.map((hook) => {
          // The URL carries a token: read at plan time (sensitive in plans, kept in the state only).
          const secret = new DataAzurermKeyVaultSecret(this, `webhook-${hook.name}`, { name: hook.secretName, keyVaultId: hook.keyVaultId });
          return { name: hook.name, serviceUri: secret.value, useCommonAlertSchema: true };
        }),
        tags,
      });
    }
    const actionGroupId = this.actionGroup?.id;
    this.ruleGroups = props.groups.map((group) => new MonitorAlertPrometheusRuleGroup(this, group.name.replace(`-${props.environment}`, ''), {
      name: group.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      clusterName: props.cluster.name,
      description: group.description,
      ruleGroupEnabled: true,
      interval: isoMinutes(group.intervalMinutes),
      // One scope, the workspace (the rule group API, 2023-03-01, accepts one); cluster_name narrows the data to this cluster.
      scopes: [props.workspace.id],
      rule: group.rules.map((rule) => ({
        enabled: true,
        expression: rule.expr,
        ...(rule.record ? { record: rule.record } : {}),
        ...(rule.alert
          ? {
            alert: rule.alert,
            severity: rule.severity ?? 3,
            ...(rule.forMinutes ? { for: isoMinutes(rule.forMinutes) } : {}),
            alertResolution: { autoResolved: true, timeToResolve: 'PT10M' },
            ...(actionGroupId ? { action: [{ actionGroupId }] } : {}),
          }
          : {}),
        ...(rule.labels ? { labels: { ...rule.labels } } : {}),
        ...(rule.annotations ? { annotations: { ...rule.annotations } } : {}),
      })),
      tags,
    }));
  }
}
