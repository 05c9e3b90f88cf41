import { ARGO_WORKFLOWS, IMAGES } from '../../catalog/versions';
import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';
import { ComponentError } from '../lib/prerequisites';

/**
 * What every workflow Pipelines submits gets unless it says otherwise (Argo's
 * `workflowDefaults`). KFP 2.17.0 introduced both defaults; we keep them and
 * write them ourselves, so a later KFP release cannot change them unnoticed.
 * @see docs/components/pipelines.md ("Finished runs and retries")
 */
export interface WorkflowDefaults {
  /**
   * Seconds after a run finishes (succeeded, failed or errored) before Argo
   * deletes its Workflow object and pods. The run, its metadata, artifacts and
   * logs (archived to the object store) stay in Pipelines; only `kubectl`
   * access to the pods ends. 0 deletes at once.
   * @default 3600 (KFP 2.17.0's value)
   */
  readonly deleteFinishedAfterSeconds?: number;
  /**
   * How often Argo retries a step that failed through an error outside the
   * step's code (node shutdown, spot eviction, pod deletion: `retryPolicy:
   * OnError`); a step whose own command fails is not retried. 0 turns retries off.
   * @default 2 (KFP 2.17.0's value)
   */
  readonly retryLimit?: number;
}

/** KFP 2.17.0's `workflowDefaults` (third-party/argo/base/workflow-controller-configmap-patch.yaml). */
export const KFP_WORKFLOW_DEFAULTS = { deleteFinishedAfterSeconds: 3600, retryLimit: 2 } as const satisfies Required<WorkflowDefaults>;

function wholeNumber(setting: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ComponentError('Pipelines', `${setting} (${JSON.stringify(value)})`, 'is not a whole number in range', `give a whole number from 0 to ${max}`);
  }
  return value;
}

/** The `workflowDefaults` document of `workflow-controller-configmap` (Argo's Workflow spec, as YAML-compatible JSON). */
export function workflowDefaultsDocument(defaults: WorkflowDefaults = {}): string {
  const ttl = wholeNumber('workflowDefaults.deleteFinishedAfterSeconds', defaults.deleteFinishedAfterSeconds ?? KFP_WORKFLOW_DEFAULTS.deleteFinishedAfterSeconds, 365 * 24 * 3600);
  const retries = wholeNumber('workflowDefaults.retryLimit', defaults.retryLimit ?? KFP_WORKFLOW_DEFAULTS.retryLimit, 10);
  return JSON.stringify({
    spec: {
      ttlStrategy: { secondsAfterCompletion: ttl, secondsAfterSuccess: ttl, secondsAfterFailure: ttl },
      ...(retries > 0 ? { templateDefaults: { retryStrategy: { limit: String(retries), retryPolicy: 'OnError' } } } : {}),
    },
  });
}

/**
 * Requests and limits of Argo's executor containers (the `init` and `wait` containers
 * beside every step). Without them a step pod in a profile with a CPU or memory quota
 * is refused: a quota namespace admits only pods whose every container requests both.
 * @see https://argo-workflows.readthedocs.io/en/latest/workflow-controller-configmap/ (`executor`)
 */
export const EXECUTOR_RESOURCES = { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '512Mi' } } as const;

/**
 * The `executor` document of `workflow-controller-configmap`: KFP 2.17.0's (third-party/argo/base/
 * workflow-controller-configmap-patch.yaml: pull policy and a restricted security context, kept
 * as they are) plus `EXECUTOR_RESOURCES`. The key is one string, so ours replaces KFP's whole.
 */
export function executorDocument(): string {
  return JSON.stringify({
    imagePullPolicy: 'IfNotPresent',
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: EXECUTOR_RESOURCES,
  });
}

/** Images of the controller and of the executor it starts, as KFP's manifests name them. */
const UPSTREAM_CONTROLLER_IMAGE = `${IMAGES.argoWorkflowController.name}:${ARGO_WORKFLOWS.referencedAs}`;
const UPSTREAM_EXECUTOR_IMAGE = `${IMAGES.argoExecutor.name}:${ARGO_WORKFLOWS.referencedAs}`;
/** Where KFP's patch puts the executor image: `args: [--configmap, workflow-controller-configmap, --executor-image, <image>]`. */
const EXECUTOR_ARG = '/spec/template/spec/containers/0/args/3';

/**
 * Argo Workflows as Pipelines runs it, at the pinned tree's version: the
 * controller image and its `--executor-image` argument (an `images:` override
 * does not reach an argument), each checked first with a JSON-patch `test`
 * against what KFP sets, so a KFP release that moves them fails the render
 * instead of running a mixed controller and executor; and our `workflowDefaults`.
 */
export function argoWorkflowsPatches(defaults: WorkflowDefaults = {}): OverlayPatch[] {
  return [
    {
      patch: JSON.stringify([
        { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'workflow-controller' },
        { op: 'test', path: '/spec/template/spec/containers/0/image', value: UPSTREAM_CONTROLLER_IMAGE },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${IMAGES.argoWorkflowController.name}:${IMAGES.argoWorkflowController.tag}` },
        { op: 'test', path: '/spec/template/spec/containers/0/args/2', value: '--executor-image' },
        { op: 'test', path: EXECUTOR_ARG, value: UPSTREAM_EXECUTOR_IMAGE },
        { op: 'replace', path: EXECUTOR_ARG, value: `${IMAGES.argoExecutor.name}:${IMAGES.argoExecutor.tag}` },
      ]),
      target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'workflow-controller' },
    },
    {
      patch: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'workflow-controller-configmap' }, data: { workflowDefaults: workflowDefaultsDocument(defaults), executor: executorDocument() } }),
      target: { version: 'v1', kind: 'ConfigMap', name: 'workflow-controller-configmap' },
    },
  ];
}
