import { costEnvelope } from './cost';
import { environmentOf, removedStacksWarning, stackWarnings } from './destructive';
import { PRICES } from '../../catalog/prices';
import { forcesReplacement, knownType, rotatesPool } from './replacement';
import { ResourceChange, StackSummary, Summary, VersionChange } from './model';
import { StackJson, changedPaths, flatten, resourcesOf } from './synthesized';
import { DataLossCheck, volumeFindings } from './volumes';

function typeOf(address: string): string {
  return address.replace(/^data\./, '').split('.')[0];
}

/** A flattened leaf back to its value; an absent leaf is undefined. */
function parsed(leaf: string | undefined): unknown {
  return leaf === undefined ? undefined : JSON.parse(leaf);
}

function resourceChanges(before: StackJson | undefined, after: StackJson | undefined): ResourceChange[] {
  const a = resourcesOf(before);
  const b = resourcesOf(after);
  const changes: ResourceChange[] = [];
  for (const address of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const old = a.get(address);
    const now = b.get(address);
    if (!old) changes.push({ address, action: 'create', attributes: [], replacedBecause: [] });
    else if (!now) changes.push({ address, action: 'delete', attributes: [], replacedBecause: [] });
    else {
      // depends_on orders the apply; it changes nothing in the resource.
      const paths = changedPaths(old, now).filter((p) => !p.startsWith('depends_on'));
      if (paths.length === 0) continue;
      const type = typeOf(address);
      // A type the replacement table does not know may be replaced by any change: never call it an update.
      if (!knownType(type)) {
        changes.push({ address, action: 'replace', attributes: paths, replacedBecause: paths, mayReplace: true });
        continue;
      }
      const [valuesBefore, valuesAfter] = [flatten(old), flatten(now)];
      const replacedBecause = paths.filter((p) => forcesReplacement(type, p, { before: parsed(valuesBefore.get(p)), after: parsed(valuesAfter.get(p)), bodyBefore: old }));
      const rotatedBecause = replacedBecause.length > 0 ? [] : paths.filter((p) => rotatesPool(type, p));
      changes.push({
        address,
        action: replacedBecause.length > 0 ? 'replace' : 'update',
        attributes: [...replacedBecause, ...paths.filter((p) => !replacedBecause.includes(p))],
        replacedBecause,
        ...(rotatedBecause.length > 0 ? { rotatedBecause } : {}),
      });
    }
  }
  return changes;
}

function releasesByName(stack: StackJson | undefined): Map<string, Record<string, unknown>> {
  const map = new Map<string, Record<string, unknown>>();
  for (const [, body] of resourcesOf(stack)) {
    if (typeof body.name === 'string' && 'chart' in body) map.set(body.name, body);
  }
  return map;
}

function parseValues(release: Record<string, unknown> | undefined): unknown {
  const raw = (release?.values as string[] | undefined)?.[0];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return { '(rendered upstream objects)': raw };
  }
}

function releaseChanges(before: StackJson | undefined, after: StackJson | undefined): { versions: VersionChange[]; values: { release: string; keys: string[] }[] } {
  const a = releasesByName(before);
  const b = releasesByName(after);
  const versions: VersionChange[] = [];
  const values: { release: string; keys: string[] }[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const old = a.get(name);
    const now = b.get(name);
    if (!old || !now) continue;
    // Published charts install from the verified upstream work folder: the package name carries chart and version.
    const local = (chart: string) => /\/\.cache\/upstream-work\/charts\/(.+)\.tgz$/.exec(chart)?.[1];
    const pin = (r: Record<string, unknown>) => local(String(r.chart)) ?? `${r.repository ? `${String(r.repository)} ` : ''}${String(r.chart)}${r.version ? `@${String(r.version)}` : ''}`;
    // Local chart paths embed a content hash: a change there is the bundle chart itself.
    if (pin(old) !== pin(now)) versions.push({ subject: `release ${name}`, from: pin(old), to: pin(now) });
    const keys = changedPaths(parseValues(old), parseValues(now));
    if (keys.length > 0) values.push({ release: name, keys });
  }
  return { versions, values };
}

function overlayChanges(before: StackJson | undefined, after: StackJson | undefined): { versions: VersionChange[]; patches: { overlay: string; added: number; removed: number }[] } {
  const a = resourcesOf(before, 'data');
  const b = resourcesOf(after, 'data');
  const versions: VersionChange[] = [];
  const patches: { overlay: string; added: number; removed: number }[] = [];
  for (const address of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (!address.startsWith('data.kustomization_overlay.')) continue;
    const old = a.get(address);
    const now = b.get(address);
    if (!old || !now) continue;
    // Overlays render from verified trees: their locked checksums (one precondition per tree read, e.g. Pipelines and Argo) are the pin.
    const treePin = (o: Record<string, unknown>) => [...JSON.stringify((o.lifecycle as unknown) ?? '').matchAll(/== \\?"([0-9a-f]{64})\\?"/g)].map((m) => m[1].slice(0, 12)).join(', ');
    const refs = (o: Record<string, unknown>) => ((o.resources as string[] | undefined) ?? []).map((r) => r.replace(/^.*\/\.cache\/upstream-work\/trees\//, '')).join(', ') + (treePin(o) ? ` (tree digest ${treePin(o)})` : '');
    if (refs(old) !== refs(now)) versions.push({ subject: address, from: refs(old), to: refs(now) });
    const items = (o: Record<string, unknown>) => [
      ...((o.patches as unknown[] | undefined) ?? []),
      ...((o.config_map_generator as unknown[] | undefined) ?? []),
      ...((o.secret_generator as unknown[] | undefined) ?? []),
      ...((o.images as unknown[] | undefined) ?? []),
    ].map((x) => JSON.stringify(x));
    const oldItems = items(old);
    const newItems = items(now);
    const added = newItems.filter((x) => !oldItems.includes(x)).length;
    const removed = oldItems.filter((x) => !newItems.includes(x)).length;
    if (added > 0 || removed > 0) patches.push({ overlay: address, added, removed });
  }
  return { versions, patches };
}

/** Environments all of whose stacks are gone, with those stacks. */
function removedEnvironments(before: Record<string, StackJson>, after: Record<string, StackJson>): Map<string, Record<string, StackJson>> {
  const removed = new Map<string, Record<string, StackJson>>();
  const alive = new Set(Object.keys(after).map(environmentOf));
  for (const [name, stack] of Object.entries(before)) {
    const env = environmentOf(name);
    if (!alive.has(env)) removed.set(env, { ...removed.get(env), [name]: stack });
  }
  return removed;
}

/** ⚠️ lines of one stack. A removed environment has one line for all its stacks; a stack removed on its own gets its own. */
function warningsOf(name: string, old: StackJson | undefined, now: StackJson | undefined, resources: ResourceChange[], goneEnvironments: Map<string, unknown>): string[] {
  if (old && now) return stackWarnings(resources, old, now);
  if (old && !goneEnvironments.has(environmentOf(name))) return [removedStacksWarning(`Stack \`${name}\``, { [name]: old })];
  return [];
}

/** The Kubernetes version of an environment's cluster (its `-cluster` stack), for rendering its releases. */
function kubernetesVersionOf(stacks: Record<string, StackJson>, stack: string): string | undefined {
  for (const [address, body] of resourcesOf(stacks[`${environmentOf(stack)}-cluster`])) {
    if (address.startsWith('azurerm_kubernetes_cluster.') && typeof body.kubernetes_version === 'string') return body.kubernetes_version;
  }
  return undefined;
}

/**
 * What changes between two sets of synthesized stacks, stack by stack. With a
 * data-loss check, the releases uninstalled or upgraded are rendered and the
 * PersistentVolumeClaims they delete are flagged (scripts/preview/volumes.ts).
 */
export function summarize(before: Record<string, StackJson>, after: Record<string, StackJson>, title: string, dataLoss?: DataLossCheck): Summary {
  const stacks: StackSummary[] = [];
  const warnings = new Set<string>();
  const notes: string[] = [];
  if (dataLoss?.unavailable) {
    notes.push(`PersistentVolumeClaims of releases uninstalled or upgraded were not checked (${dataLoss.unavailable}): a component turned off may delete its volumes without a warning here. Install the render tools and \`npm run upstream -- prepare\` to check them.`);
  }
  const goneEnvironments = removedEnvironments(before, after);
  for (const [env, envStacks] of goneEnvironments) warnings.add(removedStacksWarning(`Environment \`${env}\``, envStacks));
  const regions = new Set<string>();
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const old = before[name];
    const now = after[name];
    const resources = resourceChanges(old, now);
    const releases = releaseChanges(old, now);
    const overlays = overlayChanges(old, now);
    const costs = [old, now].map((s) => (s ? costEnvelope(s) : undefined));
    for (const c of costs) {
      if (c) regions.add(c.envelope.region);
      for (const w of c?.warnings ?? []) warnings.add(w);
    }
    const [beforeCost, afterCost] = costs.map((c) => c?.envelope);
    const stackLevel = warningsOf(name, old, now, resources, goneEnvironments);
    const volumes = old && now && dataLoss?.render
      ? volumeFindings(old, now, dataLoss.render, { before: kubernetesVersionOf(before, name), after: kubernetesVersionOf(after, name) })
      : { warnings: [], notes: [] };
    stackLevel.push(...volumes.warnings);
    stacks.push({
      stack: name,
      resources,
      versions: [...releases.versions, ...overlays.versions],
      values: releases.values,
      patches: overlays.patches,
      ...(stackLevel.length > 0 ? { warnings: stackLevel } : {}),
      ...(volumes.notes.length > 0 ? { notes: volumes.notes } : {}),
      ...(beforeCost || afterCost ? { cost: { before: beforeCost, after: afterCost } } : {}),
      ...(!old ? { stackStatus: 'added' as const } : !now ? { stackStatus: 'removed' as const } : {}),
    });
  }
  const priced = [...regions].sort().filter((r) => PRICES.regions[r]).map((r) => `${r} recorded ${PRICES.regions[r].recorded} (${PRICES.regions[r].source})`);
  return {
    title,
    stacks,
    ...(warnings.size > 0 ? { warnings: [...warnings] } : {}),
    ...(notes.length > 0 ? { notes } : {}),
    ...(regions.size > 0 ? { priceNote: `Prices: ${priced.length > 0 ? priced.join('; ') : 'none for these regions'}; ${PRICES.currency}/hour, compute and control plane only, each cluster at its region's prices.` } : {}),
  };
}
