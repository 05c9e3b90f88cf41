import { CostEnvelope } from './model';
import { PRICES, PriceTable } from './prices';
import { StackJson, resourcesOf } from './synthesized';

interface PoolCount {
  readonly vmSize: string;
  readonly min: number;
  readonly max: number;
  readonly spot: boolean;
}

function vmPrice(prices: PriceTable, vmSize: string, spot: boolean): number {
  const entry = prices.vms[vmSize];
  if (!entry) throw new Error(`no price for ${vmSize} in scripts/preview/price-table.json: add it (region ${prices.region})`);
  return spot ? entry.spot : entry.payg;
}

/**
 * The hourly cost of a cluster stack's compute when idle (every pool at its
 * minimum, GPU pools usually at zero) and at full scale (every pool at its
 * maximum), read from the synthesized JSON. Disks, load balancers, Log
 * Analytics ingestion and egress are not included.
 */
export function costEnvelope(stack: StackJson, prices: PriceTable = PRICES): CostEnvelope | undefined {
  const resources = resourcesOf(stack);
  const clusters = [...resources.entries()].filter(([address]) => address.startsWith('azurerm_kubernetes_cluster.'));
  if (clusters.length === 0) return undefined;
  let controlPlane = 0;
  const pools: PoolCount[] = [];
  for (const [, cluster] of clusters) {
    const tier = (cluster.sku_tier as keyof PriceTable['controlPlane'] | undefined) ?? 'Free';
    controlPlane += prices.controlPlane[tier] ?? 0;
    const system = cluster.default_node_pool as Record<string, unknown>;
    pools.push({ vmSize: String(system.vm_size), min: Number(system.min_count ?? system.node_count ?? 1), max: Number(system.max_count ?? system.node_count ?? 1), spot: false });
  }
  for (const [address, pool] of resources) {
    if (!address.startsWith('azurerm_kubernetes_cluster_node_pool.')) continue;
    pools.push({ vmSize: String(pool.vm_size), min: Number(pool.min_count ?? pool.node_count ?? 0), max: Number(pool.max_count ?? pool.node_count ?? 0), spot: pool.priority === 'Spot' });
  }
  const sum = (pick: (p: PoolCount) => number) => pools.reduce((total, p) => total + pick(p) * vmPrice(prices, p.vmSize, p.spot), controlPlane);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { idleUsdPerHour: round(sum((p) => p.min)), fullUsdPerHour: round(sum((p) => p.max)) };
}
