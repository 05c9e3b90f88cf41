import table from './aks-support.json';
import { vmSizeFacts } from './vm-sizes';

/**
 * What AKS supports, as data: Kubernetes minors with their GA and end-of-support
 * dates, the patches known, the public regions and where each GPU size family
 * is sold. Dated and sourced in `aks-support.json`; `npm run aks:refresh`
 * updates it where the Azure CLI is signed in.
 */
export interface MinorSupport {
  /** GA month (`YYYY-MM`); null while AKS has only announced it. */
  readonly ga: string | null;
  readonly plannedGa?: string;
  /** Last day of standard support (`YYYY-MM-DD`, or `YYYY-MM` = the first day of that month). */
  readonly endOfStandardSupport: string;
  /** End of long-term support (Premium tier). */
  readonly ltsEnd?: string;
  readonly patches: readonly string[];
}

export interface AksSupportTable {
  readonly recorded: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly minors: Readonly<Record<string, MinorSupport>>;
  readonly gpuFamilies: Readonly<Record<string, readonly string[]>>;
  readonly regions: readonly string[];
  /** Regions with availability zones. */
  readonly zoneRegions: readonly string[];
}

export const AKS_SUPPORT: AksSupportTable = table as AksSupportTable;

/** Days before the end of support from which synth warns. */
export const SUPPORT_WARNING_DAYS = 60;

/** A table date as a UTC day: `YYYY-MM` is the first day of the month. */
export function tableDate(value: string): Date {
  return new Date(`${/^\d{4}-\d{2}$/.test(value) ? `${value}-01` : value}T00:00:00Z`);
}

const DAY = 24 * 3600 * 1000;

export type MinorStatus =
  | { readonly kind: 'supported'; readonly endOfSupport: Date; readonly daysLeft: number; readonly lts: boolean }
  | { readonly kind: 'unknown' | 'not-ga' | 'ended'; readonly reason: string };

/**
 * Whether a cluster may be created on a minor on `today`: GA and before its end
 * of standard support, or (Premium tier) before the end of its LTS.
 */
export function minorStatus(minor: string, today: Date, premium: boolean, data: AksSupportTable = AKS_SUPPORT): MinorStatus {
  const entry = data.minors[minor];
  if (!entry) return { kind: 'unknown', reason: `AKS has no Kubernetes ${minor} in the support table (recorded ${data.recorded})` };
  if (!entry.ga) return { kind: 'not-ga', reason: `Kubernetes ${minor} is not GA on AKS yet${entry.plannedGa ? ` (planned ${entry.plannedGa})` : ''}` };
  const standardEnd = tableDate(entry.endOfStandardSupport);
  if (today < standardEnd) return { kind: 'supported', endOfSupport: standardEnd, daysLeft: Math.floor((standardEnd.getTime() - today.getTime()) / DAY), lts: false };
  if (premium && entry.ltsEnd && today < tableDate(entry.ltsEnd)) {
    const ltsEnd = tableDate(entry.ltsEnd);
    return { kind: 'supported', endOfSupport: ltsEnd, daysLeft: Math.floor((ltsEnd.getTime() - today.getTime()) / DAY), lts: true };
  }
  return { kind: 'ended', reason: `standard support of Kubernetes ${minor} on AKS ended ${entry.endOfStandardSupport}${entry.ltsEnd ? ` (LTS, Premium tier only, until ${entry.ltsEnd})` : ''}` };
}

/** Minors a new cluster may use on `today` in the Standard/Free tiers, oldest first. */
export function supportedMinors(today: Date, premium = false, data: AksSupportTable = AKS_SUPPORT): string[] {
  return Object.keys(data.minors)
    .filter((m) => minorStatus(m, today, premium, data).kind === 'supported')
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

/** Regions where a GPU size is sold (by its family), or undefined for sizes without a family. */
export function gpuRegions(vmSize: string, data: AksSupportTable = AKS_SUPPORT): readonly string[] | undefined {
  const family = vmSizeFacts(vmSize)?.gpu?.family;
  return family ? data.gpuFamilies[family] ?? [] : undefined;
}
