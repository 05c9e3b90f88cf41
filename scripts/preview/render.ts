import { Action, CostEnvelope, StackSummary, Summary } from './model';

/** Marks the pull-request comment so a workflow can find and update it. */
export const COMMENT_MARKER = '<!-- kubeflow-aks-preview -->';

const ACTIONS: readonly Action[] = ['create', 'update', 'replace', 'delete'];
const MAX_ATTRIBUTES = 8;

function count(stack: StackSummary, action: Action): number {
  return stack.resources.filter((r) => r.action === action).length;
}

function hasChanges(stack: StackSummary): boolean {
  return stack.resources.length > 0 || stack.versions.length > 0 || stack.values.length > 0 || stack.patches.length > 0 || stack.stackStatus !== undefined || (stack.warnings?.length ?? 0) > 0 || (stack.notes?.length ?? 0) > 0;
}

function usd(n: number | undefined): string {
  return n === undefined ? 'unknown' : `$${n.toFixed(2)}`;
}

function envelope(cost: { before?: CostEnvelope; after?: CostEnvelope } | undefined): string {
  if (!cost) return '';
  const fmt = (c: CostEnvelope | undefined) => (c ? `${usd(c.idleUsdPerHour)} idle / ${usd(c.fullUsdPerHour)} full` : 'none');
  const before = fmt(cost.before);
  const after = fmt(cost.after);
  return before === after ? after : `${before} → ${after}`;
}

function attributeList(attributes: readonly string[]): string {
  const shown = attributes.slice(0, MAX_ATTRIBUTES).join(', ');
  return attributes.length > MAX_ATTRIBUTES ? `${shown}, … (${attributes.length - MAX_ATTRIBUTES} more)` : shown;
}

/** Markdown for a pull-request comment. Prints attribute names, never values. */
export function renderMarkdown(summary: Summary, marker: string = COMMENT_MARKER): string {
  const lines: string[] = [marker, `## ${summary.title}`, ''];
  for (const w of summary.warnings ?? []) lines.push(`> ⚠️ ${w}`);
  for (const n of summary.notes ?? []) lines.push(`> ℹ️ ${n}`);
  if (summary.warnings?.length || summary.notes?.length) lines.push('');
  const changed = summary.stacks.filter(hasChanges);
  lines.push('| stack | create | update | replace | delete | cost per hour (compute) |', '| --- | ---: | ---: | ---: | ---: | --- |');
  for (const s of summary.stacks) {
    const replace = count(s, 'replace');
    lines.push(`| \`${s.stack}\`${s.stackStatus ? ` (${s.stackStatus})` : ''}${s.warnings?.length ? ' ⚠️' : ''} | ${count(s, 'create')} | ${count(s, 'update')} | ${replace > 0 ? `**${replace}** ⚠️` : '0'} | ${count(s, 'delete')} | ${envelope(s.cost)} |`);
  }
  lines.push('');
  if (changed.length === 0) lines.push('No changes.', '');
  for (const s of changed) {
    lines.push(`### \`${s.stack}\``, '');
    const notices = [
      ...(s.warnings ?? []).map((w) => `> ⚠️ ${w}`),
      ...(s.notes ?? []).map((n) => `> ℹ️ ${n}`),
      ...s.resources.filter((x) => x.action === 'replace').map((r) => (r.mayReplace
        ? `> ⚠️ **May replace** \`${r.address}\`: its type is not in the preview's replacement table (scripts/preview/replacement.ts), so a change to ${r.replacedBecause.map((a) => `\`${a}\``).join(', ')} may force a new resource.`
        : `> ⚠️ **Replaces** \`${r.address}\`: ${r.replacedBecause.map((a) => `\`${a}\``).join(', ')} force a new resource.`)),
      ...s.resources.filter((x) => x.rotatedBecause?.length).map((r) => `> 🔁 **Rotates** \`${r.address}\`: ${r.rotatedBecause!.map((a) => `\`${a}\``).join(', ')} need new nodes: AKS moves the pods to a temporary pool and rebuilds this one (pods restart; the resource stays).`),
    ];
    if (notices.length > 0) lines.push(...notices, '');
    for (const action of ACTIONS) {
      for (const r of s.resources.filter((x) => x.action === action)) {
        lines.push(`- ${r.mayReplace ? 'may replace' : action} \`${r.address}\`${r.attributes.length ? `: ${attributeList(r.attributes)}` : ''}`);
      }
    }
    for (const v of s.versions) lines.push(`- version of ${v.subject}: \`${v.from}\` → \`${v.to}\``);
    for (const v of s.values) lines.push(`- values of release \`${v.release}\`: ${attributeList(v.keys)}`);
    for (const p of s.patches) lines.push(`- patches of \`${p.overlay}\`: ${p.added} added, ${p.removed} removed`);
    lines.push('');
  }
  if (summary.priceNote) lines.push(`<sub>${summary.priceNote}</sub>`, '');
  return lines.join('\n');
}

/** Plain text for terminals. */
export function renderText(summary: Summary): string {
  const lines: string[] = [summary.title, '='.repeat(summary.title.length), ''];
  for (const w of summary.warnings ?? []) lines.push(`! WARNING ${w}`);
  for (const n of summary.notes ?? []) lines.push(`i NOTE ${n}`);
  if (summary.warnings?.length || summary.notes?.length) lines.push('');
  for (const s of summary.stacks) {
    const counts = ACTIONS.map((a) => `${count(s, a)} ${a}`).join(', ');
    lines.push(`${s.stack}${s.stackStatus ? ` (${s.stackStatus})` : ''}: ${hasChanges(s) ? counts : 'no changes'}${s.cost ? `  [cost ${envelope(s.cost)}]` : ''}`);
    for (const w of s.warnings ?? []) lines.push(`  ! WARNING ${w}`);
    for (const n of s.notes ?? []) lines.push(`  i NOTE ${n}`);
    for (const r of s.resources.filter((x) => x.action === 'replace')) lines.push(`  ! ${r.mayReplace ? 'MAY REPLACE' : 'REPLACES'} ${r.address} (${r.replacedBecause.join(', ')})${r.mayReplace ? ': type not in the replacement table' : ''}`);
    for (const r of s.resources.filter((x) => x.rotatedBecause?.length)) lines.push(`  ~ ROTATES ${r.address} (${r.rotatedBecause!.join(', ')}): new nodes through a temporary pool, pods restart`);
    for (const action of ACTIONS) {
      for (const r of s.resources.filter((x) => x.action === action)) lines.push(`  ${(r.mayReplace ? 'replace?' : action).padEnd(7)} ${r.address}${r.attributes.length ? `: ${attributeList(r.attributes)}` : ''}`);
    }
    for (const v of s.versions) lines.push(`  version ${v.subject}: ${v.from} -> ${v.to}`);
    for (const v of s.values) lines.push(`  values  ${v.release}: ${attributeList(v.keys)}`);
    for (const p of s.patches) lines.push(`  patches ${p.overlay}: +${p.added} -${p.removed}`);
  }
  if (summary.priceNote) lines.push('', summary.priceNote);
  return `${lines.join('\n')}\n`;
}
