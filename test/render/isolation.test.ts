import { ENVIRONMENTS, EnvironmentConfig } from '../../environments';
import { GATEWAY_PRINCIPAL, PIPELINES_UI_PRINCIPAL, meshIsolationObjects, tenantNetworkPolicies } from '../../constructs/istio/tenant-isolation';
import { USERID_HEADER, entraAuthenticationObjects } from '../../constructs/access/entra-authentication';
import { contributorObjects } from '../../constructs/profiles/profiles';
import { renderFixture } from '../fixtures/render-environment';
import { isolationBaselineProblems, isolationModel, requestMatrix, requestMatrixProblems, userHeaderTrustProblems } from './isolation';
import { K8sObject, RenderedEnvironment, RenderedRelease, objectsOf, renderEnvironment } from '../../scripts/render/render';
import { renderTools } from '../../scripts/render/tools';

/**
 * Tenant isolation (issue 20) on the rendered objects: the three rules hold on
 * every environment of environments/, the render fixture, a fork-generated
 * environment (a profile more, Katib off) and an
 * environment without the access layer; each rule fails on a copy broken the
 * way isolation would be lost.
 */
const tools = renderTools();
const maybe = tools.available ? describe : describe.skip;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const RULES: Record<string, (r: RenderedEnvironment) => string[]> = {
  '(a) no policy trusts kubeflow-userid without the gateway principal': userHeaderTrustProblems,
  '(b) STRICT mutual TLS, the root deny, the gateway strips the header and refuses tokens without the claim, a wall per namespace': isolationBaselineProblems,
  '(c) the request matrix holds: other tenants refused by each wall, every needed flow allowed': requestMatrixProblems,
};

/** What a fork generates: a sample environment with a profile more and Katib off. */
function forkEnvironment(): EnvironmentConfig {
  const base = ENVIRONMENTS.find((e) => e.stage !== 'prod') ?? ENVIRONMENTS[0];
  return {
    ...base,
    name: 'forkgen',
    network: { vnetCidr: '10.252.0.0/16', nodeSubnetCidr: '10.252.0.0/22' },
    remoteState: { ...base.remoteState, storageAccountName: 'stkubeflowtfstateforkgen' },
    ...(base.access ? { access: { ...base.access, host: `forkgen.${base.access.host}` } } : {}),
    platform: { ...base.platform, components: { ...base.platform?.components, katib: false } },
    profiles: [...(base.profiles ?? []), { name: 'fork-team', owner: 'fork.owner@example.com', contributors: [{ email: 'fork.viewer@example.com', role: 'view' }] }],
  };
}

const { access: _access, profiles: _profiles, ...withoutAccess } = renderFixture;
const environments: [string, EnvironmentConfig][] = [
  ...ENVIRONMENTS.map((e) => [`environments/${e.name}`, e] as [string, EnvironmentConfig]),
  ['the render fixture', renderFixture],
  ['a fork-generated environment', forkEnvironment()],
  ['an environment without the access layer', { ...withoutAccess, name: 'noaccess' }],
];

maybe.each(environments)('tenant isolation: %s', (_name, config) => {
  let rendered: RenderedEnvironment;
  beforeAll(() => {
    rendered = renderEnvironment(config);
  });
  test.each(Object.keys(RULES))('%s', (rule) => {
    expect(RULES[rule](rendered)).toEqual([]);
  });
  test('the matrix asks about every profile, and refuses other tenants for each', () => {
    const matrix = requestMatrix(rendered);
    for (const profile of rendered.env.profiles) {
      expect(matrix.filter((e) => e.expect === 'deny' && e.request.to.namespace === profile.name).length).toBeGreaterThan(0);
      expect(matrix.filter((e) => e.expect === 'allow' && e.request.to.namespace === profile.name).length).toBeGreaterThan(0);
    }
    // Needed flows beyond the profiles: routes, webhooks, scrapes, the platform's own calls.
    expect(matrix.filter((e) => e.expect === 'allow' && e.request.to.namespace === 'kubeflow').length).toBeGreaterThan(rendered.env.platform.components.pipelines ? 5 : 0);
  });
});

maybe('tenant isolation rules on broken inputs', () => {
  let fixture: RenderedEnvironment;
  let fork: RenderedEnvironment;
  beforeAll(() => {
    fixture = renderEnvironment(renderFixture);
    fork = renderEnvironment(forkEnvironment());
  });

  /** A copy whose objects `change` maps (undefined drops one); `add` puts objects into a release of the copy. */
  function broken(from: RenderedEnvironment, change: (obj: K8sObject, release: string) => K8sObject | undefined, add: { release: string; objects: object[] } = { release: '', objects: [] }): RenderedEnvironment {
    const copy = structuredClone(from) as Mutable<RenderedEnvironment> & { releases: Mutable<RenderedRelease>[] };
    copy.releases = copy.releases.map((r) => ({ ...r, objects: [...r.objects.flatMap((o) => change(structuredClone(o), r.name) ?? []), ...(r.name === add.release ? add.objects as K8sObject[] : [])] }));
    return copy;
  }
  const is = (o: K8sObject, kind: string, name: string, namespace?: string) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace);
  const spec = (o: K8sObject) => o.spec as Record<string, unknown>;

  test('a contributor policy without the gateway principal (as on main before issue 20)', () => {
    const r = broken(fixture, (o) => {
      if (o.kind === 'AuthorizationPolicy' && /^user-/.test(o.metadata.name)) delete ((spec(o).rules as { from?: unknown }[])[0]).from;
      return o;
    });
    expect(userHeaderTrustProblems(r)).toEqual([expect.stringMatching(/AuthorizationPolicy team-a\/user-editor-fixture-test-clusterrole-edit .*trusts kubeflow-userid from any source/)]);
    expect(requestMatrixProblems(r)).toContainEqual(expect.stringMatching(/isolation broken: a pod of another tenant \(undeclared-tenant\) claiming to be editor@fixture.test → team-a's notebook .*the mesh lets it through/));
  });

  test('a header rule that names another principal beside the gateway', () => {
    const r = broken(fixture, (o) => {
      if (o.kind === 'AuthorizationPolicy' && /^user-/.test(o.metadata.name)) (spec(o).rules as { from: { source: { principals: string[] } }[] }[])[0].from[0].source.principals.push('cluster.local/ns/team-a/sa/default-editor');
      return o;
    });
    expect(userHeaderTrustProblems(r)).toEqual([expect.stringContaining('trusts kubeflow-userid from cluster.local/ns/team-a/sa/default-editor, which is neither the gateway nor a known forwarder')]);
  });

  test('a forwarder that takes the header from anyone (the Pipelines UI open to every caller)', () => {
    const r = broken(fixture, (o) => (is(o, 'AuthorizationPolicy', 'ml-pipeline-ui') ? { ...o, spec: { ...spec(o), rules: [{}] } } as K8sObject : o));
    expect(userHeaderTrustProblems(r)).toEqual([expect.stringContaining(`kubeflow/ml-pipeline-ui: forwards ${USERID_HEADER} and is trusted with it, but admits it from a pod of another tenant`)]);
    expect(requestMatrixProblems(r)).toContainEqual(expect.stringContaining('identity not enforced: team-a\'s pods claiming to be another user → the Pipelines UI server'));
  });

  test('no root deny: workloads without policies of their own are open', () => {
    const r = broken(fixture, (o) => (is(o, 'AuthorizationPolicy', 'global-deny-all') ? undefined : o));
    expect(isolationBaselineProblems(r)).toEqual([expect.stringContaining('no allow-nothing AuthorizationPolicy')]);
  });

  test('mutual TLS left permissive mesh-wide, or a whole namespace or workload made permissive', () => {
    const permissive = broken(fixture, (o) => (is(o, 'PeerAuthentication', 'default', 'istio-system') ? { ...o, spec: { mtls: { mode: 'PERMISSIVE' } } } as K8sObject : o));
    expect(isolationBaselineProblems(permissive)).toEqual([expect.stringContaining('no mesh-wide PeerAuthentication in istio-system with mtls.mode STRICT'), expect.stringContaining('PeerAuthentication istio-system/default (mesh-isolation): mtls.mode PERMISSIVE for a whole namespace')]);
    const wide = broken(fixture, (o) => o, { release: 'mesh-isolation', objects: [{ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'kubeflow-wide', namespace: 'kubeflow' }, spec: { mtls: { mode: 'PERMISSIVE' } } }] });
    expect(isolationBaselineProblems(wide)).toEqual([expect.stringContaining('PeerAuthentication kubeflow/kubeflow-wide (mesh-isolation): mtls.mode PERMISSIVE for a whole namespace')]);
    const workload = broken(fixture, (o) => (is(o, 'PeerAuthentication', 'cache-server-webhook') ? { ...o, spec: { ...spec(o), mtls: { mode: 'PERMISSIVE' } } } as K8sObject : o));
    expect(isolationBaselineProblems(workload)).toEqual([expect.stringContaining('PeerAuthentication kubeflow/cache-server-webhook (mesh-isolation): mtls.mode PERMISSIVE for every port of its workloads')]);
  });

  test('the gateway keeps a client-sent kubeflow-userid, or lets a token without the email claim through', () => {
    const noStrip = broken(fixture, (o) => (o.kind === 'EnvoyFilter' ? undefined : o));
    expect(isolationBaselineProblems(noStrip)).toEqual([expect.stringContaining('does not remove a client-sent kubeflow-userid')]);
    const noRefusal = broken(fixture, (o) => (is(o, 'AuthorizationPolicy', 'istio-ingressgateway-require-identity-claim') ? undefined : o));
    expect(isolationBaselineProblems(noRefusal)).toEqual([expect.stringMatching(/tokens of https:\/\/login.microsoftonline.com\/.* without the email claim are not refused/)]);
  });

  test('a profile NetworkPolicy that admits every namespace, and one missing', () => {
    const open = broken(fork, (o) => (is(o, 'NetworkPolicy', 'tenant-isolation', 'fork-team')
      ? { ...o, spec: { ...spec(o), ingress: [...(spec(o).ingress as object[]), { from: [{ namespaceSelector: {} }] }] } } as K8sObject : o));
    const leaks = requestMatrixProblems(open);
    expect(leaks.length).toBeGreaterThan(0);
    expect(leaks.every((p) => /isolation broken: .*→ fork-team's .*the network lets it through/.test(p))).toBe(true);
    const missing = broken(fork, (o) => (is(o, 'NetworkPolicy', 'tenant-isolation', 'fork-team') ? undefined : o));
    expect(isolationBaselineProblems(missing)).toEqual(['namespace fork-team: no NetworkPolicy selects all its pods, so pods no other policy selects admit any source']);
    expect(requestMatrixProblems(missing)).toContainEqual(expect.stringMatching(/isolation broken: a pod of another tenant \(ml-team\) claiming to be fork.owner@example.com → fork-team's notebook .*the network lets it through/));
  });

  test('a needed flow closed: the webhook exception, the scrape exception or the gateway\'s route policy removed', () => {
    const webhook = broken(fixture, (o) => (is(o, 'PeerAuthentication', 'cache-server-webhook') ? undefined : o));
    expect(requestMatrixProblems(webhook)).toEqual([expect.stringMatching(/needed flow refused: the Kubernetes API server \(webhook call\) → cache-server\.kubeflow\.svc .*requires mutual TLS on port 8443/)]);
    const scrape = broken(fixture, (o) => (is(o, 'NetworkPolicy', 'open-notebook-controller-metrics') ? undefined : o));
    expect(requestMatrixProblems(scrape)).toEqual([expect.stringMatching(/needed flow refused: Azure Managed Prometheus \(ama-metrics\) → kubeflow\/notebook-controller-deployment:8080\/metrics .*network: no rule/)]);
    const route = broken(fixture, (o) => (is(o, 'AuthorizationPolicy', 'jupyter-web-app') ? undefined : o));
    expect(requestMatrixProblems(route)).toEqual([expect.stringMatching(/needed flow refused: the gateway → kubeflow\/jupyter-web-app-jupyter-web-app .*no rule of AuthorizationPolicy istio-system\/global-deny-all admits it/)]);
  });

  test('platform controller namespaces are walled in, and their webhooks stay reachable only through the named ports', () => {
    const walls = objectsOf(fork).filter((l) => l.obj.kind === 'NetworkPolicy' && l.obj.metadata.name === 'platform-default').map((l) => l.obj.metadata.namespace).sort();
    expect(walls).toEqual(['kserve', 'kubeflow-system', 'spark-operator']);
    const kserve = broken(fork, (o) => (is(o, 'NetworkPolicy', 'open-kserve-webhook', 'kserve') ? undefined : o));
    expect(requestMatrixProblems(kserve)).toContainEqual(expect.stringMatching(/needed flow refused: the Kubernetes API server \(webhook call\) → .*\(kserve\/kserve-webhook-server-service:\d+\).*network: no rule of NetworkPolicy kserve\/platform-default/));
    const jobset = broken(fork, (o) => (is(o, 'NetworkPolicy', 'open-jobset-webhook', 'kubeflow-system') ? undefined : o));
    expect(requestMatrixProblems(jobset)).toContainEqual(expect.stringMatching(/needed flow refused: the Kubernetes API server \(webhook call\) → .*\(kubeflow-system\/jobset-webhook-service:\d+\).*network: no rule of NetworkPolicy kubeflow-system\/platform-default/));
  });

  test('the evaluator sees the runtime objects it is told about (not a vacuous pass)', () => {
    const model = isolationModel(fork);
    expect(model.policies.filter((l) => l.obj.metadata.name === 'ns-owner-access-istio').map((l) => l.namespace).sort()).toEqual(['fork-team', 'ml-team']);
    expect(model.profiles.find((p) => p.name === 'fork-team')).toEqual({ name: 'fork-team', owner: 'fork.owner@example.com', contributors: ['fork.viewer@example.com'] });
    expect(model.workloads.filter((w) => w.namespace === 'fork-team').map((w) => w.name).sort()).toEqual(expect.arrayContaining(['notebook', 'pipeline-run']));
  });
});

describe('the objects issue 20 adds, as the constructs make them', () => {
  test('contributors are trusted only through the gateway (and the Pipelines UI)', () => {
    const [binding, policy] = contributorObjects({ name: 'team', owner: 'owner@example.com', contributors: [{ email: 'editor@example.com', role: 'edit' }] }) as { subjects?: { name: string }[]; spec?: { rules: object[] } }[];
    expect(binding.subjects?.[0].name).toBe('editor@example.com');
    expect(policy.spec?.rules).toEqual([{ from: [{ source: { principals: [GATEWAY_PRINCIPAL, PIPELINES_UI_PRINCIPAL] } }], when: [{ key: 'request.headers[kubeflow-userid]', values: ['editor@example.com'] }] }]);
  });

  test('the gateway strips user headers first, lowercases the user id last and refuses Entra tokens without the email claim', () => {
    const objects = entraAuthenticationObjects({ tenantId: 't', clientId: 'c' }) as { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[];
    const filter = objects.find((o) => o.kind === 'EnvoyFilter');
    const patches = filter?.spec.configPatches as { patch: { operation: string; value: unknown } }[];
    expect(patches.map((p) => p.patch.operation)).toEqual(['INSERT_FIRST', 'INSERT_BEFORE']);
    expect(JSON.stringify(patches[0].patch.value)).toContain('remove(\\"kubeflow-userid\\")');
    expect(JSON.stringify(patches[1].patch.value)).toContain('string.lower');
    const deny = objects.find((o) => o.metadata.name === 'istio-ingressgateway-require-identity-claim');
    expect(deny?.spec).toMatchObject({ action: 'DENY', rules: [{ from: [{ source: { requestPrincipals: ['https://login.microsoftonline.com/t/v2.0/*'] } }], when: [{ key: 'request.auth.claims[email]', notValues: ['*'] }] }] });
  });

  test('exceptions follow the components: nothing to except without them', () => {
    const bare = meshIsolationObjects({});
    expect(bare.map((o) => (o as { metadata: { name: string } }).metadata.name)).toEqual(['default', 'global-deny-all', 'istio-ingressgateway']);
    const scraped = meshIsolationObjects({ components: { pipelines: true }, scraped: true }) as { kind: string; spec: { portLevelMtls?: Record<string, unknown> } }[];
    expect(scraped.filter((o) => o.kind === 'PeerAuthentication' && o.spec.portLevelMtls).map((o) => Object.keys(o.spec.portLevelMtls ?? {})[0])).toEqual(['8443', '8888', '9090']);
    const policies = tenantNetworkPolicies({ profiles: ['a', 'b'] }) as { metadata: { name: string; namespace: string } }[];
    expect(policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['a/tenant-isolation', 'b/tenant-isolation', 'kubeflow/kubeflow-default']);
  });
});
