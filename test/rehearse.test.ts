// The rehearsal's overrides change what a throwaway API server needs, and nothing else.
import { readFileSync } from 'fs';
import { join } from 'path';
import { CRD_RELEASE, CrdJson, LocalCluster, crdRaces, kubernetesLdflags, raceProblems, outputsState, rehearsalOverride, remoteOutputs, standIn, withoutAzureReads } from '../scripts/rehearse';
import { dev, prod } from './fixtures/environments';
import { synthPlatform } from './helpers';

const cluster: LocalCluster = { host: 'https://127.0.0.1:6443', caPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', tokenCommand: '/tmp/r/token.sh' };
const paths = { state: '/tmp/r/platform.tfstate', clusterState: '/tmp/r/cluster.tfstate' };

describe('platform rehearsal overrides', () => {
  const { parsed } = synthPlatform(prod);
  const stack = parsed as unknown as Parameters<typeof rehearsalOverride>[0];

  test('every cluster output the platform reads has a stand-in; the API server is the local one', () => {
    const outputs = remoteOutputs(stack);
    expect(outputs.length).toBeGreaterThanOrEqual(5);
    const values = Object.fromEntries(outputs.map((o) => [o, standIn(o, cluster)]));
    const host = outputs.find((o) => o.endsWith('kube_config0host'))!;
    expect(values[host]).toBe('https://127.0.0.1:6443');
    const ca = outputs.find((o) => o.endsWith('cluster_ca_certificate'))!;
    expect(Buffer.from(values[ca], 'base64').toString()).toBe(cluster.caPem);
    const state = JSON.parse(outputsState(values)) as { version: number; outputs: Record<string, { value: string }> };
    expect(state.version).toBe(4);
    expect(Object.keys(state.outputs).sort()).toEqual(outputs);
  });

  test('an output without a stand-in is named', () => {
    expect(() => standIn('cross-stack-output-azurerm_thingx_42somethingnew', cluster)).toThrow(/no stand-in for cluster output cross-stack-output-azurerm_thingx_42somethingnew/);
  });

  test('local state, local remote state, the local login; readiness waits and hooks off; the guard only when asked', () => {
    const guarded = rehearsalOverride(stack, cluster, paths, true) as Record<string, any>;
    expect(guarded.terraform).toEqual({ backend: { local: { path: paths.state } } });
    expect(Object.values(guarded.data.terraform_remote_state)).toEqual([{ backend: 'local', config: { path: paths.clusterState } }]);
    expect(guarded.provider.kubernetes[0].exec[0].command).toBe(cluster.tokenCommand);
    expect(guarded.provider.helm[0].kubernetes.exec.command).toBe(cluster.tokenCommand);
    // host and CA stay the stack's own expressions: the wiring through the cluster outputs is rehearsed too.
    expect(guarded.provider.helm[0].kubernetes.host).toMatch(/^\$\{data\.terraform_remote_state\./);
    expect(guarded.provider.kustomization[0].kubeconfig_raw).toContain(cluster.host);
    const releases = Object.keys(parsed.resource.helm_release);
    expect(Object.keys(guarded.resource.helm_release)).toEqual(releases);
    const name = (id: string) => String(parsed.resource.helm_release[id].name);
    const crdReleases = releases.filter((id) => CRD_RELEASE.test(name(id))).map(name).sort();
    // CRD-only releases keep their wait (Helm waits until the CRDs are established); everything else does not wait.
    expect(crdReleases).toEqual(expect.arrayContaining(['dashboard-crds', 'istio-base', 'kserve-crd', 'katib-crds', 'notebooks-crds', 'pipelines-crds']));
    for (const id of releases) {
      expect(guarded.resource.helm_release[id]).toEqual(CRD_RELEASE.test(name(id))
        ? { atomic: false, wait_for_jobs: false, disable_webhooks: true }
        : { atomic: false, wait: false, wait_for_jobs: false, disable_webhooks: true });
    }
    expect(Object.values(guarded.resource.kubernetes_job_v1)).toEqual([{ wait_for_completion: false }]);
    expect(guarded.locals).toBeUndefined();
    const unguarded = rehearsalOverride(stack, cluster, paths, false) as Record<string, any>;
    expect(Object.values(unguarded.locals)).toEqual([[]]);
  });

  test('nothing else is overridden: no other resource type, no data source but the remote state', () => {
    const override = rehearsalOverride(synthPlatform(dev).parsed as unknown as Parameters<typeof rehearsalOverride>[0], cluster, paths, false) as Record<string, Record<string, unknown>>;
    expect(Object.keys(override).sort()).toEqual(['data', 'locals', 'provider', 'resource', 'terraform']);
    expect(Object.keys(override.resource)).toEqual(['helm_release']);
    expect(Object.keys(override.data)).toEqual(['terraform_remote_state']);
  });
});

test('the Kubernetes binaries are stamped with the version their module pins (charts compare it)', () => {
  const goMod = readFileSync(join(__dirname, '..', '.ci', 'kube-apiserver', 'go.mod'), 'utf8');
  const flags = kubernetesLdflags(goMod);
  expect(flags[0]).toBe('-ldflags');
  expect(flags[1]).toMatch(/-X k8s\.io\/component-base\/version\.gitVersion=v1\.36\.\d+ -X k8s\.io\/component-base\/version\.gitMajor=1 -X k8s\.io\/component-base\/version\.gitMinor=36/);
  expect(kubernetesLdflags('module x\n')).toEqual([]);
});

describe('apply again only after a race with CRD discovery, never past an ordering defect', () => {
  const output = `
Error: installation failed

  with helm_release.issuer_B,
  on cdk.tf.json line 744, in resource.helm_release.issuer_B:

unable to build kubernetes objects from release manifest: resource mapping
not found for name: "x" namespace: "" from "": no
matches for kind "ClusterIssuer" in version "cert-manager.io/v1"
ensure CRDs are installed first
`;
  const stack = { resource: { helm_release: {
    'cm_A': { name: 'cert-manager' },
    'issuer_B': { name: 'issuer', depends_on: ['helm_release.mid_C'] },
    'mid_C': { name: 'mid', depends_on: ['helm_release.cm_A'] },
    'other_D': { name: 'other' },
  } } };
  const crd = (owner: string, established = true): CrdJson => ({
    metadata: { annotations: { 'meta.helm.sh/release-name': owner } },
    spec: { group: 'cert-manager.io', names: { kind: 'ClusterIssuer' } },
    status: { conditions: [{ type: 'Established', status: established ? 'True' : 'False' }] },
  });

  test('the races are read from the engine output', () => {
    expect(crdRaces(output)).toEqual([{ release: 'issuer_B', kind: 'ClusterIssuer', group: 'cert-manager.io' }]);
    expect(crdRaces(`${output}\nError: something else\n  with helm_release.other_D,\n`)).toEqual([]);
  });

  test('a CRD from a (transitive) dependency is a race; from any other release, an ordering defect', () => {
    const [race] = crdRaces(output);
    expect(raceProblems(stack, race, [crd('cert-manager')])).toEqual([]);
    expect(raceProblems(stack, race, [crd('other')])).toEqual([expect.stringMatching(/installed by other, which issuer_B does not depend on: an ordering defect/)]);
    expect(raceProblems(stack, race, [])).toEqual([expect.stringMatching(/whose CRD no release installed/)]);
    expect(raceProblems(stack, race, [crd('cert-manager', false)])).toEqual([expect.stringMatching(/not established/)]);
  });
});

describe('what only Azure answers', () => {
  test('an ephemeral Azure read and its provider leave the copy; the write-only argument gets a stand-in', () => {
    const stack = {
      provider: { azurerm: [{ alias: 'mysql-admin', features: [{}] }], kubernetes: [{}] },
      ephemeral: { azurerm_key_vault_secret: { admin: { name: 'mysql-admin-password' } }, random_password: { other: { length: 16 } } },
      resource: { kubernetes_secret_v1: { job: { data_wo: { ADMIN_PASSWORD: '${ephemeral.azurerm_key_vault_secret.admin.value}', USER: 'kfadmin' } } } },
    };
    const { stack: copy, stoodIn } = withoutAzureReads(stack);
    expect(stoodIn).toEqual(['ephemeral.azurerm_key_vault_secret.admin']);
    expect(copy.provider).toEqual({ kubernetes: [{}] });
    expect(copy.ephemeral).toEqual({ random_password: { other: { length: 16 } } });
    expect(copy.resource).toEqual({ kubernetes_secret_v1: { job: { data_wo: { ADMIN_PASSWORD: 'rehearsal-stand-in-azurerm_key_vault_secret-admin', USER: 'kfadmin' } } } });
  });

  test('a stack without one is left as it is', () => {
    const stack = { provider: { azurerm: [{}] }, resource: { azurerm_resource_group: { rg: { name: 'x' } } } };
    expect(withoutAzureReads(stack)).toEqual({ stack, stoodIn: [] });
  });
});
