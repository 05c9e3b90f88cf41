/**
 * `npm run aks:refresh`: refreshes catalog/aks-support.json from Azure for
 * the signed-in subscription (Azure CLI). Needs internet access and `az login`;
 * CI does not run it. Review the diff, then commit it.
 *
 *   npm run aks:refresh -- --location westeurope
 *
 * - Kubernetes minors and patches: `az aks get-versions` (GA minors of the
 *   `KubernetesOfficial` plan). The API has no end-of-support dates: a new
 *   minor is added without them and the command says so; take them from
 *   https://learn.microsoft.com/azure/aks/supported-kubernetes-versions.
 * - GPU families by region: `az vm list-skus --all` (sizes restricted for the
 *   subscription in a region do not count).
 * - Region names: `az account list-locations` (physical regions).
 */
import { execFileSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { AKS_SUPPORT, AksSupportTable, MinorSupport } from '../catalog/aks-support';
import { VM_SIZES } from '../catalog/vm-sizes';
import { runCommand } from './run-command';

/** One entry of `az aks get-versions -o json` (`values[]`). */
export interface KubernetesVersionJson {
  readonly version: string;
  readonly isPreview?: boolean | null;
  readonly capabilities?: { readonly supportPlan?: readonly string[] };
  readonly patchVersions?: Readonly<Record<string, unknown>>;
}

/** One entry of `az vm list-skus -o json`. */
export interface SkuJson {
  readonly name: string;
  readonly locations: readonly string[];
  readonly restrictions?: readonly { readonly type: string; readonly reasonCode?: string; readonly values?: readonly string[] }[];
}

/** Minors and patches from the versions API; dates are kept from the table, new minors reported. */
export function applyVersions(table: AksSupportTable, versions: readonly KubernetesVersionJson[], month: string): { table: AksSupportTable; needDates: string[] } {
  const minors: Record<string, MinorSupport> = { ...table.minors };
  const needDates: string[] = [];
  for (const v of versions) {
    if (v.isPreview || !(v.capabilities?.supportPlan ?? ['KubernetesOfficial']).includes('KubernetesOfficial')) continue;
    const patches = Object.keys(v.patchVersions ?? {}).sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
    const known = minors[v.version];
    if (known) minors[v.version] = { ...known, ga: known.ga ?? month, patches };
    else {
      minors[v.version] = { ga: month, endOfStandardSupport: 'unknown', patches };
      needDates.push(v.version);
    }
  }
  return { table: { ...table, minors }, needDates };
}

/** GPU families by region from the SKU list: a size counts where no Location restriction applies to the subscription. */
export function applySkus(table: AksSupportTable, skus: readonly SkuJson[]): AksSupportTable {
  const families: Record<string, Set<string>> = {};
  for (const sku of skus) {
    const family = VM_SIZES[sku.name]?.gpu?.family;
    if (!family) continue;
    const restricted = new Set((sku.restrictions ?? []).filter((r) => r.type === 'Location').flatMap((r) => r.values ?? []));
    for (const location of sku.locations.map((l) => l.toLowerCase())) {
      if (!restricted.has(location)) (families[family] ??= new Set()).add(location);
    }
  }
  return { ...table, gpuFamilies: Object.fromEntries(Object.entries(families).map(([f, set]) => [f, [...set].sort()])) };
}

function az(args: string[]): unknown {
  return JSON.parse(execFileSync('az', [...args, '--output', 'json'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }));
}

function main(argv: string[]): number {
  if (argv.includes('--help')) {
    process.stdout.write('Usage: npm run aks:refresh -- [--location REGION]\nRefreshes catalog/aks-support.json with the Azure CLI (signed in).\n');
    return 0;
  }
  const i = argv.indexOf('--location');
  const location = i >= 0 ? argv[i + 1] : 'westeurope';
  const today = new Date().toISOString().slice(0, 10);
  const versions = (az(['aks', 'get-versions', '--location', location]) as { values: KubernetesVersionJson[] }).values;
  const { table: withVersions, needDates } = applyVersions(AKS_SUPPORT, versions, today.slice(0, 7));
  const skus = az(['vm', 'list-skus', '--resource-type', 'virtualMachines', '--all']) as SkuJson[];
  const regions = az(['account', 'list-locations', '--query', "[?metadata.regionType=='Physical'].name"]) as string[];
  const zoneRegions = az(['account', 'list-locations', '--query', "[?metadata.regionType=='Physical' && length(availabilityZoneMappings || `[]`) > `0`].name"]) as string[];
  const table: AksSupportTable = {
    ...applySkus(withVersions, skus),
    regions: [...regions].sort(),
    zoneRegions: [...zoneRegions].sort(),
    recorded: today,
    sources: {
      ...AKS_SUPPORT.sources,
      patches: `az aks get-versions --location ${location}, ${today}`,
      regions: `az vm list-skus --all for the signed-in subscription, ${today}`,
      regionNames: `az account list-locations (physical regions), ${today}`,
      zoneRegions: `az account list-locations (physical regions with availabilityZoneMappings), ${today}`,
    },
  };
  writeFileSync(join(__dirname, '..', 'catalog', 'aks-support.json'), `${JSON.stringify(table, null, 2)}\n`);
  console.log(`✓ catalog/aks-support.json refreshed (${Object.keys(table.minors).length} minors, ${table.regions.length} regions)`);
  for (const minor of needDates) console.warn(`! ${minor} is new: add its endOfStandardSupport (and ltsEnd) from the AKS calendar before committing`);
  return 0;
}

if (require.main === module) runCommand(main);
