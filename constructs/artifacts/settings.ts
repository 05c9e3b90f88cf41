import { z } from 'zod';
import { integer, object, oneOf, type Filled } from '../../environments/schema/kit';

/** Where Pipelines artifacts live: `dataStores.artifacts` and `dataStores.artifactStorage`. */

export const artifactsMode = oneOf(['in-cluster', 'azure-blob']).default('in-cluster').meta({
  description: 'Where Pipelines artifacts live: SeaweedFS on a cluster disk (`in-cluster`), or SeaweedFS mirroring every object to an Azure Storage container that outlives the cluster (`azure-blob`).',
});

export const artifactStorageSettings = object({
  replication: oneOf(['LRS', 'ZRS', 'GRS', 'GZRS']).optional().meta({
    description: 'Replication of the Storage Account; zone-redundant kinds need a region with zones.',
    defaultText: '`\'GZRS\'` in prod (`\'GRS\'` in a region without zones), `\'LRS\'` elsewhere',
  }),
  softDeleteDays: integer(1, 365).default(30).meta({ description: 'Days deleted blobs and containers stay recoverable.' }),
  volumeSizeGb: integer(10, 32767).default(100).meta({ description: 'Size of SeaweedFS\'s cluster disk (its local copy of the artifacts), GiB.' }),
}).meta({ description: 'Settings of the artifact Storage Account; only with `artifacts: \'azure-blob\'`.' });

/** Where artifacts live, after resolution: narrow on `kind` to read the Storage Account's settings. */
export type ResolvedArtifacts =
  | { readonly kind: 'in-cluster' }
  | ({ readonly kind: 'azure-blob' } & Filled<z.output<typeof artifactStorageSettings>, 'replication'>);
