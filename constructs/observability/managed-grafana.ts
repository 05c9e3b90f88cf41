import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { DashboardGrafana } from '@cdktf/provider-azurerm/lib/dashboard-grafana';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { MonitorWorkspace } from '@cdktf/provider-azurerm/lib/monitor-workspace';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { AssetType, DataResource, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { GRAFANA_CREATE_MAJOR_VERSION, GRAFANA_MAJOR_VERSION } from '../../catalog/versions';

/** Finds a file of the repository from the source tree or the esbuild bundle in `dist/`. */
function repositoryFile(relative: string): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${relative} not found above ${__dirname}`);
    dir = parent;
  }
}

/** The GPU dashboard of this repository (our own JSON). */
export function gpuDashboardFile(): string {
  return repositoryFile(join('constructs', 'observability', 'dashboards', 'gpu.json'));
}

export interface ManagedGrafanaProps {
  readonly environment: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** The monitor workspace whose managed Prometheus data Grafana shows (as a data source). */
  readonly workspace: MonitorWorkspace;
  /** Entra ID groups that become Grafana Admins (the environment's `adminGroupObjectIds`). */
  readonly adminGroupObjectIds: readonly string[];
  /** Spread the workspace over availability zones (Standard SKU). @default false */
  readonly zoneRedundant?: boolean;
  /** Dashboards provisioned from JSON files of this repository. @default [gpuDashboardFile()] */
  readonly dashboardFiles?: readonly string[];
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** Grafana folder the provisioned dashboards go to. */
export const DASHBOARD_FOLDER = 'Kubeflow';

/**
 * Azure Managed Grafana for an environment: Entra ID sign-in only (API keys and
 * service-account tokens off), a system-assigned identity that reads the monitor
 * workspace (Monitoring Data Reader), the environment's admin groups as Grafana
 * Admins, and the dashboards of this repository imported with
 * `az grafana dashboard import` under the deploying identity's Entra token
 * (no key or token is created, stored or put in the state; docs/decisions.md).
 * @see https://learn.microsoft.com/azure/managed-grafana/overview
 */
export class ManagedGrafana extends Construct {
  public readonly grafana: DashboardGrafana;
  public readonly dashboards: readonly DataResource[];

  constructor(scope: Construct, id: string, props: ManagedGrafanaProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.grafana = new DashboardGrafana(this, 'grafana', {
      name: `amg-kubeflow-${props.environment}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      // azurerm 4.55 creates only 11; the upgrade below moves it, and the provider leaves the field alone.
      grafanaMajorVersion: GRAFANA_CREATE_MAJOR_VERSION,
      sku: 'Standard',
      apiKeyEnabled: false,
      zoneRedundancyEnabled: props.zoneRedundant ?? false,
      identity: { type: 'SystemAssigned' },
      azureMonitorWorkspaceIntegrations: [{ resourceId: props.workspace.id }],
      tags,
      lifecycle: { ignoreChanges: ['grafana_major_version'] },
    });
    // Upgrades are one-way and idempotent: re-run only when the pinned major changes.
    const upgrade = new DataResource(this, 'major-version', {
      triggersReplace: { majorVersion: GRAFANA_MAJOR_VERSION, grafana: this.grafana.id },
      provisioners: [{ type: 'local-exec', ...majorVersionAction(props.resourceGroupName, this.grafana.name, GRAFANA_MAJOR_VERSION) }],
    });
    const reads = new RoleAssignment(this, 'reads-metrics', {
      scope: props.workspace.id,
      roleDefinitionName: 'Monitoring Data Reader',
      principalId: this.grafana.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    props.adminGroupObjectIds.forEach((group, i) => new RoleAssignment(this, `admin-${i}`, {
      scope: this.grafana.id,
      roleDefinitionName: 'Grafana Admin',
      principalId: group,
      principalType: 'Group',
    }));
    // The identity that applies the stack imports the dashboards: it needs a Grafana role too.
    const deployer = new DataAzurermClientConfig(this, 'deployer', {});
    const deployerEditor = new RoleAssignment(this, 'deployer-editor', {
      scope: this.grafana.id,
      roleDefinitionName: 'Grafana Editor',
      principalId: deployer.objectId,
    });
    this.dashboards = (props.dashboardFiles ?? [gpuDashboardFile()]).map((file, i) => {
      const content = readFileSync(file, 'utf8');
      const asset = new TerraformAsset(this, `dashboard-file-${i}`, { path: file, type: AssetType.FILE });
      return new DataResource(this, `dashboard-${i}`, {
        // Re-imported whenever the JSON changes.
        triggersReplace: { sha256: createHash('sha256').update(content).digest('hex'), grafana: this.grafana.id },
        provisioners: [{ type: 'local-exec', ...dashboardImportAction(props.resourceGroupName, this.grafana.name, asset.path) }],
        dependsOn: [reads, deployerEditor, upgrade],
      });
    });
  }
}

/** A `local-exec` action: a fixed script, its inputs in environment variables (never interpolated into the script). */
export interface ShellAction {
  readonly command: string;
  readonly environment: Record<string, string>;
}

/** Shell that moves the workspace to a Grafana major (a no-op when it is there already). */
export function majorVersionAction(resourceGroup: string, grafana: string, major: string): ShellAction {
  const command = [
    'set -eu',
    'az extension add --name amg --upgrade --only-show-errors >/dev/null',
    'current=$(az grafana show --resource-group "$RESOURCE_GROUP" --name "$GRAFANA" --query properties.grafanaMajorVersion --output tsv)',
    'if [ "$current" != "$MAJOR_VERSION" ]; then az grafana update --resource-group "$RESOURCE_GROUP" --name "$GRAFANA" --major-version "$MAJOR_VERSION" --only-show-errors >/dev/null; fi',
    'echo "Grafana $GRAFANA: major version $MAJOR_VERSION"',
  ].join('\n');
  return { command, environment: { RESOURCE_GROUP: resourceGroup, GRAFANA: grafana, MAJOR_VERSION: major } };
}

/**
 * Shell for the import: the Azure CLI's `amg` extension talks to Grafana with the
 * signed-in identity's Entra token. A new role assignment takes minutes to reach
 * Grafana, so the import is retried. The path is relative to the stack folder.
 */
export function dashboardImportAction(resourceGroup: string, grafana: string, file: string): ShellAction {
  const command = [
    'set -eu',
    'az extension add --name amg --upgrade --only-show-errors >/dev/null',
    'for attempt in 1 2 3 4 5 6 7 8 9 10; do',
    // Fails when the folder exists (every apply after the first): that is fine.
    '  az grafana folder create --resource-group "$RESOURCE_GROUP" --name "$GRAFANA" --title "$FOLDER" --only-show-errors >/dev/null 2>&1 || true',
    '  if az grafana dashboard import --resource-group "$RESOURCE_GROUP" --name "$GRAFANA" --folder "$FOLDER" --overwrite true --definition "$DASHBOARD_FILE"; then exit 0; fi',
    '  echo "import failed (attempt $attempt; role assignments take minutes to apply), retrying in 30 s"; sleep 30',
    'done',
    'exit 1',
  ].join('\n');
  return { command, environment: { RESOURCE_GROUP: resourceGroup, GRAFANA: grafana, FOLDER: DASHBOARD_FOLDER, DASHBOARD_FILE: file } };
}
