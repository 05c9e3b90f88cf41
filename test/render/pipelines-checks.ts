import { TENSORBOARD_SIGNING_SECRET } from '../../constructs/pipelines/pipelines';
import { IMAGES, KUBEFLOW_PIPELINES } from '../../catalog/versions';
import { K8sObject, RenderedEnvironment, objectsOf } from '../../scripts/render/render';

/**
 * Rules for Kubeflow Pipelines as the cluster receives it: the pinned KFP and
 * Argo Workflows versions everywhere (images and the executor argument), the
 * identity header the gateway sets, and the UI's own TensorBoard signing key.
 * Each returns its problems, one line each; empty when the rule holds (or
 * when the environment has no Pipelines).
 */

type EnvVar = { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; image?: string; args?: string[]; command?: string[]; env?: EnvVar[] };

function pipelinesObjects(rendered: RenderedEnvironment): K8sObject[] {
  return rendered.releases.filter((r) => r.name === 'pipelines' || r.name === 'pipelines-crds').flatMap((r) => r.objects);
}

function podContainers(obj: K8sObject): Container[] {
  const spec = (obj as { spec?: { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } } }).spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

function deployment(rendered: RenderedEnvironment, name: string): K8sObject | undefined {
  return pipelinesObjects(rendered).find((o) => o.kind === 'Deployment' && o.metadata.name === name);
}

function installConfig(rendered: RenderedEnvironment): Record<string, string> | undefined {
  return (pipelinesObjects(rendered).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pipeline-install-config') as { data?: Record<string, string> } | undefined)?.data;
}

/** KFP's own images (`ghcr.io/kubeflow/kfp-*`) and every Argo image, in containers and in arguments. */
export function pipelinesVersionProblems(rendered: RenderedEnvironment): string[] {
  if (!rendered.env.platform.components.pipelines) return [];
  const problems: string[] = [];
  const objects = pipelinesObjects(rendered);
  if (objects.length === 0) return ['Pipelines is enabled but no pipelines release is rendered'];
  const appVersion = installConfig(rendered)?.appVersion;
  if (appVersion !== KUBEFLOW_PIPELINES.version) problems.push(`ConfigMap pipeline-install-config: appVersion is ${JSON.stringify(appVersion)}, not ${KUBEFLOW_PIPELINES.version}`);
  const kfpImages = objects.flatMap((o) => podContainers(o).map((c) => ({ o, c }))).filter(({ c }) => /^ghcr\.io\/kubeflow\/kfp-/.test(c.image ?? ''));
  if (kfpImages.length === 0) problems.push('no container runs a ghcr.io/kubeflow/kfp-* image');
  for (const { o, c } of kfpImages) {
    if (!c.image!.endsWith(`:${KUBEFLOW_PIPELINES.version}`)) problems.push(`${o.kind} ${o.metadata.name}: container ${c.name} runs ${c.image}, not Pipelines ${KUBEFLOW_PIPELINES.version}`);
  }
  const controller = podContainers(deployment(rendered, 'workflow-controller') ?? ({} as K8sObject)).find((c) => c.name === 'workflow-controller');
  const wantController = `${IMAGES.argoWorkflowController.name}:${IMAGES.argoWorkflowController.tag}`;
  const wantExecutor = `${IMAGES.argoExecutor.name}:${IMAGES.argoExecutor.tag}`;
  if (!controller) problems.push('Deployment workflow-controller: not rendered');
  else {
    if (controller.image !== wantController) problems.push(`Deployment workflow-controller: runs ${controller.image}, not ${wantController}`);
    const args = controller.args ?? [];
    const executor = args[args.indexOf('--executor-image') + 1];
    if (!args.includes('--executor-image') || executor !== wantExecutor) problems.push(`Deployment workflow-controller: --executor-image is ${JSON.stringify(args.includes('--executor-image') ? executor : undefined)}, not ${wantExecutor} (pods of runs would mix controller and executor versions)`);
  }
  // Any other mention of an Argo image (arguments, ConfigMaps) at another version.
  const text = JSON.stringify(objects);
  for (const m of text.matchAll(/quay\.io\/argoproj\/[a-z-]+:([A-Za-z0-9._-]+)/g)) {
    if (m[1] !== IMAGES.argoWorkflowController.tag) problems.push(`an object of the pipelines releases names ${m[0]}, not Argo ${IMAGES.argoWorkflowController.tag}`);
  }
  return [...new Set(problems)];
}

/** The header the gateway writes the signed-in user into (the access layer's RequestAuthentication), if there is one. */
export function gatewayIdentityHeaders(rendered: RenderedEnvironment): string[] {
  const auth = objectsOf(rendered).filter((l) => l.obj.kind === 'RequestAuthentication').map((l) => l.obj.spec as { jwtRules?: { outputClaimToHeaders?: { header: string; claim: string }[] }[] });
  return [...new Set(auth.flatMap((a) => (a.jwtRules ?? []).flatMap((r) => (r.outputClaimToHeaders ?? []).filter((h) => h.claim === 'email' || h.claim === 'sub').map((h) => h.header))))];
}

/**
 * The API server, the UI and the scheduled-workflow controller read the user
 * from the header the gateway sets (KFP 2.17's `USERID_HEADER`), with nothing
 * to strip (`USERID_PREFIX` empty: the header carries the claim as it is).
 */
export function pipelinesIdentityProblems(rendered: RenderedEnvironment): string[] {
  if (!rendered.env.platform.components.pipelines) return [];
  const problems: string[] = [];
  const config = installConfig(rendered) ?? {};
  const headers = gatewayIdentityHeaders(rendered);
  const expected = headers.length === 1 ? headers[0] : 'kubeflow-userid';
  if (headers.length > 1) problems.push(`the gateway writes the user into several headers (${headers.join(', ')}); Pipelines reads one`);
  if (config.USERID_HEADER !== expected) problems.push(`ConfigMap pipeline-install-config: USERID_HEADER is ${JSON.stringify(config.USERID_HEADER)}, but the gateway sets the user in ${expected}`);
  if (config.USERID_PREFIX !== '') problems.push(`ConfigMap pipeline-install-config: USERID_PREFIX is ${JSON.stringify(config.USERID_PREFIX)}, but the gateway's header carries the user with no prefix`);
  const readers: [string, string, string][] = [['ml-pipeline', 'ml-pipeline-api-server', 'KUBEFLOW_USERID_HEADER'], ['ml-pipeline-ui', 'ml-pipeline-ui', 'KUBEFLOW_USERID_HEADER'], ['ml-pipeline-scheduledworkflow', 'ml-pipeline-scheduledworkflow', 'USER_IDENTITY_HEADER']];
  for (const [name, container, variable] of readers) {
    const e = podContainers(deployment(rendered, name) ?? ({} as K8sObject)).find((c) => c.name === container)?.env?.find((v) => v.name === variable);
    const value = e?.valueFrom?.configMapKeyRef ? (e.valueFrom.configMapKeyRef.name === 'pipeline-install-config' ? config[e.valueFrom.configMapKeyRef.key] : undefined) : e?.value;
    if (value !== expected) problems.push(`Deployment ${name}: ${variable} resolves to ${JSON.stringify(value)}, not ${expected}`);
  }
  return problems;
}

/**
 * The UI signs TensorBoard proxy paths with a key of its own: KFP 2.17 falls
 * back to the object store's secret key, which would let anyone who learns one
 * forge the other. The key is a generated password the stack writes into a Secret.
 */
export function tensorboardSigningProblems(rendered: RenderedEnvironment): string[] {
  if (!rendered.env.platform.components.pipelines) return [];
  const ui = podContainers(deployment(rendered, 'ml-pipeline-ui') ?? ({} as K8sObject)).find((c) => c.name === 'ml-pipeline-ui');
  const ref = ui?.env?.find((e) => e.name === 'TENSORBOARD_PROXY_SIGNING_SECRET')?.valueFrom?.secretKeyRef;
  if (!ref) return ['Deployment ml-pipeline-ui: TENSORBOARD_PROXY_SIGNING_SECRET is not set, so the UI signs TensorBoard links with the object store\'s secret key'];
  if (ref.name === 'mlpipeline-minio-artifact') return ['Deployment ml-pipeline-ui: TENSORBOARD_PROXY_SIGNING_SECRET comes from the object store\'s credentials'];
  const secrets = Object.values(rendered.platform.resource.kubernetes_secret_v1 ?? {}) as { metadata: { name: string; namespace?: string }; data?: Record<string, string> }[];
  const secret = secrets.find((x) => x.metadata.name === ref.name && x.metadata.namespace === 'kubeflow');
  const value = secret?.data?.[ref.key];
  if (!secret || value === undefined) return [`Deployment ml-pipeline-ui: TENSORBOARD_PROXY_SIGNING_SECRET reads key ${ref.key} of Secret kubeflow/${ref.name}, which the stack does not write`];
  const objectStore = secrets.find((x) => x.metadata.name === 'mlpipeline-minio-artifact')?.data ?? {};
  const problems: string[] = [];
  if (!/^\$\{random_password\.[A-Za-z0-9_-]+\.result\}$/.test(value)) problems.push(`Secret kubeflow/${ref.name}: ${ref.key} is not a generated password`);
  if (Object.values(objectStore).includes(value)) problems.push(`Secret kubeflow/${ref.name}: ${ref.key} is the object store's credential`);
  if (ref.name !== TENSORBOARD_SIGNING_SECRET) problems.push(`Deployment ml-pipeline-ui: TENSORBOARD_PROXY_SIGNING_SECRET comes from Secret ${ref.name}, not ${TENSORBOARD_SIGNING_SECRET}`);
  return problems;
}
