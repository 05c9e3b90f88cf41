/**
 * `npm run prices:update`: refreshes scripts/preview/price-table.json from the
 * Azure Retail Prices API (public, no sign-in) for every VM size of
 * environments/vm-sizes.ts. Needs internet access; CI does not run it.
 *
 *   npm run prices:update -- --region westeurope
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { VM_SIZES } from '../environments/vm-sizes';
import { PRICES, PriceTable } from './preview/prices';

interface RetailPrice {
  readonly retailPrice: number;
  readonly meterName: string;
  readonly productName: string;
  readonly type: string;
  readonly unitOfMeasure: string;
}

async function pricesFor(region: string, size: string): Promise<{ payg: number; spot: number }> {
  const filter = `serviceName eq 'Virtual Machines' and armRegionName eq '${region}' and armSkuName eq '${size}' and priceType eq 'Consumption'`;
  const url = `https://prices.azure.com/api/retail/prices?$filter=${encodeURIComponent(filter)}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${size}: the price API answered ${response.status}`);
  const items = ((await response.json()) as { Items: RetailPrice[] }).Items
    .filter((i) => i.unitOfMeasure === '1 Hour' && !i.productName.includes('Windows') && !i.meterName.includes('Low Priority'));
  const spot = items.find((i) => i.meterName.includes('Spot'));
  const payg = items.find((i) => !i.meterName.includes('Spot'));
  if (!payg || !spot) throw new Error(`${size}: no Linux pay-as-you-go and spot price in ${region}`);
  return { payg: payg.retailPrice, spot: spot.retailPrice };
}

async function main(): Promise<void> {
  const index = process.argv.indexOf('--region');
  const region = index >= 0 ? process.argv[index + 1] : PRICES.region;
  const vms: Record<string, { payg: number; spot: number }> = {};
  for (const size of Object.keys(VM_SIZES)) {
    vms[size] = await pricesFor(region, size);
    console.log(`${size}: ${vms[size].payg} / spot ${vms[size].spot}`);
  }
  const table: PriceTable = {
    region,
    recorded: new Date().toISOString().slice(0, 10),
    currency: 'USD',
    source: 'Azure Retail Prices API, Linux, Consumption',
    controlPlane: PRICES.controlPlane,
    vms,
  };
  writeFileSync(join(__dirname, 'preview', 'price-table.json'), `${JSON.stringify(table, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
