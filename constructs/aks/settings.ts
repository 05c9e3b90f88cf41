import { z } from 'zod';
import { bool, forbidden, guidList, integer, object, oneOf, publicRanges, text, variants, zoneList } from '../../environments/schema/kit';

/** The AKS cluster's settings: version, tier, API access, admins, zones, maintenance, upgrades, security. */

/** The form of a version; the AKS support table decides which are current (rule `kubernetes-version`). */
export const KUBERNETES_VERSION = /^(1\.\d{1,2})(?:\.(\d{1,3}))?$/;

export const aksSettings = {
  // Any value reaches the rule `kubernetes-version`, whose message lists the minors AKS supports on the day.
  kubernetesVersion: z.custom<string>((v) => v !== undefined, { error: 'required: a version "1.MINOR" or "1.MINOR.PATCH" of a minor AKS supports (catalog/aks-support.json)' }).meta({
    description: 'Kubernetes version `MAJOR.MINOR` (patches follow the upgrade channel) or `MAJOR.MINOR.PATCH`; a minor AKS supports today (catalog/aks-support.json).',
    accepts: '"1.MINOR" or "1.MINOR.PATCH" of a supported AKS minor',
    typeText: 'text',
  }),
  skuTier: oneOf(['Free', 'Standard', 'Premium']).meta({ description: 'Control-plane tier. `Free` is refused in prod.' }),
  apiAccess: variants('mode', [
    object({
      mode: z.literal('private'),
      authorizedIpRanges: forbidden('a private cluster has no public endpoint: remove authorizedIpRanges'),
    }).meta({ description: 'Private cluster: the API server has only a private endpoint in the virtual network.' }),
    object({
      mode: z.literal('public'),
      authorizedIpRanges: publicRanges(1, 200).meta({ description: 'Public IPv4 addresses or ranges that may reach the API server.' }),
    }).meta({ description: 'Public endpoint restricted to the given ranges. Refused in prod.' }),
  ]).meta({ description: 'How the API server is reached: `{ mode: \'private\' }` or `{ mode: \'public\', authorizedIpRanges }`.' }),
  adminGroupObjectIds: guidList('accepted: an Entra ID group object id (GUID)')
    .refine((ids) => ids.length > 0, { error: 'at least one Entra ID group object id: with local accounts disabled nobody could administer the cluster' })
    .meta({ description: 'Object ids of Entra ID groups that get cluster-admin through Azure RBAC. At least one.' }),
  zones: zoneList().default([]).meta({ description: 'Zones of the system and CPU pools; empty means regional. At least 2 in prod.' }),
  maintenance: object({
    dayOfWeek: oneOf(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']).default('Sunday').meta({ description: 'Day of the weekly window for cluster and node OS upgrades.' }),
    startTimeUtc: text(/^([01]\d|2[0-3]):[0-5]\d$/, 'accepted: a 24-hour time "HH:MM" in UTC, e.g. "02:00"').default('02:00').meta({ description: 'Start of the window, UTC.' }),
    durationHours: integer(4, 24).default(4).meta({ description: 'Window length in hours (the AKS minimum is 4).' }),
  }).prefault({}).meta({ description: 'The weekly maintenance window.' }),
  upgrades: object({
    channel: oneOf(['patch', 'stable', 'rapid', 'node-image']).default('patch').meta({ description: 'AKS automatic upgrade channel.' }),
    nodeOsChannel: oneOf(['NodeImage', 'SecurityPatch']).default('NodeImage').meta({ description: 'Node OS image upgrade channel; `node-image` needs `NodeImage`.' }),
  }).prefault({}).meta({ description: 'Automatic upgrades.' }),
  security: object({
    diskEncryption: oneOf(['platform', 'customer-managed']).optional().meta({
      description: 'OS and data disk encryption: platform-managed keys, or a customer-managed key in a Key Vault of this stack. Prod needs `customer-managed`.',
      defaultText: '`\'customer-managed\'` in prod, `\'platform\'` elsewhere',
    }),
    keyVaultAllowedIpRanges: publicRanges(0, 100).default([]).meta({ description: 'Public ranges that may reach the disk-encryption Key Vault (the deploying runner\'s egress). Only with `customer-managed`.' }),
    allowSpotInProduction: bool().default(false).meta({ description: 'Let GPU pools of a prod environment use spot capacity.' }),
  }).prefault({}).meta({ description: 'Disk encryption and the prod allowances.' }),
};
