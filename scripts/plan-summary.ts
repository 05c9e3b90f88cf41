/**
 * `npm run plan-summary -- <plan.json>...`: turns the JSON of real Terraform
 * plans (`terraform show -json plan.out`) into the preview's markdown: actions
 * per resource, replacements flagged with the attributes that force them, node
 * pools AKS rotates, and ⚠️ for changes that destroy data (as the preview).
 * Only attribute names are printed; sensitive and unknown values never are.
 *
 *   terraform -chdir=cdktf.out/stacks/dev-cluster show -json plan.out > dev-cluster.plan.json
 *   npm run plan-summary -- dev-cluster.plan.json --format markdown --output plan.md
 */
import { readFileSync, writeFileSync } from 'fs';
import { basename } from 'path';
import { destroyWarning, rotationFailure } from './preview/destructive';
import { Action, ResourceChange, StackSummary, Summary } from './preview/model';
import { renderMarkdown, renderText } from './preview/render';
import { rotatesPool } from './preview/replacement';
import { changedPaths } from './preview/synthesized';

/** The parts of Terraform's JSON plan format (format_version 1.x) this reads. */
export interface PlanJson {
  readonly format_version: string;
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly mode?: 'managed' | 'data';
    readonly type: string;
    readonly change: {
      readonly actions: readonly string[];
      readonly before?: unknown;
      readonly after?: unknown;
      readonly after_unknown?: unknown;
      readonly before_sensitive?: unknown;
      readonly after_sensitive?: unknown;
      readonly replace_paths?: readonly (readonly (string | number)[])[];
    };
  }[];
}

function actionOf(actions: readonly string[]): Action | undefined {
  const set = [...actions].sort().join(',');
  if (set === 'create') return 'create';
  if (set === 'delete') return 'delete';
  if (set === 'update') return 'update';
  if (set === 'create,delete') return 'replace';
  return undefined; // no-op, read
}

/** Attribute paths marked unknown (`true`) in `after_unknown`. */
function unknownPaths(value: unknown, prefix = ''): string[] {
  if (value === true) return [prefix];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, prefix ? `${prefix}.${i}` : String(i)));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, prefix ? `${prefix}.${k}` : k));
  return [];
}

export function summarizePlan(stack: string, plan: PlanJson): StackSummary {
  if (!plan.format_version?.startsWith('1.')) throw new Error(`${stack}: unsupported plan format_version ${String(plan.format_version)}: expected 1.x (terraform show -json)`);
  const resources: ResourceChange[] = [];
  const warnings: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === 'data') continue;
    const action = actionOf(rc.change.actions);
    if (!action) continue;
    const attributes = action === 'create' || action === 'delete'
      ? []
      : [...new Set([...changedPaths(rc.change.before, rc.change.after), ...unknownPaths(rc.change.after_unknown)])].sort();
    const replacedBecause = action === 'replace' ? (rc.change.replace_paths ?? []).map((p) => p.join('.')) : [];
    const rotatedBecause = action === 'update' ? attributes.filter((a) => rotatesPool(rc.type, a)) : [];
    const change: ResourceChange = {
      address: rc.address,
      action,
      attributes: [...replacedBecause, ...attributes.filter((a) => !replacedBecause.includes(a))],
      replacedBecause: action === 'replace' && replacedBecause.length === 0 ? ['(provider did not say)'] : replacedBecause,
      ...(rotatedBecause.length > 0 ? { rotatedBecause } : {}),
    };
    resources.push(change);
    const warning = action === 'delete' || action === 'replace'
      ? destroyWarning(rc.address, action, (rc.change.before ?? {}) as Record<string, unknown>)
      : rotationFailure(change, rc.change.after as Record<string, unknown> | undefined);
    if (warning) warnings.push(warning);
  }
  return { stack, resources, versions: [], values: [], patches: [], ...(warnings.length > 0 ? { warnings } : {}) };
}

export function summarizePlans(plans: readonly { stack: string; plan: PlanJson }[], title = 'Terraform plan'): Summary {
  return { title, stacks: plans.map(({ stack, plan }) => summarizePlan(stack, plan)) };
}

const USAGE = 'usage: plan-summary <stack>.plan.json... [--format markdown|text] [--title T] [--marker NAME] [--output FILE]';

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}

Summarizes Terraform JSON plans (terraform show -json plan.out), one file per
stack named <stack>.plan.json, in the preview's format: actions per resource,
replacements with the attributes the provider says force them, node pools AKS
rotates, ⚠️ for changes that destroy data. Never prints values.

  --format markdown|text   default: markdown
  --title T                heading (default: Terraform plan)
  --marker NAME            adds <!-- NAME --> so a workflow can update its comment
  --output FILE            write there instead of standard output
`);
    process.exit(0);
  }
  const files: string[] = [];
  let format = 'markdown';
  let output: string | undefined;
  let title = 'Terraform plan';
  let marker: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--format') format = args[++i];
    else if (args[i] === '--output') output = args[++i];
    else if (args[i] === '--title') title = args[++i];
    else if (args[i] === '--marker') marker = `<!-- ${args[++i]} -->`;
    else files.push(args[i]);
  }
  if (files.length === 0 || (format !== 'markdown' && format !== 'text')) {
    console.error(USAGE);
    process.exit(2);
  }
  const summary = summarizePlans(files.map((f) => ({ stack: basename(f).replace(/\.plan\.json$|\.json$/, ''), plan: JSON.parse(readFileSync(f, 'utf8')) as PlanJson })), title);
  const text = format === 'markdown' ? renderMarkdown(summary, marker) : renderText(summary);
  if (output) writeFileSync(output, text);
  else process.stdout.write(text);
}
