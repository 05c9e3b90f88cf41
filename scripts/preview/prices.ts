/**
 * Hourly prices of the VM sizes the environments use, for the cost envelope
 * of `npm run preview`. Linux, pay-as-you-go and spot, in USD.
 *
 * Region and date: westeurope, recorded 2026-11-27 by hand from the public
 * Azure list prices (approximate: spot prices move daily). Refresh them with
 * `npm run prices:update` on a machine with internet access (it reads the Azure
 * Retail Prices API and rewrites `price-table.json`).
 */
import table from './price-table.json';

export interface PriceTable {
  readonly region: string;
  /** When the prices were recorded (ISO date). */
  readonly recorded: string;
  readonly currency: 'USD';
  readonly source: string;
  /** AKS control plane per cluster and hour, by SKU tier. */
  readonly controlPlane: Readonly<Record<'Free' | 'Standard' | 'Premium', number>>;
  /** VM size → hourly prices. */
  readonly vms: Readonly<Record<string, { readonly payg: number; readonly spot: number }>>;
}

export const PRICES: PriceTable = table as PriceTable;
