/**
 * The platform's install order as data: each node names the nodes it comes
 * after. `orderFeatures` turns the declared list into a build order (a
 * topological sort that keeps the list's order wherever the graph allows, so
 * the synthesized JSON is stable) and refuses unknown names and cycles.
 */

/** One node of the release graph. */
export interface GraphNode {
  readonly name: string;
  /** Nodes this one is installed after; a name that is not installed in an environment orders nothing. */
  readonly after: readonly string[];
}

/** Thrown for a release graph that cannot be ordered: names the node and what is wrong. */
export class ReleaseGraphError extends Error {
  constructor(message: string) {
    super(`release graph: ${message}`);
    this.name = 'ReleaseGraphError';
  }
}

/** The nodes in build order. Throws a `ReleaseGraphError` on a duplicate, an unknown `after` name or a cycle. */
export function orderFeatures<T extends GraphNode>(nodes: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const node of nodes) {
    if (byName.has(node.name)) throw new ReleaseGraphError(`"${node.name}" is declared twice`);
    byName.set(node.name, node);
  }
  for (const node of nodes) {
    for (const before of node.after) {
      if (before === node.name) throw new ReleaseGraphError(`"${node.name}" lists itself in after`);
      if (!byName.has(before)) {
        throw new ReleaseGraphError(`"${node.name}" comes after "${before}", which is not a feature; known: ${[...byName.keys()].join(', ')}`);
      }
    }
  }
  const done = new Set<string>();
  const ordered: T[] = [];
  while (ordered.length < nodes.length) {
    // The first node in list order whose predecessors are all placed: stable and deterministic.
    const next = nodes.find((n) => !done.has(n.name) && n.after.every((a) => done.has(a)));
    if (!next) throw new ReleaseGraphError(`cycle: ${describeCycle(nodes.filter((n) => !done.has(n.name)))}`);
    done.add(next.name);
    ordered.push(next);
  }
  return ordered;
}

/** One cycle among the nodes left, as `a → b → a`. */
function describeCycle(left: readonly GraphNode[]): string {
  const byName = new Map(left.map((n) => [n.name, n]));
  const path: string[] = [];
  let current: GraphNode | undefined = left[0];
  while (current && !path.includes(current.name)) {
    path.push(current.name);
    current = current.after.map((a) => byName.get(a)).find((n) => n !== undefined);
  }
  if (!current) return path.join(' → ');
  return [...path.slice(path.indexOf(current.name)), current.name].join(' → ');
}

/** Every node reachable through `after` from `name` (its transitive prerequisites). */
export function transitiveAfter(nodes: readonly GraphNode[], name: string): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const seen = new Set<string>();
  const stack = [...(byName.get(name)?.after ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byName.get(next)?.after ?? []));
  }
  return seen;
}
