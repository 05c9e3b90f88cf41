import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ClusterConnection } from '../lib/cluster-connection';
import { KEEP_ON_UNINSTALL, ObjectRelease } from '../lib/manifest-bundle';
import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';

/** The StorageClass of store volumes that outlive their claims (`reclaimPolicy: Retain`). */
export const STORE_STORAGE_CLASS = 'kubeflow-store';
/** The StorageClass of store volumes deleted with their claims (`dataStores.deleteDataOnRemoval`). */
export const STORE_STORAGE_CLASS_DELETE = 'kubeflow-store-delete';
/** Azure Disk CSI driver. @see https://learn.microsoft.com/azure/aks/azure-disk-csi */
export const AZURE_DISK_PROVISIONER = 'disk.csi.azure.com';

export type StoreDiskSku = 'StandardSSD_LRS' | 'StandardSSD_ZRS' | 'Premium_LRS' | 'Premium_ZRS';

export interface StoreVolumesProps {
  readonly connection: ClusterConnection;
  /**
   * Azure managed disk SKU of the store volumes. A zone-redundant SKU (`*_ZRS`) attaches
   * from any zone, so a store's pod can move to another zone with its disk.
   * @default 'StandardSSD_LRS' (the SKU of AKS's default class)
   * @see https://learn.microsoft.com/azure/virtual-machines/disks-redundancy
   */
  readonly diskSku?: StoreDiskSku;
  /**
   * Delete each store's volume with its component: claims without Helm's keep policy,
   * disks with `reclaimPolicy: Delete`. Only `dataStores.deleteDataOnRemoval` turns it on.
   * @default false
   */
  readonly deleteDataOnRemoval?: boolean;
  /** What the release waits for (the `kubeflow` namespace). @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** The StorageClass object of the store volumes. */
export function storeStorageClass(sku: StoreDiskSku, deleteDataOnRemoval: boolean): Record<string, unknown> {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: deleteDataOnRemoval ? STORE_STORAGE_CLASS_DELETE : STORE_STORAGE_CLASS,
      // The class outlives the release too while kept claims still name it.
      ...(deleteDataOnRemoval ? {} : { annotations: { ...KEEP_ON_UNINSTALL } }),
    },
    provisioner: AZURE_DISK_PROVISIONER,
    parameters: { skuName: sku },
    reclaimPolicy: deleteDataOnRemoval ? 'Delete' : 'Retain',
    // The disk is created in the zone the scheduler picks for the store's pod.
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

/**
 * Where the in-cluster stores (Pipelines' MySQL and SeaweedFS, Katib's MySQL, Model
 * Registry's PostgreSQL) keep their data: an Azure Disk StorageClass of ours whose disks
 * outlive their claims (`reclaimPolicy: Retain`), and a patch that puts every claim of a
 * store's bundle on it with Helm's keep policy, so uninstalling a release or turning a
 * component off keeps the claim and its disk. AKS's own classes delete the disk with the
 * claim, and AKS reconciles them, so they cannot be changed.
 * @see docs/components/data-stores.md
 */
export class StoreVolumes extends Construct {
  public readonly storageClassName: string;
  public readonly deleteDataOnRemoval: boolean;
  public readonly release: ObjectRelease;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: StoreVolumesProps) {
    super(scope, id);
    this.deleteDataOnRemoval = props.deleteDataOnRemoval ?? false;
    const storageClass = storeStorageClass(props.diskSku ?? 'StandardSSD_LRS', this.deleteDataOnRemoval);
    this.storageClassName = (storageClass.metadata as { name: string }).name;
    this.release = new ObjectRelease(this, 'storage-class', {
      releaseName: 'kubeflow-store-storage',
      namespace: 'kubeflow',
      manifests: [storageClass],
      dependsOn: props.dependsOn,
      provider: props.connection.helm,
    });
    this.ready = [this.release.release];
  }

  /** Puts every PersistentVolumeClaim of a bundle on the store class, kept on uninstall unless data goes with the component. */
  claimPatch(): OverlayPatch {
    return {
      patch: JSON.stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'any', ...(this.deleteDataOnRemoval ? {} : { annotations: KEEP_ON_UNINSTALL }) },
        spec: { storageClassName: this.storageClassName },
      }),
      target: { version: 'v1', kind: 'PersistentVolumeClaim' },
    };
  }
}
