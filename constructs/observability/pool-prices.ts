import { PRICES, PriceTable } from '../../catalog/prices';

/** A GPU pool's hourly node price in a region, from the preview's price table (`catalog/price-table.json`). */
export interface PoolPrice {
  /** USD per node and hour; undefined when the table has no price for the region or size. */
  readonly nodeUsdPerHour?: number;
  /** Where the figure comes from, e.g. `price table westeurope 2026-11-27`. */
  readonly source: string;
}

/** The same lookup as the preview's cost envelope: pay-as-you-go or spot price of the size in the region, or unknown. */
export function poolPrice(region: string, vmSize: string, spot: boolean, prices: PriceTable = PRICES): PoolPrice {
  const regionPrices = prices.regions[region];
  if (!regionPrices) return { source: `no prices for ${region} in the price table` };
  const entry = regionPrices.vms[vmSize];
  return { nodeUsdPerHour: entry ? (spot ? entry.spot : entry.payg) : undefined, source: `price table ${region} ${regionPrices.recorded}` };
}
