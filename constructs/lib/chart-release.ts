import { Release } from '@cdktf/provider-helm/lib/release';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { localChart } from './upstream';
import { ChartPin } from '../../catalog/versions';
import { Values, mergeValues } from './values';

export interface ChartReleaseProps {
  /** Helm release name. */
  readonly releaseName: string;
  /** Namespace of the release (created when missing). */
  readonly namespace: string;
  /** Chart, repository and version from the version catalog. */
  readonly pin: ChartPin;
  /** Values this project sets. */
  readonly values: Values;
  /** The component's escape hatch, merged last. @default {} */
  readonly valuesOverride?: Values;
  /** @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** Seconds Helm waits for the release's resources. @default 600 */
  readonly timeoutSeconds?: number;
  readonly provider?: TerraformProvider;
}

/**
 * One pinned chart from a published repository as a Helm release, installed
 * from its package in the verified upstream work folder. Waits for
 * readiness and rolls back a failed install (`atomic`), so a dependent release
 * starts only on a working prerequisite.
 */
export class ChartRelease extends Construct {
  public readonly release: Release;
  public readonly values: Values;

  constructor(scope: Construct, id: string, props: ChartReleaseProps) {
    super(scope, id);
    this.values = mergeValues(props.values, props.valuesOverride);
    // Installed from the verified local package: a plan needs no chart registry.
    const source = localChart(props.pin);
    this.release = new Release(this, 'release', {
      name: props.releaseName,
      namespace: props.namespace,
      createNamespace: true,
      chart: source.chart,
      lifecycle: { precondition: [source.precondition] },
      values: [JSON.stringify(this.values)],
      atomic: true,
      wait: true,
      timeout: props.timeoutSeconds ?? 600,
      dependsOn: [...(props.dependsOn ?? [])],
      provider: props.provider,
    });
  }
}
