import { ARTIFACT_CONTAINER, SEAWEEDFS_SERVICE_ACCOUNT } from './artifact-storage';
import { IMAGES } from '../../catalog/versions';
import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';

/**
 * SeaweedFS, Pipelines' S3 store, at our pinned image. 4.4x turned two things on
 * that the distribution (written for 4.00) does not expect: anonymous usage
 * reports to telemetry.seaweedfs.com and two more listeners of `weed server -s3`
 * (Iceberg 8181, Lance 9101). Both are turned off (flags read in weed/command/server.go at 4.44).
 */
export function seaweedfsPatches(): OverlayPatch[] {
  const target = { group: 'apps', version: 'v1', kind: 'Deployment', name: 'seaweedfs' };
  return [
    {
      patch: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'seaweedfs' }, spec: { template: { spec: { containers: [{ name: 'seaweedfs', image: `${IMAGES.seaweedfs.name}:${IMAGES.seaweedfs.tag}` }] } } } }),
      target,
    },
    {
      patch: JSON.stringify(['-master.telemetry=false', '-s3.port.iceberg=0', '-s3.port.lance=0'].map((value) => ({ op: 'add', path: '/spec/template/spec/containers/0/args/-', value }))),
      target,
    },
  ];
}

export interface BlobMirror {
  /** Storage Account name (reference). */
  readonly storageAccount: string;
  /** Client id of the identity federated with SeaweedFS's ServiceAccount (reference). */
  readonly clientId: string;
  /** Size of SeaweedFS's cluster disk, GiB. */
  readonly volumeSizeGb: number;
}

/** Name of SeaweedFS's remote for the Azure container (letters and digits only). */
export const BLOB_REMOTE = 'azblob';

/**
 * The mirror's sidecar script (SeaweedFS 4.44 `weed shell` and `filer.remote.sync`):
 * 1. wait for the filer and for the `mlpipeline` bucket the main container creates;
 * 2. configure the Azure remote with workload identity (`-azure.client_id`, no key)
 *    and mount the container on the bucket (`-nonempty` keeps local objects; on a
 *    rebuilt cluster the mount brings back the listing and objects load on first read);
 * 3. copy local objects the remote lacks (idempotent), then run the write-back
 *    sync; every 6 hours the sync restarts, which retries failed uploads.
 * `weed shell` exits 0 on errors, so each step checks its output. `remote.unmount`
 * is never run: it deletes the local data (seaweedfs#11141).
 */
export function mirrorScript(): string {
  const shell = 'weed shell -master=localhost:9333 -filer=localhost:8888';
  const dir = `/buckets/${ARTIFACT_CONTAINER}`;
  return [
    'set -eu',
    `run() { out=$(printf '%s\\n' "$1" | timeout 120 ${shell} 2>&1) || true; printf '%s\\n' "$out"; if printf '%s' "$out" | grep -q 'error'; then echo "failed: $1" >&2; exit 1; fi; }`,
    `until printf 'fs.ls /buckets\\n' | timeout 60 ${shell} 2>/dev/null | grep -q '${ARTIFACT_CONTAINER}'; do echo 'waiting for the ${ARTIFACT_CONTAINER} bucket'; sleep 10; done`,
    `run "remote.configure -name=${BLOB_REMOTE} -type=azure -azure.account_name=$AZURE_STORAGE_ACCOUNT -azure.client_id=$AZURE_CLIENT_ID"`,
    `run "remote.mount -dir=${dir} -remote=${BLOB_REMOTE}/${ARTIFACT_CONTAINER} -nonempty"`,
    `printf 'remote.mount\\n' | timeout 60 ${shell} 2>&1 | grep -q '${dir}' || { echo 'the mount is missing' >&2; exit 1; }`,
    'while true; do',
    `  run "remote.copy.local -dir=${dir}"`,
    `  timeout 21600 weed filer.remote.sync -filer=localhost:8888 -dir=${dir} || true`,
    'done',
  ].join('\n');
}

/**
 * Pipelines artifacts mirrored to Azure Blob: SeaweedFS's ServiceAccount and pod
 * join workload identity, a sidecar keeps the container in sync, and the cluster
 * disk gets the size the environment asks for.
 */
export function blobMirrorPatches(mirror: BlobMirror): OverlayPatch[] {
  const target = { group: 'apps', version: 'v1', kind: 'Deployment', name: 'seaweedfs' };
  return [
    {
      patch: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: SEAWEEDFS_SERVICE_ACCOUNT.name, annotations: { 'azure.workload.identity/client-id': mirror.clientId } },
      }),
      target: { version: 'v1', kind: 'ServiceAccount', name: SEAWEEDFS_SERVICE_ACCOUNT.name },
    },
    {
      patch: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'seaweedfs-pvc' }, spec: { resources: { requests: { storage: `${mirror.volumeSizeGb}Gi` } } } }),
      target: { version: 'v1', kind: 'PersistentVolumeClaim', name: 'seaweedfs-pvc' },
    },
    {
      patch: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'seaweedfs' },
        spec: {
          template: {
            metadata: { labels: { 'azure.workload.identity/use': 'true' } },
            spec: {
              containers: [{
                name: 'blob-mirror',
                image: `${IMAGES.seaweedfs.name}:${IMAGES.seaweedfs.tag}`,
                command: ['/bin/sh', '-c', mirrorScript()],
                env: [
                  { name: 'AZURE_STORAGE_ACCOUNT', value: mirror.storageAccount },
                ],
                resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '512Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  privileged: false,
                  runAsGroup: 1000,
                  runAsNonRoot: true,
                  runAsUser: 1000,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
              }],
            },
          },
        },
      }),
      target,
    },
  ];
}
