/**
 * Hourly prices of the VM sizes the environments use, per Azure region, for
 * the cost envelope of `npm run preview`. Linux, pay-as-you-go and spot, in
 * USD. Each region carries the date its prices were recorded and where they
 * come from; a region or size that is not in the table is priced "unknown".
 *
 * Recorded so far: westeurope, 2026-11-27, by hand from the public Azure list
 * prices (approximate: spot prices move daily). Add or refresh regions with
 * `npm run prices:update -- <region>...` on a machine with internet access (it
 * reads the Azure Retail Prices API and rewrites `price-table.json`).
 */
import table from './price-table.json';

export interface RegionPrices {
  /** When the prices were recorded (ISO date). */
  readonly recorded: string;
  readonly source: string;
  /** AKS control plane per cluster and hour, by SKU tier. */
  readonly controlPlane: Readonly<Record<'Free' | 'Standard' | 'Premium', number>>;
  /** VM size → hourly prices. */
  readonly vms: Readonly<Record<string, { readonly payg: number; readonly spot: number }>>;
  /** Azure Database for MySQL Flexible Server: compute per hour by SKU, provisioned storage per GiB and month. */
  readonly mysql?: {
    readonly source: string;
    readonly computePerHour: Readonly<Record<string, number>>;
    readonly storagePerGbMonth: number;
  };
}

export interface PriceTable {
  readonly currency: 'USD';
  /** Azure region name (`westeurope`) → its prices. */
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

export const PRICES: PriceTable = table as PriceTable;
