import { z } from 'zod';
import { EMAIL, integer, list, object, oneOf, text } from '../../environments/schema/kit';

/** Kubeflow profiles (one namespace each), as code: `profiles`. */

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;
const quantity = (description: string) => text(QUANTITY, 'accepted: a Kubernetes quantity such as "16", "500m", "64Gi"').optional().meta({ description });

export const GPU_MODELS = ['t4', 'a100', 'h100', 'h200'] as const;

const gpus = z.record(z.string(), z.unknown(), { error: 'expected an object' }).superRefine((value, ctx) => {
  for (const [model, count] of Object.entries(value)) {
    if (!(GPU_MODELS as readonly string[]).includes(model)) {
      ctx.addIssue({ code: 'custom', path: [model], params: { shown: JSON.stringify(model) }, message: `accepted GPU models: ${GPU_MODELS.join(', ')}` });
      continue;
    }
    const parsed = integer(0, 10000).safeParse(count);
    if (!parsed.success) ctx.addIssue({ code: 'custom', path: [model], message: parsed.error.issues[0].message });
  }
}).transform((value) => value as Partial<Record<(typeof GPU_MODELS)[number], number>>)
  .meta({ description: 'GPUs by model (`t4`, `a100`, `h100`, `h200`); Kubernetes counts all models together, so the quota is their sum. Each model must exist in a GPU pool.', accepts: 'models t4, a100, h100, h200; 0 to 10000 each' });

const email = (accepted: string) => text(EMAIL, accepted);

export const profileSettings = object({
  name: text(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'accepted: a namespace name: lowercase letters, digits and hyphens, at most 63, starting and ending with a letter or digit')
    .meta({ description: 'Profile and namespace name; not a namespace of the platform, unique.' }),
  owner: email('accepted: the owner\'s email address exactly as Entra ID issues it in the email claim (it becomes kubeflow-userid)')
    .meta({ description: 'The owner\'s email claim, in lower case (it becomes `kubeflow-userid`).' }),
  contributors: list(object({
    email: email('accepted: an email address exactly as Entra ID issues it').meta({ description: 'The contributor\'s email claim, in lower case.' }),
    role: oneOf(['edit', 'view']).meta({ description: 'Role in the namespace.' }),
  })).default([]).meta({ description: 'People who may work in the namespace besides the owner.' }),
  quota: object({
    cpu: quantity('CPU requests, e.g. `\'16\'`.'),
    memory: quantity('Memory requests, e.g. `\'64Gi\'`.'),
    storage: quantity('Storage requests, e.g. `\'500Gi\'`.'),
    gpus: gpus.optional(),
  }).optional().meta({ description: 'Resource quota of the namespace.', defaultText: 'no quota' }),
});

export const profilesSettings = list(profileSettings).default([]).meta({ description: 'Kubeflow profiles (one namespace each); need the access layer.' });

export type ProfileConfig = z.output<typeof profileSettings>;
