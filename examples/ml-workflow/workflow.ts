import { readFileSync } from 'fs';
import { join } from 'path';
import { Toleration, gpuPoolScheduling } from '../../constructs/node-pools/gpu-scheduling';
import { gpuRuntimeName } from '../../constructs/trainer/trainer';
import { IMAGES } from '../../catalog/versions';
import type { ResolvedEnvironment, ResolvedGpuPool } from '../../environments';
import type { ProfileConfig } from '../../environments/types';
import { vmSizeFacts } from '../../catalog/vm-sizes';

/**
 * The ML workflow example, per environment: where each workload runs (derived
 * from the environment's GPU pools, Trainer runtimes and profile quota, never
 * typed by hand) and the custom resources it creates. The pipeline
 * (`pipeline.py`), the notebook and `npm run acceptance` all take their
 * parameters from here.
 */

/** The step code every workload runs (`python3 -c`), so the pinned image needs no download. */
export const STEP_CODE_PATH = join(__dirname, 'ml_workflow.py');

/** Name of the CPU runtime the Trainer chart installs (`runtimes.torchDistributed`). */
export const CPU_RUNTIME = 'torch-distributed';

/** Model name in Model Registry and the InferenceService. */
export const MODEL_NAME = 'xor-classifier';

/** Hyperparameters Katib searches; the TrainJob uses the best. */
export const SEARCH_SPACE = {
  lr: { min: '0.001', max: '0.05' },
  hidden: { min: '8', max: '64' },
} as const;

export interface Resources {
  readonly cpu: string;
  readonly memory: string;
  /** `nvidia.com/gpu` devices (whole GPUs or MIG slices); 0 for CPU work. */
  readonly gpus: number;
}

export interface Placement {
  readonly kind: 'gpu' | 'cpu';
  /** The GPU pool (absent on CPU fallback). */
  readonly pool?: string;
  /** ClusterTrainingRuntime of the TrainJob. */
  readonly runtime: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

export interface WorkflowPlan {
  readonly environment: string;
  /** Namespace the workloads run in: the profile's, or a scratch one. */
  readonly namespace: string;
  /** The profile whose quota and RBAC apply (absent for a scratch namespace without quota). */
  readonly profile?: ProfileConfig;
  readonly image: string;
  /** Where training runs. */
  readonly training: Placement;
  readonly resources: {
    /** Each pipeline step pod and the register/predict helpers. */
    readonly step: Resources;
    /** Each Katib trial (CPU: keeps the GPU quota for training). */
    readonly trial: Resources;
    /** The TrainJob's node. */
    readonly train: Resources;
    /** The InferenceService predictor. */
    readonly predictor: Resources;
  };
  readonly katib: { readonly maxTrials: number; readonly parallelTrials: number };
  readonly epochs: number;
  /** Volume that carries the trained model from the TrainJob to KServe. */
  readonly modelVolume: { readonly claim: string; readonly size: string };
  /** Prefix of every object the run creates (unique per run in acceptance). */
  readonly runId: string;
}

export class WorkflowError extends Error {
  constructor(setting: string, value: string, accepted: string) {
    super(`ml-workflow: ${setting} is ${value}; ${accepted}`);
    this.name = 'WorkflowError';
  }
}

export interface PlanOptions {
  /** Profile to run in. @default the environment's first profile */
  readonly profile?: string;
  /** Run in this namespace instead of the profile's (the profile's quota still sizes the run). */
  readonly namespace?: string;
  /** Prefix of the objects. @default 'mlwf' */
  readonly runId?: string;
}

/** Bytes of a Kubernetes quantity (`64Gi`, `500M`, `2`), or cores for CPU (`500m`). */
export function quantity(value: string): number {
  const m = /^([0-9.]+)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/.exec(value.trim());
  if (!m) throw new WorkflowError('a quantity', JSON.stringify(value), 'use a Kubernetes quantity such as 500m, 2, 512Mi or 64Gi');
  const units: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5 };
  return Number(m[1]) * units[m[2] ?? ''];
}

/** GPUs of one pool the profile's quota lets it use (Infinity without a GPU quota). */
function gpuQuotaFor(profile: ProfileConfig | undefined, pool: ResolvedGpuPool): number {
  const gpus = profile?.quota?.gpus;
  if (!gpus) return Infinity;
  const count: unknown = gpus[pool.gpu.model];
  return typeof count === 'number' ? count : 0;
}

/**
 * Chooses where training runs: the first GPU pool (in the environment file's
 * order) whose model the profile may use and whose Trainer runtime exists,
 * else the CPU runtime. Requests are sized to fit one node of the pool.
 */
export function trainingPlacement(env: ResolvedEnvironment, profile: ProfileConfig | undefined): { placement: Placement; resources: Resources } {
  const pool = env.platform.components.trainer ? env.gpuPools.find((p) => gpuQuotaFor(profile, p) >= 1) : undefined;
  if (!pool) {
    return {
      placement: { kind: 'cpu', runtime: CPU_RUNTIME, nodeSelector: {}, tolerations: [] },
      resources: { cpu: '1', memory: '2Gi', gpus: 0 },
    };
  }
  const facts = vmSizeFacts(pool.vmSize);
  const scheduling = gpuPoolScheduling(pool);
  // Half the node's cores and a quarter of its memory leave room for the node's own pods (GPU Operator, DCGM exporter, CSI).
  const cpu = Math.max(1, Math.floor((facts?.vcpus ?? 4) / 2));
  const memoryGi = Math.max(2, Math.floor((facts?.memoryGib ?? 16) / 4));
  return {
    placement: {
      kind: 'gpu',
      pool: pool.name,
      runtime: gpuRuntimeName(pool),
      nodeSelector: { ...scheduling.nodeSelector },
      tolerations: scheduling.tolerations.map((t) => ({ ...t })),
    },
    resources: { cpu: String(Math.min(cpu, 4)), memory: `${Math.min(memoryGi, 16)}Gi`, gpus: 1 },
  };
}

/** The plan of the workflow in an environment. Throws a WorkflowError naming the setting when the environment cannot run it. */
export function workflowPlan(env: ResolvedEnvironment, options: PlanOptions = {}): WorkflowPlan {
  const profile = options.profile !== undefined ? env.profiles.find((p) => p.name === options.profile) : env.profiles[0];
  if (options.profile !== undefined && !profile) {
    throw new WorkflowError('--profile', JSON.stringify(options.profile), `environment ${env.name} has profiles ${env.profiles.map((p) => p.name).join(', ') || '(none)'}`);
  }
  const components = env.platform.components;
  const missing = (['trainer', 'katib', 'pipelines', 'kserve', 'modelRegistry'] as const).filter((c) => !components[c]);
  if (missing.length > 0) {
    throw new WorkflowError(`platform.components of ${env.name}`, `missing ${missing.join(', ')}`, 'the workflow needs Trainer, Katib, Pipelines, KServe and Model Registry');
  }
  const runId = options.runId ?? 'mlwf';
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(runId)) throw new WorkflowError('runId', JSON.stringify(runId), 'use 1 to 20 lowercase letters, digits or hyphens, starting with a letter');
  const { placement, resources: train } = trainingPlacement(env, profile);
  return {
    environment: env.name,
    namespace: options.namespace ?? profile?.name ?? `${runId}-scratch`,
    profile,
    image: IMAGES.pytorchGpu,
    training: placement,
    resources: {
      step: { cpu: '250m', memory: '512Mi', gpus: 0 },
      trial: { cpu: '500m', memory: '1Gi', gpus: 0 },
      train,
      predictor: { cpu: '500m', memory: '1Gi', gpus: 0 },
    },
    katib: { maxTrials: 6, parallelTrials: 2 },
    epochs: 30,
    modelVolume: { claim: `${runId}-model`, size: '1Gi' },
    runId,
  };
}

type Json = Record<string, unknown>;

/** Requests and limits of a container (GPUs as limits, which Kubernetes copies to requests). */
export function containerResources(r: Resources): Json {
  const limits: Record<string, string | number> = { memory: r.memory };
  if (r.gpus > 0) limits['nvidia.com/gpu'] = r.gpus;
  return { requests: { cpu: r.cpu, memory: r.memory }, limits };
}

/** Passes Pod Security "restricted" (profile namespaces enforce "baseline"). */
export const RESTRICTED_CONTAINER = {
  runAsNonRoot: true,
  runAsUser: 1000,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function stepCode(): string {
  return readFileSync(STEP_CODE_PATH, 'utf8');
}

/** `python3 -c <step code> <args>`: the container command of every workload. */
export function stepCommand(args: readonly string[]): string[] {
  return ['python3', '-c', stepCode(), ...args];
}

const HOME_ENV = [{ name: 'HOME', value: '/tmp' }];

function names(plan: WorkflowPlan) {
  return { experiment: `${plan.runId}-tune`, trainJob: `${plan.runId}-train`, isvc: plan.runId === 'mlwf' ? MODEL_NAME : `${plan.runId}-model` };
}

/** The claim the TrainJob writes the model to and KServe reads it from (`pvc://`). */
export function modelVolumeClaim(plan: WorkflowPlan): Json {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: plan.modelVolume.claim, namespace: plan.namespace },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: plan.modelVolume.size } } },
  };
}

/** Katib Experiment: random search over the learning rate and width, trials as batch Jobs on CPU. */
export function katibExperiment(plan: WorkflowPlan): Json {
  const n = names(plan);
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: n.experiment, namespace: plan.namespace },
    spec: {
      objective: { type: 'maximize', goal: 0.99, objectiveMetricName: 'accuracy' },
      algorithm: { algorithmName: 'random' },
      maxTrialCount: plan.katib.maxTrials,
      parallelTrialCount: plan.katib.parallelTrials,
      maxFailedTrialCount: 2,
      metricsCollectorSpec: { collector: { kind: 'StdOut' } },
      parameters: [
        { name: 'lr', parameterType: 'double', feasibleSpace: { ...SEARCH_SPACE.lr } },
        { name: 'hidden', parameterType: 'int', feasibleSpace: { ...SEARCH_SPACE.hidden } },
      ],
      trialTemplate: {
        primaryContainerName: 'training',
        trialParameters: [
          { name: 'lr', reference: 'lr', description: 'learning rate' },
          { name: 'hidden', reference: 'hidden', description: 'hidden layer width' },
        ],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { labels: { 'sidecar.istio.io/inject': 'false' } },
              spec: {
                restartPolicy: 'Never',
                containers: [{
                  name: 'training',
                  image: plan.image,
                  command: stepCommand(['train', '--lr', '${trialParameters.lr}', '--hidden', '${trialParameters.hidden}', '--epochs', String(Math.ceil(plan.epochs / 2))]),
                  env: HOME_ENV,
                  resources: containerResources(plan.resources.trial),
                  securityContext: RESTRICTED_CONTAINER,
                }],
              },
            },
          },
        },
      },
    },
  };
}

/** Trainer TrainJob on the environment's runtime (a GPU pool's, or the CPU one), writing the model to the claim. */
export function trainJob(plan: WorkflowPlan, hyper: { lr: string; hidden: string } = { lr: '0.01', hidden: '32' }): Json {
  const n = names(plan);
  return {
    apiVersion: 'trainer.kubeflow.org/v1alpha1',
    kind: 'TrainJob',
    metadata: { name: n.trainJob, namespace: plan.namespace },
    spec: {
      runtimeRef: { name: plan.training.runtime },
      trainer: {
        numNodes: 1,
        image: plan.image,
        command: stepCommand(['train', '--lr', hyper.lr, '--hidden', hyper.hidden, '--epochs', String(plan.epochs), '--model-dir', '/mnt/model']),
        env: HOME_ENV,
        resourcesPerNode: containerResources(plan.resources.train),
      },
      // Trainer 2.3's way to adjust the runtime's pod: placement from the pool, the model volume, restricted security.
      runtimePatches: [{
        manager: 'ml-workflow.example/manager',
        trainingRuntimeSpec: {
          template: {
            spec: {
              replicatedJobs: [{
                name: 'node',
                template: {
                  spec: {
                    template: {
                      spec: {
                        ...(Object.keys(plan.training.nodeSelector).length > 0 ? { nodeSelector: { ...plan.training.nodeSelector } } : {}),
                        ...(plan.training.tolerations.length > 0 ? { tolerations: plan.training.tolerations.map((t) => ({ ...t })) } : {}),
                        securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
                        volumes: [{ name: 'model', persistentVolumeClaim: { claimName: plan.modelVolume.claim } }],
                        containers: [{ name: 'node', securityContext: RESTRICTED_CONTAINER, volumeMounts: [{ name: 'model', mountPath: '/mnt/model' }] }],
                      },
                    },
                  },
                },
              }],
            },
          },
        },
      }],
    },
  };
}

/** KServe InferenceService in standard (raw deployment) mode: a custom predictor reading the model from the claim. */
export function inferenceService(plan: WorkflowPlan): Json {
  const n = names(plan);
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: n.isvc, namespace: plan.namespace, annotations: { 'serving.kserve.io/deploymentMode': 'Standard' } },
    spec: {
      predictor: {
        minReplicas: 1,
        maxReplicas: 1,
        containers: [{
          // KServe mounts storageUri at /mnt/models only for a container of this name.
          name: 'kserve-container',
          image: plan.image,
          command: stepCommand(['serve', '--model-dir', '/mnt/models', '--name', n.isvc]),
          env: [...HOME_ENV, { name: 'STORAGE_URI', value: `pvc://${plan.modelVolume.claim}` }],
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: containerResources(plan.resources.predictor),
          securityContext: RESTRICTED_CONTAINER,
        }],
      },
    },
  };
}

/** In-cluster URL of the predictor's v1 endpoint (standard mode: a Service named `<isvc>-predictor`). */
export function predictUrl(plan: WorkflowPlan): string {
  const n = names(plan);
  return `http://${n.isvc}-predictor.${plan.namespace}.svc.cluster.local/v1/models/${n.isvc}:predict`;
}

/** A batch Job that runs one step of the code in the namespace (data, register, predict in acceptance). */
export function stepJob(plan: WorkflowPlan, step: string, args: readonly string[]): Json {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${plan.runId}-${step}`, namespace: plan.namespace },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: step, image: plan.image, command: stepCommand(args), env: HOME_ENV, resources: containerResources(plan.resources.step), securityContext: RESTRICTED_CONTAINER }],
        },
      },
    },
  };
}

/** Every object the workflow creates in the namespace, in creation order. */
export function workflowObjects(plan: WorkflowPlan): Json[] {
  return [
    modelVolumeClaim(plan),
    stepJob(plan, 'data', ['data', '--out', '/tmp/data']),
    katibExperiment(plan),
    trainJob(plan),
    stepJob(plan, 'register', ['register', '--name', MODEL_NAME, '--version', plan.runId, '--uri', `pvc://${plan.modelVolume.claim}/model.pt`]),
    inferenceService(plan),
    stepJob(plan, 'predict', ['predict', '--url', predictUrl(plan)]),
  ].map((o) => ({ ...o, metadata: { ...(o.metadata as Json), labels: { 'app.kubernetes.io/part-of': 'ml-workflow', 'ml-workflow/run': plan.runId } } }));
}

/** What the workflow does through the API: the pipeline steps as the profile's `default-editor`, people through `kubeflow-edit`. */
export const WORKFLOW_PERMISSIONS: readonly { readonly group: string; readonly resource: string; readonly verbs: readonly string[] }[] = [
  { group: 'kubeflow.org', resource: 'experiments', verbs: ['create', 'get', 'delete'] },
  { group: 'trainer.kubeflow.org', resource: 'trainjobs', verbs: ['create', 'get', 'delete'] },
  { group: 'serving.kserve.io', resource: 'inferenceservices', verbs: ['create', 'get', 'delete'] },
  { group: '', resource: 'persistentvolumeclaims', verbs: ['create', 'get', 'delete'] },
  { group: 'batch', resource: 'jobs', verbs: ['create', 'get', 'delete'] },
  { group: '', resource: 'pods/log', verbs: ['get'] },
  { group: 'pipelines.kubeflow.org', resource: 'runs', verbs: ['create'] },
];

/** What the pipeline compiler reads (`pipeline.py --params`). */
export function pipelineParameters(plan: WorkflowPlan): Json {
  return {
    environment: plan.environment,
    namespace: plan.namespace,
    image: plan.image,
    training: plan.training,
    resources: plan.resources,
    modelName: MODEL_NAME,
    modelVolume: plan.modelVolume,
    predictUrl: predictUrl(plan),
    // The pipeline's train step puts Katib's best values in place of these tokens.
    manifests: { experiment: katibExperiment(plan), trainJob: trainJob(plan, { lr: '__LR__', hidden: '__HIDDEN__' }), inferenceService: inferenceService(plan), modelVolume: modelVolumeClaim(plan) },
  };
}
