import { spawnSync } from 'child_process';
import { dirname, join } from 'path';
import { cdktfArgs, toolsFor } from '../scripts/cdktf-run';
import { Probe, chooseEngine, missingTools, requireTools } from '../scripts/prerequisites';

/** A machine with exactly these tools, answering `version` with the given text. */
function machine(tools: Record<string, string>): Probe {
  return (command) => tools[command];
}

describe('engine choice (TERRAFORM_BINARY_NAME for cdktf)', () => {
  test('terraform when it is recent enough', () => {
    expect(chooseEngine({}, machine({ terraform: 'Terraform v1.11.4\non linux_amd64', tofu: 'OpenTofu v1.12.6' }))).toBe('terraform');
  });

  test('tofu when terraform is missing or too old', () => {
    expect(chooseEngine({}, machine({ tofu: 'OpenTofu v1.12.6' }))).toBe('tofu');
    expect(chooseEngine({}, machine({ terraform: 'Terraform v1.5.7', tofu: 'OpenTofu v1.10.10' }))).toBe('tofu');
  });

  test('TERRAFORM_BINARY_NAME decides, and is checked', () => {
    expect(chooseEngine({ TERRAFORM_BINARY_NAME: 'tofu' }, machine({ terraform: 'Terraform v1.11.4', tofu: 'OpenTofu v1.12.6' }))).toBe('tofu');
    expect(() => chooseEngine({ TERRAFORM_BINARY_NAME: 'tofu' }, machine({ terraform: 'Terraform v1.11.4' }))).toThrow(/TERRAFORM_BINARY_NAME=tofu[\s\S]*tofu: not installed or not on PATH/);
  });

  test('neither: one message naming both and how to get them', () => {
    expect(() => chooseEngine({}, machine({ terraform: 'Terraform v1.8.5' }))).toThrow(/terraform: Terraform v1\.8\.5 is older than Terraform 1\.9[\s\S]*tofu: not installed[\s\S]*install Terraform ≥ 1\.9/);
  });
});

describe('tools a deploy needs', () => {
  test('a platform stack needs kubelogin besides the Azure CLI; a cluster stack the Azure CLI', () => {
    expect(toolsFor('dev-platform')).toEqual(['az', 'kubelogin']);
    expect(toolsFor('prod-cluster')).toEqual(['az']);
  });

  test('missing tools are named with how to get them, all at once', () => {
    expect(missingTools(['az', 'kubelogin'], machine({ az: '{}' }))).toEqual([expect.stringMatching(/^kubelogin is not installed or not on PATH; install kubelogin .*az aks install-cli/)]);
    expect(() => requireTools('deploy of dev-platform', ['az', 'kubelogin'], machine({}))).toThrow(/^deploy of dev-platform needs tools that are missing:\n {2}- az is not installed[\s\S]*\n {2}- kubelogin is not installed/);
    expect(() => requireTools('plan', ['az'], machine({ az: '{}' }))).not.toThrow();
  });

  test('plan is cdktf diff of one stack; deploy may run a platform stack alone', () => {
    expect(cdktfArgs('plan', 'dev-cluster', [])).toEqual(['diff', 'dev-cluster']);
    expect(cdktfArgs('deploy', 'dev-platform', ['--auto-approve'])).toEqual(['deploy', '--ignore-missing-stack-dependencies', 'dev-platform', '--auto-approve']);
  });

  test('an unknown stack is refused with the list, before any tool is looked for', () => {
    const run = spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, '..', 'scripts', 'cdktf-run.ts'), 'plan', 'dev-clustr'], { encoding: 'utf8', env: { ...process.env, PATH: dirname(process.execPath) } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/unknown stack "dev-clustr": expected one of dev-cluster, dev-platform/);
  });
});
