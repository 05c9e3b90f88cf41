import { ConfigError, ConfigProblem } from './config-error';
import { overlaps, parseCidr } from './cidr';
import type { ResolvedEnvironment } from './validate';

/** What the rules between environments found: problems per environment, and warnings. */
export interface AcrossEnvironments {
  readonly errors: readonly ConfigError[];
  /** Warnings by environment name (each names both environments). */
  readonly warnings: ReadonlyMap<string, readonly string[]>;
}

/**
 * Rules that only hold for the environments as a set (each environment is valid
 * on its own), checked where all of them are loaded together (`loadEnvironments`,
 * before any stack is built). The later environment of a pair carries the problem.
 *
 * - `access.host`: one hostname per environment. Two environments on one host
 *   would fight over its DNS record, its certificate and its sign-in redirect;
 *   and each environment's cert-manager identity may write exactly one DNS-01
 *   challenge record, `_acme-challenge.<host>`: a shared host would be a shared
 *   challenge scope, letting either environment obtain the other's certificate.
 * - `remoteState.storageAccountName`: one state account per environment. The
 *   state holds an environment's generated passwords; access to one account must
 *   not be access to another environment's state.
 * - `network.vnetCidr`: overlapping ranges are a warning (environments need not
 *   be connected), since they can never be peered or routed to one network.
 */
export function checkAcrossEnvironments(environments: readonly ResolvedEnvironment[]): AcrossEnvironments {
  const problems = new Map<string, ConfigProblem[]>();
  const warnings = new Map<string, string[]>();
  const fail = (env: ResolvedEnvironment, problem: ConfigProblem) => problems.set(env.name, [...(problems.get(env.name) ?? []), problem]);
  const warn = (env: ResolvedEnvironment, text: string) => warnings.set(env.name, [...(warnings.get(env.name) ?? []), text]);

  const hosts = new Map<string, ResolvedEnvironment>();
  const accounts = new Map<string, ResolvedEnvironment>();
  environments.forEach((env, i) => {
    const host = env.access?.host.toLowerCase();
    if (host !== undefined) {
      const other = hosts.get(host);
      if (other) {
        fail(env, {
          setting: 'access.host',
          value: JSON.stringify(env.access!.host),
          accepted: `environment "${other.name}" already uses this host: each environment needs its own hostname (its DNS record, certificate and sign-in redirect), and its own DNS-01 challenge record _acme-challenge.${host}, the only record its cert-manager identity may change`,
        });
      } else {
        hosts.set(host, env);
      }
    }
    const account = env.remoteState.storageAccountName.toLowerCase();
    const owner = accounts.get(account);
    if (owner) {
      fail(env, {
        setting: 'remoteState.storageAccountName',
        value: JSON.stringify(env.remoteState.storageAccountName),
        accepted: `environment "${owner.name}" keeps its state in this account: give each environment its own state storage account, so that access to one environment's state (which holds its generated passwords) is not access to another's`,
      });
    } else {
      accounts.set(account, env);
    }
    const range = parseCidr(env.network.vnetCidr);
    for (const earlier of environments.slice(0, i)) {
      const other = parseCidr(earlier.network.vnetCidr);
      if (range && other && overlaps(range, other)) {
        warn(env, `${env.name}: network.vnetCidr ${env.network.vnetCidr} overlaps network.vnetCidr ${earlier.network.vnetCidr} of environment "${earlier.name}": the two networks can never be peered or reached over one VPN; give each environment its own range`);
      }
    }
  });
  return {
    errors: [...problems].map(([name, list]) => new ConfigError(name, list)),
    warnings,
  };
}
