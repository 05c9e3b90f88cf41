import type { ResolvedEnvironment } from '../../environments';
import { regionHasZones } from '../../environments/data-stores';
import type { PlatformFeature } from '../lib/feature';
import { StoreDiskSku, StoreVolumes } from './store-volumes';

declare module '../lib/feature' {
  interface FeatureOutputs {
    stores: StoreVolumes;
  }
}

/**
 * The store volumes' disk SKU: zone-redundant in a prod environment spread over zones (a
 * store's pod can move to another zone with its disk), else the SKU of AKS's default class.
 */
export function storeDiskSku(env: ResolvedEnvironment): StoreDiskSku {
  return env.stage === 'prod' && env.zones.length > 1 && regionHasZones(env.location) ? 'StandardSSD_ZRS' : 'StandardSSD_LRS';
}

/**
 * In-cluster stores keep their volumes (claims kept on uninstall, disks retained) unless the
 * environment says otherwise. SeaweedFS keeps its cluster disk even when it mirrors to Azure
 * Blob; Katib's MySQL is not rendered with the Azure server.
 */
export const storesFeature: PlatformFeature<'stores'> = {
  name: 'stores',
  summary: 'the kubeflow-store StorageClass (retained disks for in-cluster stores)',
  doc: 'docs/components/data-stores.md',
  after: ['namespaces'],
  source: (env) => {
    const c = env.platform.components;
    return c.pipelines || (c.katib && env.dataStores.mysql.kind === 'in-cluster') || c.modelRegistry;
  },
  build: (ctx) => new StoreVolumes(ctx.scope, 'store-volumes', {
    connection: ctx.connection,
    diskSku: storeDiskSku(ctx.env),
    deleteDataOnRemoval: ctx.env.dataStores.deleteDataOnRemoval,
    dependsOn: ctx.need('namespaces').ready,
  }),
};
