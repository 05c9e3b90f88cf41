import { z } from 'zod';
import { EMAIL, bool, integer, list, object, text } from '../../environments/schema/kit';

/** Monitoring: Log Analytics, managed Prometheus, alert rules and their receivers, Grafana (`monitoring`). */

const KEY_VAULT_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.KeyVault\/vaults\/[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/i;

const webhook = object({
  name: text(/^[A-Za-z0-9_-]{1,32}$/, 'accepted: 1 to 32 letters, digits, "-" or "_"').meta({ description: 'Receiver name in the action group.' }),
  keyVaultId: text(KEY_VAULT_ID, 'accepted: a Key Vault resource id, "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>"').meta({ description: 'Resource id of the Key Vault holding the URL.' }),
  secretName: text(/^[0-9a-zA-Z-]{1,127}$/, 'accepted: a Key Vault secret name, 1 to 127 letters, digits and hyphens').meta({ description: 'Name of the secret whose value is the webhook URL.' }),
});

/** A webhook URL may carry a token: it is refused without being printed, and never reaches the output. */
const webhookWithoutUrl = z.preprocess((value, ctx) => {
  if (typeof value === 'object' && value !== null && ['url', 'serviceUri'].some((k) => typeof (value as Record<string, unknown>)[k] === 'string')) {
    ctx.addIssue({ code: 'custom', input: '(a URL)', params: { shown: '(a URL)' }, message: 'a webhook URL may carry a token and must not be in the environment file: store it in a Key Vault secret and give keyVaultId and secretName' });
    return z.NEVER;
  }
  return value;
}, webhook).meta({ description: 'A webhook receiver; its URL is read at plan time from a Key Vault secret.' });

export const monitoringSettings = object({
  logRetentionDays: integer(30, 730).default(30).meta({ description: 'Log Analytics retention in days.' }),
  managedPrometheus: bool().default(true).meta({ description: 'Send cluster metrics to Azure Monitor managed Prometheus. Off means no GPU scrape objects, no rule groups, no Grafana.' }),
  alerts: object({
    enabled: bool().optional().meta({ description: 'Create the Prometheus rule groups (recording rules and alerts). Needs `managedPrometheus`.', defaultText: 'the value of `managedPrometheus`' }),
    emails: list(text(EMAIL, 'accepted: an email address, e.g. "gpu-oncall@example.com"')).default([]).meta({ description: 'Email receivers of the action group.' }),
    webhooks: list(webhookWithoutUrl).default([]).meta({ description: 'Webhook receivers (Teams, Slack, PagerDuty…), each by Key Vault secret.' }),
    idleGpuMinutes: integer(10, 1440).default(30).meta({ description: 'Minutes a GPU may stay allocated at 0 % utilisation before the idle alert fires.' }),
    poolAtMaxMinutes: integer(15, 1440).default(60).meta({ description: 'Minutes a GPU pool may run at its `maxCount` before the "stuck at max" alert fires.' }),
  }).prefault({}).meta({ description: 'Prometheus alert rules and who they notify.' }),
  grafana: bool().optional().meta({ description: 'Azure Managed Grafana with the GPU dashboard; admin groups become Grafana Admins. Needs `managedPrometheus`.', defaultText: 'the value of `managedPrometheus`' }),
}).prefault({}).meta({ description: 'Logs, metrics, alerts and dashboards.' });
