import { z } from 'zod';
import { Checker } from './checker';
import { bool, object } from './schema/kit';
import { NON_PUBLIC_RANGES, contains, overlaps, parseAddressOrCidr } from './cidr';

/**
 * Where the deploy pipeline runs for an environment (`delivery`), and the rule that
 * ties it to the environment's firewalls: the runner that deploys a cluster stack
 * with a firewalled Key Vault must be one the firewall admits. Kept apart from
 * validate.ts: the workflows' matrix (`scripts/environments.ts`) reads the same
 * rules through `stackRunner`.
 */

/** `runs-on` of the standard GitHub-hosted runner: shared machines, changing addresses. */
export const HOSTED_RUNNER = 'ubuntu-24.04';

/** The environment's own runners after validation. */
export interface ResolvedDeployRunner {
  readonly labels: readonly string[];
  readonly egressIpRanges: readonly string[];
  readonly privateKeyVaultAccess: boolean;
}

export interface ResolvedDelivery {
  readonly deployRunner: ResolvedDeployRunner;
}

/** What `checkDelivery` needs from the rest of the environment (undefined where that part is broken). */
export interface DeliveryContext {
  readonly name?: string;
  readonly apiAccess?: { readonly mode: 'private' | 'public' };
  readonly security?: { readonly diskEncryption: 'platform' | 'customer-managed'; readonly keyVaultAllowedIpRanges: readonly string[] };
}

/** The parts of a resolved environment that decide where its stacks deploy. */
export interface DeliveryFacts {
  readonly apiAccess: { readonly mode: 'private' | 'public' };
  readonly security: { readonly diskEncryption: 'platform' | 'customer-managed' };
  readonly delivery: ResolvedDelivery;
}

/**
 * Why a stack needs the environment's own runner, or undefined when a standard
 * GitHub-hosted runner can deploy it: the platform stack of a private API server
 * (only a runner in or peered with the network reaches it), the cluster stack of a
 * customer-managed disk key (its Key Vault admits only `security.keyVaultAllowedIpRanges`).
 */
export function ownRunnerReason(env: DeliveryFacts, layer: 'cluster' | 'platform'): string | undefined {
  if (layer === 'platform' && env.apiAccess.mode === 'private') return 'the API server is private';
  if (layer === 'cluster' && env.security.diskEncryption === 'customer-managed') return 'its Key Vault firewall admits only security.keyVaultAllowedIpRanges';
  return undefined;
}

/** `runs-on` of the job that deploys a stack: the environment's own runner labels, or the hosted runner. */
export function stackRunner(env: DeliveryFacts, layer: 'cluster' | 'platform'): string | readonly string[] {
  return ownRunnerReason(env, layer) ? env.delivery.deployRunner.labels : HOSTED_RUNNER;
}

/** A runner label: letters, digits, `.`, `_`, `-`; a standard GitHub-hosted image label is refused. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const STANDARD_HOSTED = /^(ubuntu|windows|macos)-(latest|\d[\w.-]*)$/i;

/** The `delivery` setting: the environment's own runners (labels, egress, private vault access). */
export const deliverySettings = object({
  deployRunner: object({
    labels: z.array(z.unknown(), { error: 'expected a list' }).superRefine((list, ctx) => {
      if (list.length < 1 || list.length > 10) {
        ctx.addIssue({ code: 'custom', input: list, message: 'accepted: 1 to 10 runner labels, e.g. ["self-hosted", "kubeflow-prod"]' });
        return;
      }
      const seen = new Set<string>();
      list.forEach((label, i) => {
        const fail = (message: string) => ctx.addIssue({ code: 'custom', path: [i], input: label, message });
        if (typeof label !== 'string' || !LABEL.test(label)) fail('accepted: a runner label of letters, digits, ".", "_" and "-" (at most 100)');
        else if (STANDARD_HOSTED.test(label)) fail('a standard GitHub-hosted runner is shared and its address changes: name the environment\'s own runners (self-hosted, or a larger runner with a fixed egress range)');
        else if (seen.has(label.toLowerCase())) fail('listed twice: remove the duplicate');
        else seen.add(label.toLowerCase());
      });
    }).transform((list) => list as string[]).optional().meta({
      description: '`runs-on` labels of the environment\'s own runners (self-hosted first, or a larger runner\'s label); never a standard GitHub-hosted label.',
      defaultText: '`[\'self-hosted\', \'kubeflow-<name>\']`',
    }),
    egressIpRanges: z.array(z.unknown(), { error: 'expected a list' }).superRefine((list, ctx) => {
      if (list.length > 100) {
        ctx.addIssue({ code: 'custom', input: list, message: 'accepted: 0 to 100 public IPv4 addresses or CIDR ranges' });
        return;
      }
      list.forEach((item, i) => {
        const range = parseAddressOrCidr(item);
        const reserved = range && NON_PUBLIC_RANGES.find((n) => overlaps(n.range, range));
        if (!range) ctx.addIssue({ code: 'custom', path: [i], input: item, message: 'accepted: an IPv4 address or a CIDR range with no host bits set, e.g. "203.0.113.0/28"' });
        else if (reserved) ctx.addIssue({ code: 'custom', path: [i], input: item, message: `overlaps non-public range ${reserved.name}: list the public addresses the runners leave from (NAT gateway, firewall)` });
      });
    }).transform((list) => list as string[]).optional().meta({
      description: 'Public IPv4 addresses or ranges the runners\' traffic leaves from; each inside `security.keyVaultAllowedIpRanges` when they deploy a firewalled Key Vault\'s cluster stack.',
      defaultText: '`security.keyVaultAllowedIpRanges`',
    }),
    privateKeyVaultAccess: bool().default(false).meta({ description: 'The runners reach the disk-encryption Key Vault through a private endpoint. Only with `diskEncryption: \'customer-managed\'`.' }),
  }).prefault({}).meta({ description: 'The environment\'s own runners.' }),
}).prefault({}).meta({ description: 'Where the deploy pipeline runs for this environment.' });

/**
 * Fills in `delivery`'s defaults and checks the rule that ties it to the firewalls: with a
 * customer-managed disk key the cluster stack deploys on the environment's own runner, and
 * that runner must reach the Key Vault, through a private endpoint or from an address its
 * firewall admits. `parsed` is the schema's output; `explicitEgress` whether the file names the egress.
 */
export function checkDelivery(c: Checker, parsed: z.output<typeof deliverySettings>, ctx: DeliveryContext): ResolvedDelivery | undefined {
  const before = c.problems.length;
  const r = parsed.deployRunner;
  const labels = r.labels ?? ['self-hosted', `kubeflow-${ctx.name ?? 'unnamed'}`];
  const egressIpRanges = r.egressIpRanges ?? [...(ctx.security?.keyVaultAllowedIpRanges ?? [])];
  const privateKeyVaultAccess = r.privateKeyVaultAccess;
  if (ctx.security) checkKeyVaultReach(c, ctx, { egressIpRanges, privateKeyVaultAccess, explicit: r.egressIpRanges !== undefined });
  if (c.problems.length > before) return undefined;
  return { deployRunner: { labels, egressIpRanges, privateKeyVaultAccess } };
}

/** The rule of issue 19 item 5: the runner that deploys a firewalled vault's cluster stack gets through the firewall. */
function checkKeyVaultReach(
  c: Checker,
  ctx: DeliveryContext,
  runner: { egressIpRanges: readonly string[]; privateKeyVaultAccess: boolean; explicit: boolean },
): void {
  const security = ctx.security!;
  if (security.diskEncryption !== 'customer-managed') {
    if (runner.privateKeyVaultAccess) c.fail('delivery.deployRunner.privateKeyVaultAccess', true, 'only applies with security.diskEncryption "customer-managed" (there is no Key Vault otherwise): remove it');
    return;
  }
  if (runner.privateKeyVaultAccess) return;
  const stack = `${ctx.name ?? '(environment)'}-cluster`;
  if (runner.egressIpRanges.length === 0) {
    c.fail(runner.explicit ? 'delivery.deployRunner.egressIpRanges' : 'security.keyVaultAllowedIpRanges', [],
      `${stack} deploys on the environment's own runner, and its Key Vault admits only security.keyVaultAllowedIpRanges: list the runner's public egress addresses there (and in delivery.deployRunner.egressIpRanges if they differ), or set delivery.deployRunner.privateKeyVaultAccess when the runner reaches the vault through a private endpoint`);
    return;
  }
  const allowed = security.keyVaultAllowedIpRanges.map((a) => parseAddressOrCidr(a)).filter((a) => a !== undefined);
  runner.egressIpRanges.forEach((egress, i) => {
    const range = parseAddressOrCidr(egress);
    if (range && !allowed.some((a) => contains(a, range))) {
      c.fail(`delivery.deployRunner.egressIpRanges[${i}]`, egress,
        `the runner that deploys ${stack} leaves from here, but the Key Vault firewall admits only security.keyVaultAllowedIpRanges (${JSON.stringify(security.keyVaultAllowedIpRanges)}): add this range there, or set delivery.deployRunner.privateKeyVaultAccess`);
    }
  });
}
