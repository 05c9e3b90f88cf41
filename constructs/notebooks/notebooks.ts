import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GpuPoolIntent, gpuPoolScheduling } from '../node-pools/gpu-scheduling';
import { KUSTOMIZE_PATHS, NOTEBOOK_IMAGES } from '../../catalog/versions';
import { EntraAuthentication } from '../access/entra-authentication';
import { KubeflowAppProps, kubeflowAppBundle } from '../lib/kubeflow-app';
import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';
import { ObjectRelease, UpstreamBundle, admissionsEnforcerPatch } from '../lib/manifest-bundle';
import { ProvidedOutside, readinessOf } from '../lib/prerequisites';
import { DEFAULT_IDLE_MINUTES } from './settings';

/** ConfigMap that replaces the Jupyter web app's spawner configuration. */
export const SPAWNER_CONFIG_MAP = 'jupyter-web-app-spawner-config';

/** The documented workaround for large Entra ID tokens in Kubeflow's gunicorn web apps. */
export const LARGE_TOKEN_GUNICORN_ARGS = '--limit-request-field_size 32000';

/** How a GPU pool reads in the spawner's dropdowns, e.g. "NVIDIA A100 ×1 (spot) – a100spot". */
export function poolDisplayName(pool: GpuPoolIntent): string {
  const mig = pool.migProfile ? `, ${pool.migProfile} slices` : '';
  return `NVIDIA ${pool.gpu.model.toUpperCase()} ×${pool.gpu.count}${mig}${pool.spot ? ' (spot)' : ''} – ${pool.name}`;
}

/**
 * The spawner configuration: images from the version catalog, NVIDIA as GPU
 * vendor, and for each GPU pool an affinity option (select the pool's nodes)
 * and a toleration group (its GPU taint, and the spot taint on spot pools).
 * A user picks "NVIDIA A100 ×1 (spot)" instead of typing taints.
 */
export function spawnerConfig(pools: readonly GpuPoolIntent[]): object {
  const choice = <T>(value: T) => ({ readOnly: false, value });
  const images = (list: readonly string[]) => ({ value: list[0], options: [...list] });
  return {
    spawnerFormDefaults: {
      allowCustomImage: true,
      hideRegistry: true,
      hideTag: false,
      imagePullPolicy: choice('IfNotPresent'),
      image: images(NOTEBOOK_IMAGES.jupyter),
      imageGroupOne: images(NOTEBOOK_IMAGES.codeServer),
      imageGroupTwo: images(NOTEBOOK_IMAGES.rstudio),
      cpu: { readOnly: false, value: '0.5', limitFactor: '1.2' },
      memory: { readOnly: false, value: '1.0Gi', limitFactor: '1.2' },
      gpus: choice({ vendor: '', vendors: [{ limitsKey: 'nvidia.com/gpu', uiName: 'NVIDIA' }], num: 'none' }),
      workspaceVolume: choice({
        mount: '/home/jovyan',
        newPvc: { metadata: { name: '{notebook-name}-workspace' }, spec: { resources: { requests: { storage: '5Gi' } }, accessModes: ['ReadWriteOnce'] } },
      }),
      dataVolumes: choice([]),
      affinityConfig: {
        readOnly: false,
        value: '',
        options: pools.map((pool) => ({
          configKey: pool.name,
          displayName: poolDisplayName(pool),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{
                  matchExpressions: Object.entries(gpuPoolScheduling(pool).nodeSelector).map(([key, value]) => ({ key, operator: 'In', values: [value] })),
                }],
              },
            },
          },
        })),
      },
      tolerationGroup: {
        readOnly: false,
        value: '',
        options: pools.map((pool) => ({
          groupKey: pool.name,
          displayName: poolDisplayName(pool),
          tolerations: gpuPoolScheduling(pool).tolerations.map((t) => ({ ...t })),
        })),
      },
      shm: choice(true),
      configurations: choice([]),
      environment: choice({}),
    },
  };
}

export interface NotebooksProps extends KubeflowAppProps {
  /** GPU pools offered in the spawner. @default [] */
  readonly gpuPools?: readonly GpuPoolIntent[];
  /** Stop idle notebooks. @default true */
  readonly culling?: boolean;
  /** Minutes of idleness before a notebook is stopped. @default DEFAULT_IDLE_MINUTES (60, constructs/notebooks/settings.ts) */
  readonly idleMinutes?: number;
  /** The sign-in layer notebooks are reached through (required: notebooks have no other way in). */
  readonly access: EntraAuthentication | ProvidedOutside;
}

function addEnv(deployment: string, container: string, env: readonly object[]): OverlayPatch {
  return {
    patch: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: deployment }, spec: { template: { spec: { containers: [{ name: container, env }] } } } }),
    target: { group: 'apps', version: 'v1', kind: 'Deployment', name: deployment },
  };
}

/**
 * Kubeflow Notebooks v1 (notebook controller, Jupyter, volumes and
 * tensorboards web apps, PVC viewer) from the distribution's
 * `applications/notebooks-v1/overlays/istio`, with a spawner derived from the
 * GPU pools, idle culling on, and the large-token workaround for the web apps.
 * @see docs/components/notebooks.md
 */
export class Notebooks extends Construct {
  public readonly spawnerConfig: ObjectRelease;
  public readonly bundle: UpstreamBundle;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: NotebooksProps) {
    super(scope, id);
    const culling = props.culling ?? true;
    this.spawnerConfig = new ObjectRelease(this, 'spawner-config', {
      releaseName: 'notebooks-spawner-config',
      namespace: 'kubeflow',
      manifests: [{
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: SPAWNER_CONFIG_MAP, namespace: 'kubeflow' },
        data: { 'spawner_ui_config.yaml': JSON.stringify(spawnerConfig(props.gpuPools ?? []), null, 2) },
      }],
      dependsOn: props.namespaces.ready,
      provider: props.connection.helm,
    });
    const gunicorn = [{ name: 'GUNICORN_CMD_ARGS', value: LARGE_TOKEN_GUNICORN_ARGS }];
    this.bundle = kubeflowAppBundle(this, props, 'notebooks', KUSTOMIZE_PATHS.notebooks, [
      {
        // The web app reads our spawner configuration instead of the upstream one.
        patch: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'jupyter-web-app-deployment' }, spec: { template: { spec: { volumes: [{ name: 'config-volume', configMap: { name: SPAWNER_CONFIG_MAP } }] } } } }),
        target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'jupyter-web-app-deployment' },
      },
      addEnv('notebook-controller-deployment', 'manager', [
        { name: 'ENABLE_CULLING', value: String(culling), valueFrom: null },
        { name: 'CULL_IDLE_TIME', value: String(props.idleMinutes ?? DEFAULT_IDLE_MINUTES), valueFrom: null },
        { name: 'IDLENESS_CHECK_PERIOD', value: '1', valueFrom: null },
      ]),
      addEnv('jupyter-web-app-deployment', 'jupyter-web-app', gunicorn),
      addEnv('volumes-web-app-deployment', 'volumes-web-app', gunicorn),
      addEnv('tensorboards-web-app-deployment', 'tensorboards-web-app', gunicorn),
      admissionsEnforcerPatch('MutatingWebhookConfiguration', 'pvcviewer-mutating-webhook-configuration'),
      admissionsEnforcerPatch('ValidatingWebhookConfiguration', 'pvcviewer-validating-webhook-configuration'),
    ], { mainDependsOn: [this.spawnerConfig.release, ...readinessOf(props.access)] });
    this.ready = [this.bundle.main.release];
  }
}
