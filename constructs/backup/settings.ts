import { z } from 'zod';
import { HH_MM, bool, integer, object, text } from '../../environments/schema/kit';

/** Azure Backup for AKS of the profile namespaces and their volumes: `dataStores.clusterBackup`. */

const EVERY_HOURS = [4, 6, 8, 12, 24] as const;

export const clusterBackupSettings = object({
  enabled: bool().optional().meta({ description: 'Back up the profile namespaces and their volumes.', defaultText: 'true in staging and prod when there is something to protect, false in dev' }),
  everyHours: z.union(EVERY_HOURS.map((h) => z.literal(h)), { error: 'accepted: the number 4, 6, 8, 12 or 24' }).default(24).meta({ description: 'Hours between backups.', accepts: '4, 6, 8, 12 or 24' }),
  startTimeUtc: text(HH_MM, 'accepted: a 24-hour time "HH:MM" in UTC, e.g. "01:00"').default('01:00').meta({ description: 'Start of the first backup of a day, UTC.' }),
  retentionDays: integer(1, 360).optional().meta({ description: 'Days each backup is kept in the operational tier (snapshots).', defaultText: '14 in prod, 7 elsewhere' }),
  vaultTier: bool().optional().meta({
    description: 'Also keep a daily copy in the vault tier of a geo-redundant Backup vault in a resource group of its own (restorable in the paired region).',
    defaultText: 'true in prod where the region offers it, false elsewhere',
  }),
  vaultTierDays: integer(7, 360).optional().meta({ description: 'Days each daily copy is kept in the vault tier.', defaultText: '35 (prod MySQL\'s point-in-time window)' }),
}).prefault({}).meta({ description: 'Azure Backup for AKS.' });

/** The cluster backup after resolution (present only when on). */
export interface ResolvedClusterBackup {
  readonly everyHours: (typeof EVERY_HOURS)[number];
  readonly startTimeUtc: string;
  readonly retentionDays: number;
  /** The daily copy in the vault tier, when on. */
  readonly vaultTier?: { readonly retentionDays: number };
  /** Replication of the extension's Storage Account (it holds the backed-up objects): geo-redundant in prod. */
  readonly storageReplication: 'LRS' | 'GRS' | 'GZRS';
}
