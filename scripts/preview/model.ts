/** The change summary shared by the offline preview and the plan summary, and their renderers. */

export type Action = 'create' | 'update' | 'replace' | 'delete';

export interface ResourceChange {
  /** Terraform address, `type.name`. */
  readonly address: string;
  readonly action: Action;
  /** Attributes that changed (dotted paths); for `replace`, those that force it come first. */
  readonly attributes: readonly string[];
  /** Attributes that force a replacement. */
  readonly replacedBecause: readonly string[];
  /** For an `update` of a node pool: attributes that make AKS rotate the pool (new nodes). */
  readonly rotatedBecause?: readonly string[];
  /** The type has no entry in the replacement table (scripts/preview/replacement.ts): any change may replace it. */
  readonly mayReplace?: true;
}

export interface VersionChange {
  /** A Helm release name or a kustomize overlay. */
  readonly subject: string;
  readonly from: string;
  readonly to: string;
}

export interface CostEnvelope {
  /** The Azure region the prices are for. */
  readonly region: string;
  /** USD per hour with every pool at its minimum (GPU pools usually at zero); undefined when a price is missing. */
  readonly idleUsdPerHour?: number;
  /** USD per hour with every pool at its maximum; undefined when a price is missing. */
  readonly fullUsdPerHour?: number;
}

export interface StackSummary {
  readonly stack: string;
  readonly resources: readonly ResourceChange[];
  /** Chart versions, repositories and upstream release pins that changed. */
  readonly versions: readonly VersionChange[];
  /** Helm releases whose values changed, with the changed keys. */
  readonly values: readonly { readonly release: string; readonly keys: readonly string[] }[];
  /** Kustomize overlays whose patches or generators changed. */
  readonly patches: readonly { readonly overlay: string; readonly added: number; readonly removed: number }[];
  /** Changes that destroy data or fail the apply, one sentence each. */
  readonly warnings?: readonly string[];
  /** What the reader should know without a warning: volumes Helm keeps, releases that could not be rendered. */
  readonly notes?: readonly string[];
  /** Cost envelope before and after, for cluster stacks. */
  readonly cost?: { readonly before?: CostEnvelope; readonly after?: CostEnvelope };
  /** Stack added or removed as a whole. */
  readonly stackStatus?: 'added' | 'removed';
}

export interface Summary {
  readonly title: string;
  readonly stacks: readonly StackSummary[];
  /** What concerns more than one stack: removed environments, missing prices. */
  readonly warnings?: readonly string[];
  /** Checks that could not run, e.g. the data-loss check without helm. */
  readonly notes?: readonly string[];
  /** Where the prices come from, when a cost envelope is shown. */
  readonly priceNote?: string;
}
