/**
 * `npm run prices:update -- <region>...`: records the hourly prices of every
 * VM size of catalog/vm-sizes.ts in the given Azure regions, from the
 * Azure Retail Prices API (public, no sign-in), into
 * catalog/price-table.json. Other regions of the table stay as they
 * are. Needs internet access; CI does not run it.
 *
 *   npm run prices:update -- westeurope swedencentral
 *   npm run prices:update                          # refresh every region of the table
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { VM_SIZES } from '../catalog/vm-sizes';
import { PRICES, PriceTable, RegionPrices } from '../catalog/prices';

const USAGE = `usage: prices:update [<region>...]

Records Linux pay-as-you-go and spot prices of every VM size of
catalog/vm-sizes.ts for each region (Azure names: westeurope, eastus2, …)
from the Azure Retail Prices API into catalog/price-table.json, dated
today. Without regions, refreshes those already in the table. A size without a
price in a region is left out (the preview shows its cost as unknown).
`;

interface RetailPrice {
  readonly retailPrice: number;
  readonly meterName: string;
  readonly productName: string;
  readonly type: string;
  readonly unitOfMeasure: string;
}

async function pricesFor(region: string, size: string): Promise<{ payg: number; spot: number } | undefined> {
  const filter = `serviceName eq 'Virtual Machines' and armRegionName eq '${region}' and armSkuName eq '${size}' and priceType eq 'Consumption'`;
  const url = `https://prices.azure.com/api/retail/prices?$filter=${encodeURIComponent(filter)}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${size} in ${region}: the price API answered ${response.status}`);
  const items = ((await response.json()) as { Items: RetailPrice[] }).Items
    .filter((i) => i.unitOfMeasure === '1 Hour' && !i.productName.includes('Windows') && !i.meterName.includes('Low Priority'));
  const spot = items.find((i) => i.meterName.includes('Spot'));
  const payg = items.find((i) => !i.meterName.includes('Spot'));
  return payg && spot ? { payg: payg.retailPrice, spot: spot.retailPrice } : undefined;
}

async function regionPrices(region: string): Promise<RegionPrices> {
  const vms: Record<string, { payg: number; spot: number }> = {};
  for (const size of Object.keys(VM_SIZES)) {
    const price = await pricesFor(region, size);
    if (price) vms[size] = price;
    console.log(price ? `${region} ${size}: ${price.payg} / spot ${price.spot}` : `${region} ${size}: no Linux pay-as-you-go and spot price: left out`);
  }
  if (Object.keys(vms).length === 0) throw new Error(`no price at all in ${region}: is it an Azure region name (az account list-locations)?`);
  return {
    recorded: new Date().toISOString().slice(0, 10),
    source: 'Azure Retail Prices API, Linux, Consumption; AKS tier fees kept from the table',
    // This script reads VM prices only: the AKS tier fees stay as recorded (a new region takes the first region's).
    controlPlane: (PRICES.regions[region] ?? Object.values(PRICES.regions)[0]).controlPlane,
    vms,
    // MySQL prices are entered by hand (the API prices them per vCore and series); a refresh keeps them.
    ...(PRICES.regions[region]?.mysql ? { mysql: PRICES.regions[region].mysql } : {}),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const regions = argv.length > 0 ? argv : Object.keys(PRICES.regions);
  const bad = regions.find((r) => !/^[a-z0-9]+$/.test(r));
  if (bad) throw new Error(`"${bad}" is not an Azure region name (lowercase letters and digits, e.g. westeurope)\n${USAGE}`);
  const updated: Record<string, RegionPrices> = { ...PRICES.regions };
  for (const region of regions) updated[region] = await regionPrices(region);
  const table: PriceTable = {
    currency: 'USD',
    regions: Object.fromEntries(Object.entries(updated).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(join(__dirname, '..', 'catalog', 'price-table.json'), `${JSON.stringify(table, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
