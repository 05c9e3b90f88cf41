import { createHash } from 'crypto';

/**
 * Azure resource names, following the Cloud Adoption Framework abbreviations
 * (`rg-`, `vnet-`, `aks-`, ...). Names are part of each resource's identity:
 * changing one here replaces the resource.
 * @see https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations
 */
export function resourceName(abbreviation: string, environment: string): string {
  return `${abbreviation}-kubeflow-${environment}`;
}

/**
 * A globally unique name for services that need one (Key Vault: 3 to 24
 * alphanumerics and hyphens), stable for a given environment and seed.
 */
export function globalName(abbreviation: string, environment: string, seed: string, maxLength = 24): string {
  const suffix = createHash('sha256').update(`${environment}/${seed}`).digest('hex').slice(0, 6);
  return `${abbreviation}-kf-${environment}-${suffix}`.slice(0, maxLength);
}

/**
 * A globally unique Storage Account name (3 to 24 lowercase letters and digits),
 * stable for a given purpose, environment and seed.
 */
export function storageAccountName(purpose: string, environment: string, seed: string): string {
  const suffix = createHash('sha256').update(`${purpose}/${environment}/${seed}`).digest('hex').slice(0, 6);
  return `st${purpose}${environment}${suffix}`.replace(/[^a-z0-9]/g, '').slice(0, 24);
}
