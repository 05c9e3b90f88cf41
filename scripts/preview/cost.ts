import { CostEnvelope } from './model';
import { PRICES, PriceTable, RegionPrices } from '../../catalog/prices';
import { StackJson, resourcesOf } from './synthesized';

interface PoolCount {
  readonly vmSize: string;
  readonly min: number;
  readonly max: number;
  readonly spot: boolean;
}

const TABLE = 'catalog/price-table.json';

/** Hourly cost of one pool at `count` nodes; undefined when its size has no price (and it has nodes). */
function poolCost(prices: RegionPrices, pool: PoolCount, count: number, missing: Set<string>): number | undefined {
  if (count === 0) return 0;
  const entry = prices.vms[pool.vmSize];
  if (!entry) {
    missing.add(pool.vmSize);
    return undefined;
  }
  return count * (pool.spot ? entry.spot : entry.payg);
}

/** Hours in a month, as Azure prices monthly storage. */
const HOURS_PER_MONTH = 730;

/**
 * Hourly cost of the stack's Azure MySQL servers (always on: the same when idle
 * and at full scale): compute and provisioned storage, both twice with a
 * high-availability standby. Undefined when the SKU has no price.
 */
function mysqlCost(resources: Map<string, Record<string, unknown>>, prices: RegionPrices, missing: Set<string>): number | undefined {
  let total = 0;
  for (const [address, server] of resources) {
    if (!address.startsWith('azurerm_mysql_flexible_server.')) continue;
    const sku = String(server.sku_name);
    const compute = prices.mysql?.computePerHour[sku];
    if (compute === undefined || !prices.mysql) {
      missing.add(`MySQL ${sku}`);
      return undefined;
    }
    const copies = server.high_availability ? 2 : 1;
    const storageGb = Number((server.storage as { size_gb?: number } | undefined)?.size_gb ?? 20);
    total += copies * (compute + (storageGb * prices.mysql.storagePerGbMonth) / HOURS_PER_MONTH);
  }
  return total;
}

/**
 * The hourly cost of a cluster stack's compute when idle (every pool at its
 * minimum, GPU pools usually at zero) and at full scale (every pool at its
 * maximum), plus its Azure MySQL server (always on), read from the synthesized
 * JSON, at the prices of the cluster's region. Disks, load balancers, Log
 * Analytics ingestion, egress and usage-priced storage (artifact and backup
 * Storage Accounts, backup instances and snapshots) are not included. A region or VM size without a price makes the figures that need
 * it unknown (undefined) and adds a warning; it never fails.
 */
export function costEnvelope(stack: StackJson, prices: PriceTable = PRICES): { envelope: CostEnvelope; warnings: string[] } | undefined {
  const resources = resourcesOf(stack);
  const clusters = [...resources.entries()].filter(([address]) => address.startsWith('azurerm_kubernetes_cluster.'));
  if (clusters.length === 0) return undefined;
  // One cluster per stack in this project: its region prices the stack.
  const region = String(clusters[0][1].location);
  const regionPrices = prices.regions[region];
  if (!regionPrices) {
    return { envelope: { region }, warnings: [`No prices for region ${region} in ${TABLE}: cost shown as unknown (add them with npm run prices:update -- ${region}).`] };
  }
  let controlPlane = 0;
  const pools: PoolCount[] = [];
  for (const [, cluster] of clusters) {
    const tier = (cluster.sku_tier as keyof RegionPrices['controlPlane'] | undefined) ?? 'Free';
    controlPlane += regionPrices.controlPlane[tier] ?? 0;
    const system = cluster.default_node_pool as Record<string, unknown>;
    pools.push({ vmSize: String(system.vm_size), min: Number(system.min_count ?? system.node_count ?? 1), max: Number(system.max_count ?? system.node_count ?? 1), spot: false });
  }
  for (const [address, pool] of resources) {
    if (!address.startsWith('azurerm_kubernetes_cluster_node_pool.')) continue;
    pools.push({ vmSize: String(pool.vm_size), min: Number(pool.min_count ?? pool.node_count ?? 0), max: Number(pool.max_count ?? pool.node_count ?? 0), spot: pool.priority === 'Spot' });
  }
  const missing = new Set<string>();
  const database = mysqlCost(resources, regionPrices, missing);
  const sum = (pick: (p: PoolCount) => number) => pools.reduce<number | undefined>((total, p) => {
    const cost = poolCost(regionPrices, p, pick(p), missing);
    return total === undefined || cost === undefined ? undefined : total + cost;
  }, database === undefined ? undefined : controlPlane + database);
  const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 100) / 100);
  const envelope: CostEnvelope = { region, idleUsdPerHour: round(sum((p) => p.min)), fullUsdPerHour: round(sum((p) => p.max)) };
  const warnings = [...missing].map((size) => `No price for ${size} in ${region} in ${TABLE}: cost shown as unknown (add it with npm run prices:update -- ${region}).`);
  return { envelope, warnings };
}
