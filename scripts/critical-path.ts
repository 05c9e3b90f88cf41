/**
 * The deploy critical path of a platform stack: the longest chain of Helm
 * releases that wait on each other (through `depends_on`, also across
 * non-release resources such as namespaces). Each release on the chain is one
 * level: releases of the same level install in parallel.
 *
 *   npx tsx scripts/critical-path.ts cdktf.out/stacks/dev-platform/cdk.tf.json
 */
import { readFileSync } from 'fs';

interface StackJson {
  readonly resource?: Record<string, Record<string, { depends_on?: string[]; name?: string }>>;
}

export interface CriticalPath {
  /** Number of releases on the longest chain. */
  readonly levels: number;
  /** Release names along the chain, first to last. */
  readonly chain: readonly string[];
}

export function criticalPath(stack: StackJson): CriticalPath {
  const nodes = new Map<string, { deps: string[]; release?: string }>();
  for (const [type, byId] of Object.entries(stack.resource ?? {})) {
    for (const [id, resource] of Object.entries(byId)) {
      nodes.set(`${type}.${id}`, { deps: resource.depends_on ?? [], release: type === 'helm_release' ? resource.name : undefined });
    }
  }
  const memo = new Map<string, string[]>();
  const visiting = new Set<string>();
  const longest = (address: string): string[] => {
    const cached = memo.get(address);
    if (cached) return cached;
    if (visiting.has(address)) throw new Error(`dependency cycle through ${address}`);
    visiting.add(address);
    const node = nodes.get(address);
    let best: string[] = [];
    for (const dep of node?.deps ?? []) {
      const chain = longest(dep);
      if (chain.length > best.length) best = chain;
    }
    visiting.delete(address);
    const result = node?.release ? [...best, node.release] : best;
    memo.set(address, result);
    return result;
  };
  let chain: string[] = [];
  for (const address of nodes.keys()) {
    const c = longest(address);
    if (c.length > chain.length) chain = c;
  }
  return { levels: chain.length, chain };
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0 || files.includes('--help') || files.includes('-h')) {
    process.stdout.write('usage: critical-path <cdk.tf.json>...\n\nThe longest chain of Helm releases that wait on each other in a platform stack:\neach release on it is one level; releases of the same level install in parallel.\n');
    process.exit(files.length === 0 ? 2 : 0);
  }
  for (const file of files) {
    const result = criticalPath(JSON.parse(readFileSync(file, 'utf8')) as StackJson);
    console.log(`${file}: ${result.levels} level(s): ${result.chain.join(' -> ')}`);
  }
}
