import { z } from 'zod';
import { AKS_SUPPORT } from '../../catalog/aks-support';
import { accessSettings } from '../../constructs/access/settings';
import { aksSettings } from '../../constructs/aks/settings';
import { networkSettings } from '../../constructs/network/settings';
import { nodePoolSettings } from '../../constructs/node-pools/settings';
import { notebooksSettings } from '../../constructs/notebooks/settings';
import { monitoringSettings } from '../../constructs/observability/settings';
import { profilesSettings } from '../../constructs/profiles/settings';
import { dataStoresSettings } from '../../constructs/stores/settings';
import { show } from '../config-error';
import { deliverySettings } from '../delivery';
import { RESOURCE_GROUP, UUID, bool, distance, object, oneOf, text } from './kit';

/**
 * The environment file's schema: one declaration per setting (type, default, range,
 * description, error wording). The core settings are here; each capability's slice
 * lives beside its constructs (`constructs/<feature>/settings.ts`). `EnvironmentConfig`
 * (what a team writes) is inferred from it; rules between settings are in `../rules.ts`;
 * `docs/environments.md`'s settings tables are generated from it (`npm run docs:settings`).
 */

/** A prerequisite installed by this project, by someone else (`external`), or not at all. */
const prerequisite = (name: string) => oneOf(['install', 'external', 'none']).default('install').meta({ description: `${name}: installed here, provided outside, or absent.` });

/** Components of the platform layer that have values escape hatches. */
export const COMPONENT_NAMES = ['certManager', 'istiod', 'istioGateway', 'gpuOperator', 'trainer', 'kserve', 'sparkOperator'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

const helmValues = z.record(z.string(), z.unknown(), { error: 'expected an object' }).superRefine((values, ctx) => {
  for (const [key, v] of Object.entries(values)) {
    if (!(COMPONENT_NAMES as readonly string[]).includes(key)) {
      ctx.addIssue({ code: 'custom', path: [key], params: { shown: JSON.stringify(key) }, message: `not a component with values: accepted: ${COMPONENT_NAMES.join(', ')}` });
    } else if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'expected an object of Helm values' });
    }
  }
});

export const platformSettings = object({
  kubeLogin: oneOf(['azurecli', 'workloadidentity', 'msi']).default('azurecli').meta({
    description: 'How Terraform\'s Kubernetes providers get a token (kubelogin login mode): `azurecli` for people and CI after `azure/login`, `workloadidentity` for federated CI identities, `msi` for runners with a managed identity.',
  }),
  components: object({
    certManager: prerequisite('cert-manager'),
    istio: prerequisite('Istio'),
    gpuOperator: bool().optional().meta({ description: 'NVIDIA GPU Operator.', defaultText: 'true when the environment has GPU pools' }),
    trainer: bool().default(true).meta({ description: 'Kubeflow Trainer v2 (with JobSet and GPU runtimes).' }),
    katib: bool().default(true).meta({ description: 'Katib. Needs cert-manager and Istio.' }),
    pipelines: bool().default(true).meta({ description: 'Kubeflow Pipelines (multi-user). Needs cert-manager and Istio.' }),
    kserve: bool().default(true).meta({ description: 'KServe. Needs cert-manager.' }),
    modelsWebApp: bool().optional().meta({ description: 'KServe\'s models web app. Needs KServe, the access layer, cert-manager and Istio.', defaultText: 'true when `access` is set and KServe is on' }),
    modelRegistry: bool().optional().meta({ description: 'Kubeflow Model Registry, one registry for every profile. Needs the access layer, cert-manager and Istio.', defaultText: 'true when `access` is set' }),
    sparkOperator: bool().default(true).meta({ description: 'Kubeflow Spark Operator, watching the profile namespaces.' }),
  }).prefault({}).meta({ description: 'Which components the `<env>-platform` stack installs.' }),
  kserveMode: oneOf(['standard', 'knative']).default('standard').meta({ description: 'KServe deployment mode; `knative` needs `knative: \'external\'` and Istio.' }),
  knative: oneOf(['external', 'none']).default('none').meta({ description: 'Knative Serving: this project does not install it.' }),
  publicIngress: bool().default(false).meta({ description: 'Expose the Istio ingress gateway on a public IP instead of an internal load balancer.' }),
  values: helmValues.default({}).meta({ description: `Helm values merged last into a component's chart, per component (${COMPONENT_NAMES.join(', ')}).` }),
}).prefault({}).meta({ description: 'The platform layer (`<env>-platform`).' });

const location = z.string({ error: (iss) => regionMessage(iss.input) }).refine((v) => AKS_SUPPORT.regions.includes(v), { error: (iss) => regionMessage(iss.input) });

/** Accepted regions, with the closest one first when the value is a near miss. */
function regionMessage(value: unknown): string {
  const closest = typeof value === 'string' ? [...AKS_SUPPORT.regions].sort((a, b) => distance(value, a) - distance(value, b))[0] : undefined;
  const hint = closest && typeof value === 'string' && distance(value, closest) <= 3 ? `did you mean "${closest}"? ` : '';
  return `${hint}accepted: an Azure public region name in lowercase without spaces, one of ${AKS_SUPPORT.regions.join(', ')}`;
}

/** Azure tag rules: at most 48 (Azure's 50 less the two this project adds), names compared without case. */
const tags = z.record(z.string(), z.unknown(), { error: 'expected an object' }).superRefine((value, ctx) => {
  const keys = Object.keys(value);
  if (keys.length > 48) ctx.addIssue({ code: 'custom', params: { shown: `${keys.length} tags` }, message: 'Azure allows 50 tags per resource and this project adds 2: at most 48' });
  const seen = new Map<string, string>();
  for (const key of keys) {
    const v = value[key];
    const folded = key.toLowerCase();
    const fail = (shown: unknown, message: string) => ctx.addIssue({ code: 'custom', path: [key], params: { setting: `[${show(key)}]`, shown: show(shown) }, message });
    if (key.length === 0 || key.length > 512 || /[<>%&\\?/]/.test(key)) fail(key, 'a tag name has 1 to 512 characters and none of < > % & \\ ? /');
    else if (folded === 'environment' || folded === 'managed-by') fail(key, `this project sets the tag "${folded}" (Azure compares tag names without case): remove it from the file`);
    else if (seen.has(folded)) fail(key, `the same tag as ${show(seen.get(folded))} (Azure compares tag names without case): keep one`);
    else if (typeof v !== 'string' || v.length > 256) fail(v, 'a tag value is a string of at most 256 characters');
    seen.set(folded, key);
  }
});

/** The core settings: who the environment is and where its state lives. */
export const coreSettings = {
  name: text(/^[a-z][a-z0-9]{1,9}$/, 'accepted: 2 to 10 lowercase letters and digits, starting with a letter (it prefixes stack and resource names)')
    .meta({ description: 'Environment name; prefixes stacks and resources. Unique across environments.' }),
  stage: oneOf(['dev', 'staging', 'prod']).meta({ description: 'Rule set the environment follows: prod refuses spot GPUs, the Free tier, public API servers and platform-managed disk keys.' }),
  location: location.meta({ description: 'Azure region, lowercase without spaces (`westeurope`); one of catalog/aks-support.json\'s regions, with a suggestion for a near miss.', accepts: 'an Azure public region of catalog/aks-support.json' }),
  tags: tags.default({}).meta({ description: 'Tags on every Azure resource; `environment` and `managed-by` are added (names compared without case).' }),
  tenantId: text(UUID, 'accepted: a tenant id (GUID), or leave it out to use the deploying identity\'s tenant').optional()
    .meta({ description: 'Microsoft Entra tenant of the cluster\'s Entra ID integration; needed by the access layer.', defaultText: 'the tenant of the deploying identity' }),
  remoteState: object({
    resourceGroupName: text(RESOURCE_GROUP, 'accepted: a resource group name of 1 to 90 letters, digits, _ - . ( ), not ending with a period').meta({ description: 'Resource group of the state storage account.' }),
    storageAccountName: text(/^[a-z0-9]{3,24}$/, 'accepted: 3 to 24 lowercase letters and digits').meta({ description: 'Storage account of the state; one per environment.' }),
    containerName: text(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, 'accepted: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit')
      .default('tfstate').meta({ description: 'Blob container of the state.' }),
  }).meta({ description: 'Where Terraform keeps the state (one key per stack).' }),
  platform: platformSettings,
};

/** Every top-level setting, in the order of the reference. */
export const environmentShape = {
  ...coreSettings,
  ...aksSettings,
  network: networkSettings,
  ...nodePoolSettings,
  monitoring: monitoringSettings,
  dataStores: dataStoresSettings,
  access: accessSettings,
  profiles: profilesSettings,
  notebooks: notebooksSettings,
  delivery: deliverySettings,
};

export const environmentSchema = object(environmentShape);

/** What a platform team writes in `environments/<name>.ts`: every defaulted setting optional. */
export type EnvironmentConfig = z.input<typeof environmentSchema>;
/** An environment after the schema: static defaults applied (defaults that depend on other settings come from `resolveEnvironment`). */
export type ParsedEnvironment = Omit<z.output<typeof environmentSchema>, 'tags' | 'platform'> & {
  /** Checked by the schema: every value is a string. */
  readonly tags: Readonly<Record<string, string>>;
  readonly platform: Omit<z.output<typeof platformSettings>, 'values'> & {
    /** Checked by the schema: only components with values, each an object. */
    readonly values: Readonly<Partial<Record<ComponentName, Readonly<Record<string, unknown>>>>>;
  };
};
