// The rehearsal's overrides change what a throwaway API server needs, and nothing else.
import { readFileSync } from 'fs';
import { join } from 'path';
import { CRD_RELEASE, CrdJson, LocalCluster, crdRaces, kubernetesLdflags, raceProblems, outputsState, rehearsalOverride, remoteOutputs, standIn, withoutAzureReads } from '../scripts/rehearse';
import {
  ClaimJson, DiskBefore, STAND_IN_LABEL, VolumeJson, WorkloadJson, aksDefaultStorageClass, claimsNamedImmutable, immutableClaimsIn, lockReusable,
  migrationCalls, migrationProblems, noStoresReason, parseRehearseArgs, previewGaps, replicaProblems, scaleBackCalls, standInDisk, storeClaimsOf, withoutGuardResource, workloadsMounting,
} from '../scripts/rehearse-upgrade';
import { volumeFindings } from '../scripts/preview/volumes';
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

  test("an old revision's MySQL administrator password output (from the cluster stack's random_password) gets a stand-in", () => {
    const value = standIn('cross-stack-output-random_passwordmysql_admin-password_value_B3FD235Aresult', cluster);
    expect(value).toMatch(/^rehearsal-[0-9a-f]{24}$/);
    expect(standIn('cross-stack-output-random_passwordmysql_admin-password_value_B3FD235Aresult', cluster)).toBe(value);
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

describe('the upgrade rehearsal of the in-cluster stores (--from)', () => {
  const claim = (name: string, over: Partial<ClaimJson['spec']> = {}, uid = `uid-${name}`): ClaimJson => ({
    metadata: { name, namespace: 'kubeflow', uid },
    spec: { storageClassName: 'default', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, ...over },
  });

  test('arguments: the environment, --keep and --from in any order; --from needs a revision; unknown options are named', () => {
    expect(parseRehearseArgs(['dev'])).toEqual({ env: 'dev', keep: false, from: undefined, help: false });
    expect(parseRehearseArgs(['--from', 'af96e05', 'dev', '--keep'])).toEqual({ env: 'dev', keep: true, from: 'af96e05', help: false });
    expect(parseRehearseArgs(['dev', '--from=v1.2.0'])).toMatchObject({ env: 'dev', from: 'v1.2.0' });
    expect(() => parseRehearseArgs(['dev', '--from'])).toThrow(/--from takes a git revision/);
    expect(() => parseRehearseArgs(['dev', '--from', '--keep'])).toThrow(/--from takes a git revision/);
    expect(() => parseRehearseArgs(['dev', '--form', 'x'])).toThrow(/unknown option --form/);
    expect(() => parseRehearseArgs(['dev', 'staging'])).toThrow(/one environment at a time/);
  });

  test('an old revision borrows node_modules only when its lock installs nothing differently', () => {
    const now = { packages: { '': { version: '0.1.0' }, 'node_modules/a': { version: '1.0.0', integrity: 'sha512-a' }, 'node_modules/zod': { version: '4.6.7', integrity: 'sha512-z' } } };
    expect(lockReusable({ packages: { '': { version: '0.0.9' }, 'node_modules/a': { version: '1.0.0', integrity: 'sha512-a' } } }, now)).toBe(true);
    expect(lockReusable({ packages: { 'node_modules/a': { version: '0.9.0', integrity: 'sha512-old' } } }, now)).toBe(false);
    expect(lockReusable({ packages: { 'node_modules/gone': { version: '1.0.0', integrity: 'sha512-g' } } }, now)).toBe(false);
  });

  test("AKS's default class stands in as AKS creates it: the default, Azure Disk, Delete, waiting for a consumer", () => {
    const sc = aksDefaultStorageClass() as Record<string, any>;
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(sc).toMatchObject({ provisioner: 'disk.csi.azure.com', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' });
  });

  test("a claim's stand-in disk has its class, size and access modes, Delete, a label, and is bound to it as a provisioned one", () => {
    const pv = standInDisk(claim('katib-mysql', { resources: { requests: { storage: '10Gi' } } })) as Record<string, any>;
    expect(pv.metadata.name).toBe('pvc-uid-katib-mysql');
    expect(pv.metadata.labels).toEqual({ [STAND_IN_LABEL]: 'disk' });
    expect(pv.spec).toMatchObject({ capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'default', persistentVolumeReclaimPolicy: 'Delete' });
    expect(pv.spec.claimRef).toMatchObject({ namespace: 'kubeflow', name: 'katib-mysql', uid: 'uid-katib-mysql' });
    expect(pv.spec.csi.driver).toBe('disk.csi.azure.com');
    expect(() => standInDisk(claim('katib-mysql', { storageClassName: undefined }))).toThrow(/claim kubeflow\/katib-mysql has no storageClassName/);
    expect(() => standInDisk(claim('katib-mysql', { resources: {} }))).toThrow(/requests no storage size/);
  });

  test('the store claims are the ones the preview knows; the workloads that mount a claim are found in its namespace', () => {
    const claims = [claim('seaweedfs-pvc'), claim('workspace-alice'), claim('mysql-pv-claim'), claim('metadata-postgres'), claim('katib-mysql')];
    expect(storeClaimsOf(claims).map((c) => c.metadata.name)).toEqual(['katib-mysql', 'metadata-postgres', 'mysql-pv-claim', 'seaweedfs-pvc']);
    const mounting = (kind: WorkloadJson['kind'], name: string, ns: string, claimName?: string): WorkloadJson => ({
      kind, metadata: { name, namespace: ns }, spec: { replicas: 1, template: { spec: { volumes: claimName ? [{ persistentVolumeClaim: { claimName } }] : [{}] } } },
    });
    const workloads = [mounting('Deployment', 'mysql', 'kubeflow', 'mysql-pv-claim'), mounting('Deployment', 'ml-pipeline', 'kubeflow'), mounting('StatefulSet', 'mysql', 'other', 'mysql-pv-claim'), mounting('StatefulSet', 'db', 'kubeflow', 'mysql-pv-claim')];
    expect(workloadsMounting({ namespace: 'kubeflow', name: 'mysql-pv-claim' }, workloads).map((w) => `${w.kind} ${w.metadata.name}`)).toEqual(['Deployment mysql', 'StatefulSet db']);
  });

  describe('the migration as API requests', () => {
    const calls = migrationCalls({ namespace: 'kubeflow', name: 'katib-mysql' }, 'pvc-1', [{ kind: 'Deployment', name: 'katib-mysql' }]);

    test('the disk is kept before its claim goes; the workload is down before; the disk is re-pointed after', () => {
      expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
        'PATCH /api/v1/persistentvolumes/pvc-1',
        'PATCH /apis/apps/v1/namespaces/kubeflow/deployments/katib-mysql/scale',
        'DELETE /api/v1/namespaces/kubeflow/persistentvolumeclaims/katib-mysql',
        'PATCH /api/v1/persistentvolumes/pvc-1',
      ]);
      expect(calls[0].body).toEqual({ spec: { persistentVolumeReclaimPolicy: 'Retain' } });
      expect(calls[1].body).toEqual({ spec: { replicas: 0 } });
      // uid and resourceVersion cleared (null in a merge patch), so the claim the release recreates can take the disk.
      expect(calls[3]).toMatchObject({ contentType: 'application/merge-patch+json', body: { spec: { storageClassName: 'kubeflow-store', claimRef: { namespace: 'kubeflow', name: 'katib-mysql', uid: null, resourceVersion: null } } } });
      expect(migrationCalls({ namespace: 'kubeflow', name: 'x' }, 'pv', [{ kind: 'StatefulSet', name: 'db' }])[1].path).toBe('/apis/apps/v1/namespaces/kubeflow/statefulsets/db/scale');
    });

    test('the requests are the commands docs/components/data-stores.md gives, patch for patch, and the scale-back after the apply', () => {
      const doc = readFileSync(join(__dirname, '..', 'docs', 'components', 'data-stores.md'), 'utf8');
      const section = doc.slice(doc.indexOf('**Upgrading an environment whose in-cluster stores predate this**'));
      const [before, after] = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]);
      const vars = { NS: 'kubeflow', CLAIM: 'katib-mysql', PV: 'pvc-1', DEPLOY: 'katib-mysql', REPLICAS: '1' };
      const expand = (s: string) => s.replace(/\$\{?(NS|CLAIM|PV|DEPLOY|REPLICAS)\}?/g, (_m, v: keyof typeof vars) => vars[v]);
      const kubectl = (block: string) => block.split('\n').filter((l) => /^kubectl /.test(l)).map((l) => expand(l.replace(/\s+#.*$/, '')).replace(/"pvc-1"/g, 'pvc-1'));
      const lines = kubectl(before);
      const patches = lines.filter((l) => l.startsWith('kubectl patch pv')).map((l) => {
        const single = /-p '([^']+)'/.exec(l)?.[1];
        const double = /-p "((?:[^"\\]|\\.)+)"/.exec(l)?.[1]?.replace(/\\"/g, '"');
        return { merge: /--type=merge/.test(l), body: JSON.parse((single ?? double)!) as unknown };
      });
      expect(patches).toEqual([
        { merge: false, body: calls[0].body },
        { merge: true, body: calls[3].body },
      ]);
      // In the documented order: kept, scaled down, deleted, re-pointed.
      expect(lines.map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual(calls.map((c) => c.command.split(' ').slice(0, 4).join(' ')));
      expect(lines.slice(1, 3)).toEqual([calls[1].command, calls[2].command]);
      const back = scaleBackCalls([{ workload: 'Deployment kubeflow/katib-mysql', replicas: 1 }], [{ kind: 'Deployment', metadata: { name: 'katib-mysql', namespace: 'kubeflow' }, spec: { replicas: 0, template: {} } }]);
      expect(kubectl(after)).toEqual(back.map((c) => c.command));
    });
  });

  test('after the apply, only the workloads it left below their replicas are scaled back, to what they had', () => {
    const w = (name: string, replicas?: number): WorkloadJson => ({ kind: 'Deployment', metadata: { name, namespace: 'kubeflow' }, spec: { replicas, template: {} } });
    const before = [{ workload: 'Deployment kubeflow/mysql', replicas: 1 }, { workload: 'Deployment kubeflow/seaweedfs', replicas: 1 }, { workload: 'Deployment kubeflow/gone', replicas: 1 }];
    const calls = scaleBackCalls(before, [w('mysql', 0), w('seaweedfs', 1)]);
    expect(calls).toEqual([{ method: 'PATCH', path: '/apis/apps/v1/namespaces/kubeflow/deployments/mysql/scale', contentType: 'application/merge-patch+json', body: { spec: { replicas: 1 } }, command: 'kubectl -n kubeflow scale deploy mysql --replicas=1' }]);
    // unset replicas mean 1
    expect(scaleBackCalls(before.slice(0, 1), [w('mysql')])).toEqual([]);
  });

  describe('after the upgrade, each store claim is on its old disk', () => {
    const before: DiskBefore[] = [{ claim: 'kubeflow/katib-mysql', volume: 'pvc-1', volumeUid: 'disk-1', storageClassName: 'default' }];
    const good = {
      claims: [{ ...claim('katib-mysql', { storageClassName: 'kubeflow-store', volumeName: 'pvc-1' }, 'new-claim'), metadata: { name: 'katib-mysql', namespace: 'kubeflow', uid: 'new-claim', annotations: { 'helm.sh/resource-policy': 'keep' } }, status: { phase: 'Bound' } }] as ClaimJson[],
      volumes: [{ metadata: { name: 'pvc-1', uid: 'disk-1' }, spec: { storageClassName: 'kubeflow-store', persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'kubeflow', name: 'katib-mysql', uid: 'new-claim' } } }] as VolumeJson[],
    };

    test('bound to the same disk, on the store class, kept and retained: no problem', () => {
      expect(migrationProblems(before, good.claims, good.volumes)).toEqual([]);
    });

    test('each way it can go wrong is named', () => {
      const c = good.claims[0];
      const v = good.volumes[0];
      expect(migrationProblems(before, [], good.volumes)).toEqual(['claim kubeflow/katib-mysql does not exist after the apply']);
      expect(migrationProblems(before, [{ ...c, status: { phase: 'Pending' }, spec: { ...c.spec, volumeName: undefined } }], good.volumes)).toEqual([
        'claim kubeflow/katib-mysql is Pending, not Bound',
        'claim kubeflow/katib-mysql is bound to no volume, not to its disk pvc-1',
      ]);
      expect(migrationProblems(before, good.claims, [{ ...v, spec: { ...v.spec, claimRef: { namespace: 'kubeflow', name: 'katib-mysql', uid: 'old-claim' } } }])).toEqual(['disk pvc-1 is reserved for kubeflow/katib-mysql (uid old-claim), not the claim kubeflow/katib-mysql (uid new-claim)']);
      expect(migrationProblems(before, good.claims, [{ ...v, metadata: { name: 'pvc-1', uid: 'another' } }])).toEqual([expect.stringMatching(/disk pvc-1 of kubeflow\/katib-mysql is a new object/)]);
      expect(migrationProblems(before, good.claims, [{ ...v, spec: { ...v.spec, persistentVolumeReclaimPolicy: 'Delete' } }])).toEqual(['disk pvc-1 has reclaim policy Delete, not Retain']);
      expect(migrationProblems(before, [{ ...c, spec: { ...c.spec, storageClassName: 'default' } }], good.volumes)).toEqual(['claim kubeflow/katib-mysql has class default, not kubeflow-store']);
      expect(migrationProblems(before, [{ ...c, metadata: { ...c.metadata, annotations: {} } }], good.volumes)).toEqual(['claim kubeflow/katib-mysql lacks helm.sh/resource-policy: keep']);
      expect(migrationProblems(before, good.claims, [])).toEqual(['disk pvc-1 of kubeflow/katib-mysql is gone']);
    });

    test('workloads come back to the replicas they had', () => {
      const w = (replicas?: number): WorkloadJson => ({ kind: 'Deployment', metadata: { name: 'katib-mysql', namespace: 'kubeflow' }, spec: { replicas, template: {} } });
      const was = [{ workload: 'Deployment kubeflow/katib-mysql', replicas: 1 }];
      expect(replicaProblems(was, [w(1)])).toEqual([]);
      expect(replicaProblems(was, [w(0)])).toEqual(['Deployment kubeflow/katib-mysql has 0 replicas after the apply, had 1 before the migration']);
      expect(replicaProblems(was, [])).toEqual(['Deployment kubeflow/katib-mysql is gone after the apply']);
    });
  });

  test("the claims a failed apply names as refused changes of an immutable spec, with the release", () => {
    const output = IMMUTABLE_APPLY_OUTPUT;
    expect(immutableClaimsIn(output)).toEqual([
      { release: 'katib_bundle_main_release_E20EA355', claim: 'katib-mysql' },
      { release: 'pipelines_bundle_main_release_9D8C5312', claim: 'mysql-pv-claim' },
      { release: 'pipelines_bundle_main_release_9D8C5312', claim: 'seaweedfs-pvc' },
    ]);
    // Another refusal of the same claims is not this one.
    expect(immutableClaimsIn(output.replace(/spec(\s+)is(\s+)immutable/g, 'field$1is$2unsupported'))).toEqual([]);
  });

  test("the preview's volume check names the claims a class change refuses (and not a claim that keeps its class)", () => {
    const release = (name: string) => ({ name, namespace: 'kubeflow', chart: 'x', values: [] as string[] });
    const stack = (marker: string) => ({ resource: { helm_release: { a: { ...release('katib'), values: [marker] }, b: { ...release('other'), values: [marker] } } } });
    const objects = (body: Record<string, unknown>, cls?: string) => body.name === 'katib'
      ? [{ kind: 'PersistentVolumeClaim', metadata: { name: 'katib-mysql', namespace: 'kubeflow' }, spec: cls ? { storageClassName: cls } : {} }]
      : [{ kind: 'PersistentVolumeClaim', metadata: { name: 'scratch', namespace: 'kubeflow' }, spec: {} }];
    const render = (body: Record<string, unknown>) => objects(body, (body.values as string[])[0] === 'after' ? 'kubeflow-store' : undefined);
    const findings = volumeFindings(stack('before'), stack('after'), render);
    expect(claimsNamedImmutable(findings.warnings)).toEqual(['kubeflow/katib-mysql']);
    expect(claimsNamedImmutable(volumeFindings(stack('before'), stack('before2'), render).warnings)).toEqual([]);
  });

  test("a refused claim the preview did not name is a miss, unless the preview's note says it could not render that release", () => {
    const refused = [{ release: 'katib_A', claim: 'katib-mysql' }, { release: 'pipelines_B', claim: 'mysql-pv-claim' }, { release: 'pipelines_B', claim: 'seaweedfs-pvc' }];
    const stack = { resource: { helm_release: { katib_A: { name: 'katib' }, pipelines_B: { name: 'pipelines' } } } };
    const note = 'Release `pipelines` (before) could not be rendered, so its PersistentVolumeClaims are not checked: kustomize failed.';
    expect(previewGaps(refused, ['kubeflow/katib-mysql', 'kubeflow/mysql-pv-claim', 'kubeflow/seaweedfs-pvc'], [], stack)).toEqual({ missed: [], unchecked: [] });
    expect(previewGaps(refused, ['kubeflow/katib-mysql'], [note], stack)).toEqual({ missed: [], unchecked: ['kubeflow/mysql-pv-claim', 'kubeflow/seaweedfs-pvc'] });
    expect(previewGaps(refused, ['kubeflow/katib-mysql'], [], stack)).toEqual({ missed: ['kubeflow/mysql-pv-claim', 'kubeflow/seaweedfs-pvc'], unchecked: [] });
    expect(previewGaps(refused, [], [note.replace('pipelines', 'katib')], stack)).toEqual({ missed: ['kubeflow/mysql-pv-claim', 'kubeflow/seaweedfs-pvc'], unchecked: ['kubeflow/katib-mysql'] });
  });

  test('an environment without an in-cluster store today is refused, naming why', () => {
    expect(noStoresReason(synthPlatform(dev).parsed as unknown as Parameters<typeof noStoresReason>[0], 'dev')).toBeUndefined();
    expect(noStoresReason({ resource: { helm_release: { a: { name: 'istiod' } } } }, 'lean')).toMatch(/environment "lean" has no in-cluster store today \(no kubeflow-store-storage release in lean-platform/);
  });
});

/** The apply of today's stack over claims still on AKS's default class, as the engine printed it (npm run rehearse -- dev --from 515bbb7; Model Registry's error left out). */
const IMMUTABLE_APPLY_OUTPUT = `
Error: Error upgrading chart

  with helm_release.katib_bundle_main_release_E20EA355,
  on cdk.tf.json line 1167, in resource.helm_release.katib_bundle_main_release_E20EA355:
1167:       },

Upgrade failed: cannot patch "katib-mysql" with kind PersistentVolumeClaim:
PersistentVolumeClaim "katib-mysql" is invalid: spec: Forbidden: spec is
immutable after creation except resources.requests and
volumeAttributesClassName for bound claims
@@ -10,7 +10,7 @@
   }
  },
  "VolumeName": "pvc-d05a5daf-53d4-4d6f-8241-2a11bcbe46f8",
- "StorageClassName": "default",
+ "StorageClassName": "kubeflow-store",
  "VolumeMode": "Filesystem",
  "DataSource": null,
  "DataSourceRef": null,


Error: Error upgrading chart

  with helm_release.pipelines_bundle_main_release_9D8C5312,
  on cdk.tf.json line 1502, in resource.helm_release.pipelines_bundle_main_release_9D8C5312:
1502:       },

Upgrade failed: cannot patch "mysql-pv-claim" with kind
PersistentVolumeClaim: PersistentVolumeClaim "mysql-pv-claim" is invalid:
spec: Forbidden: spec is immutable after creation except resources.requests
and volumeAttributesClassName for bound claims
@@ -10,7 +10,7 @@
   }
  },
  "VolumeName": "pvc-76eec76b-c959-4114-bfb8-c3263c4d07eb",
- "StorageClassName": "default",
+ "StorageClassName": "kubeflow-store",
  "VolumeMode": "Filesystem",
  "DataSource": null,
  "DataSourceRef": null,
 && cannot patch "seaweedfs-pvc" with kind PersistentVolumeClaim: PersistentVolumeClaim "seaweedfs-pvc" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims
@@ -10,7 +10,7 @@
   }
  },
  "VolumeName": "pvc-20f06b2b-9ca5-431c-b1c6-63d40beef8f0",
- "StorageClassName": "default",
+ "StorageClassName": "kubeflow-store",
  "VolumeMode": "Filesystem",
  "DataSource": null,
  "DataSourceRef": null,
`;

describe("an old revision's placeholder guard resource", () => {
  test('is dropped from the copy (a deployed environment had none); other terraform_data stays', () => {
    const stack = { resource: { terraform_data: { 'placeholder-guard_9ED01DB5': { input: {} }, other: { input: 1 } }, helm_release: { a: { name: 'a' } } } };
    expect(withoutGuardResource(stack)).toEqual({ stack: { resource: { terraform_data: { other: { input: 1 } }, helm_release: { a: { name: 'a' } } } }, dropped: ['terraform_data.placeholder-guard_9ED01DB5'] });
    const only = withoutGuardResource({ resource: { terraform_data: { 'placeholder-guard_1': {} } } });
    expect(only.stack).toEqual({ resource: {} });
    expect(withoutGuardResource({ resource: { helm_release: {} } }).dropped).toEqual([]);
  });

  test('is refused when something depends on it', () => {
    expect(() => withoutGuardResource({ resource: { terraform_data: { 'placeholder-guard_1': {} }, helm_release: { a: { depends_on: ['terraform_data.placeholder-guard_1'] } } } })).toThrow(/terraform_data.placeholder-guard_1 is referenced elsewhere/);
  });
});
