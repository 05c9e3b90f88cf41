import { ConfigError, EnvironmentConfig, resolveEnvironment } from '../environments';
import { HOSTED_RUNNER, stackRunner } from '../environments/delivery';
import { environmentsJson } from '../scripts/environments';
import { dev, prod, staging } from './fixtures/environments';

/**
 * `delivery.deployRunner` (environments/delivery.ts): where each stack deploys,
 * and the rule that the runner deploying a cluster with a firewalled Key Vault
 * gets through that firewall (issue 19, item 5).
 */
const withDelivery = (base: EnvironmentConfig, delivery: unknown, security?: EnvironmentConfig['security']): EnvironmentConfig =>
  ({ ...base, ...(security ? { security } : {}), delivery } as EnvironmentConfig);

function problemsOf(config: EnvironmentConfig): { setting: string; accepted: string; value: string }[] {
  try {
    resolveEnvironment(config);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError, but the environment validated');
}

describe('defaults keep existing environment files green', () => {
  test('no delivery setting: the environment\'s own runner is ["self-hosted", "kubeflow-<name>"], leaving from the Key Vault\'s admitted addresses', () => {
    const env = resolveEnvironment(prod);
    expect(env.delivery.deployRunner).toEqual({ labels: ['self-hosted', 'kubeflow-prod'], egressIpRanges: ['198.51.100.10'], privateKeyVaultAccess: false });
    expect(resolveEnvironment(dev).delivery.deployRunner).toEqual({ labels: ['self-hosted', 'kubeflow-dev'], egressIpRanges: [], privateKeyVaultAccess: false });
  });

  test('each stack on the hosted runner unless it needs the environment\'s own: private platform, firewalled vault', () => {
    const [d, s, p] = [dev, staging, prod].map((e) => resolveEnvironment(e));
    expect([stackRunner(d, 'cluster'), stackRunner(d, 'platform')]).toEqual([HOSTED_RUNNER, HOSTED_RUNNER]);
    expect([stackRunner(s, 'cluster'), stackRunner(s, 'platform')]).toEqual([HOSTED_RUNNER, ['self-hosted', 'kubeflow-staging']]);
    expect([stackRunner(p, 'cluster'), stackRunner(p, 'platform')]).toEqual([['self-hosted', 'kubeflow-prod'], ['self-hosted', 'kubeflow-prod']]);
  });
});

describe('the runner and the Key Vault firewall', () => {
  test('a runner whose egress the firewall admits, inside a wider allowed range', () => {
    const env = resolveEnvironment(withDelivery(prod, { deployRunner: { labels: ['kubeflow-prod-larger'], egressIpRanges: ['198.51.100.16/29'] } }, { diskEncryption: 'customer-managed', keyVaultAllowedIpRanges: ['198.51.100.0/24'] }));
    expect(env.delivery.deployRunner.labels).toEqual(['kubeflow-prod-larger']);
    const entry = environmentsJson([env]).deploy.prod[0];
    expect([JSON.parse(entry.clusterRunner), JSON.parse(entry.platformRunner)]).toEqual([['kubeflow-prod-larger'], ['kubeflow-prod-larger']]);
  });

  test('a runner that reaches the vault through a private endpoint needs no admitted address', () => {
    const env = resolveEnvironment(withDelivery(prod, { deployRunner: { privateKeyVaultAccess: true } }, { diskEncryption: 'customer-managed', keyVaultAllowedIpRanges: [] }));
    expect(env.delivery.deployRunner.privateKeyVaultAccess).toBe(true);
  });

  test.each([
    ['a runner leaving from an address the firewall does not admit',
      withDelivery(prod, { deployRunner: { egressIpRanges: ['203.0.113.7'] } }),
      'delivery.deployRunner.egressIpRanges[0]', /Key Vault firewall admits only security\.keyVaultAllowedIpRanges \(\["198\.51\.100\.10"\]\)/],
    ['a runner range wider than the admitted address',
      withDelivery(prod, { deployRunner: { egressIpRanges: ['198.51.100.0/28'] } }),
      'delivery.deployRunner.egressIpRanges[0]', /deploys prod-cluster leaves from here/],
    ['a firewalled vault that admits no address',
      withDelivery(prod, undefined, { diskEncryption: 'customer-managed', keyVaultAllowedIpRanges: [] }),
      'security.keyVaultAllowedIpRanges', /list the runner's public egress addresses there.*privateKeyVaultAccess/],
    ['a runner declared with no egress address',
      withDelivery(prod, { deployRunner: { egressIpRanges: [] } }),
      'delivery.deployRunner.egressIpRanges', /deploys on the environment's own runner/],
    ['private vault access without a vault',
      withDelivery(dev, { deployRunner: { privateKeyVaultAccess: true } }),
      'delivery.deployRunner.privateKeyVaultAccess', /only applies with security\.diskEncryption "customer-managed"/],
    ['a standard GitHub-hosted label as the environment\'s own runner',
      withDelivery(prod, { deployRunner: { labels: ['ubuntu-24.04'] } }),
      'delivery.deployRunner.labels[0]', /shared and its address changes/],
    ['no labels',
      withDelivery(staging, { deployRunner: { labels: [] } }),
      'delivery.deployRunner.labels', /1 to 10 runner labels/],
    ['a label with a space',
      withDelivery(staging, { deployRunner: { labels: ['self-hosted', 'kubeflow staging'] } }),
      'delivery.deployRunner.labels[1]', /letters, digits/],
    ['a label twice',
      withDelivery(staging, { deployRunner: { labels: ['self-hosted', 'Self-Hosted'] } }),
      'delivery.deployRunner.labels[1]', /listed twice/],
    ['a private egress address',
      withDelivery(prod, { deployRunner: { egressIpRanges: ['10.30.0.4'] } }),
      'delivery.deployRunner.egressIpRanges[0]', /non-public range 10\.0\.0\.0\/8/],
    ['an unknown runner setting',
      withDelivery(prod, { deployRunner: { label: ['x'] } }),
      'delivery.deployRunner.label', /did you mean "labels"\?/],
  ])('%s', (_name, config, setting, accepted) => {
    const problems = problemsOf(config);
    // Exactly one problem, naming the setting and what is accepted.
    expect(problems.map((p) => p.setting)).toEqual([setting]);
    expect(problems[0].accepted).toMatch(accepted);
  });
});
