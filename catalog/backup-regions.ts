/**
 * Where Azure Backup for AKS can keep a copy in the vault tier, and so restore
 * in the paired region (cross-region restore). From the support matrix
 * https://learn.microsoft.com/azure/backup/azure-kubernetes-service-cluster-backup-support-matrix
 * (read 2026-12-06 from the stored copy: "both Vault and Operational (Snapshot)
 * tiers"; China, US Gov, Israel Central, Poland Central and Spain Central are
 * operational only). Azure location names.
 */
export const AKS_VAULT_TIER_REGIONS: readonly string[] = [
  'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'brazilsouth', 'brazilsoutheast',
  'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2', 'francecentral',
  'francesouth', 'germanynorth', 'germanywestcentral', 'italynorth', 'japaneast', 'japanwest', 'jioindiawest',
  'koreacentral', 'koreasouth', 'northcentralus', 'northeurope', 'norwayeast', 'norwaywest', 'southafricanorth',
  'southafricawest', 'southcentralus', 'southindia', 'southeastasia', 'swedencentral', 'switzerlandnorth',
  'switzerlandwest', 'uaenorth', 'uksouth', 'ukwest', 'westcentralus', 'westeurope', 'westus', 'westus2', 'westus3',
];

/**
 * Regions of that list without a paired region: a geo-redundant vault, and so
 * cross-region restore, needs one (Azure's cross-region replication page lists
 * Italy North among the regions with no pair).
 */
export const REGIONS_WITHOUT_PAIR: readonly string[] = ['italynorth'];
