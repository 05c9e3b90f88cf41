import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { CHALLENGE_RECORD_PLACEHOLDER, challengeRecordName } from '../constructs/access/dns-challenge-identity';
import { gpuPoolScheduling } from '../constructs/node-pools/gpu-scheduling';
import { contributorBindingName } from '../constructs/profiles/profiles';
import { KUBEFLOW_PIPELINES, KUSTOMIZE_PATHS, NOTEBOOK_IMAGES } from '../catalog/versions';
import { dev } from './fixtures/environments';
import { prod } from './fixtures/environments';
import { staging } from './fixtures/environments';
import { devWith, releasesByName, resourcesOfType, synthCluster, synthPlatform } from './helpers';

const devCluster = synthCluster(dev);
const devPlatform = synthPlatform(dev);
const releases = releasesByName(devPlatform.parsed);

type Overlay = {
  resources: string[];
  patches: { patch: string; target?: Record<string, string> }[];
  config_map_generator?: { name: string; behavior?: string; literals: string[] }[];
  secret_generator?: { name: string; behavior?: string; literals: string[] }[];
};

function overlayFor(path: string): Overlay {
  const all = Object.values((devPlatform.parsed.data?.kustomization_overlay ?? {}) as unknown as Record<string, Overlay>);
  const found = all.find((o) => o.resources.some((r) => r.endsWith(`/${path}`)));
  if (!found) throw new Error(`no overlay renders ${path}`);
  return found;
}

function objectsOf(releaseName: string): Record<string, unknown>[] {
  const values = JSON.parse(releases[releaseName].values[0]) as { manifests: string[] };
  return values.manifests.map((m) => JSON.parse(m) as Record<string, unknown>);
}

function find(objects: Record<string, unknown>[], kind: string, name: string): Record<string, any> {
  const found = objects.find((o) => o.kind === kind && (o.metadata as { name: string }).name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

describe('Entra ID application (cluster stack)', () => {
  test('web redirect to oauth2-proxy, assigned groups only in the claim, email claim, v2 tokens', () => {
    expect(devCluster.json).toHaveResourceWithProperties(Application, {
      display_name: 'Kubeflow dev',
      sign_in_audience: 'AzureADMyOrg',
      group_membership_claims: ['ApplicationGroup'],
      web: { redirect_uris: ['https://kubeflow.dev.example.com/oauth2/callback'], implicit_grant: { access_token_issuance_enabled: false, id_token_issuance_enabled: false } },
      optional_claims: { id_token: [{ name: 'email' }], access_token: [{ name: 'email' }] },
      api: { requested_access_token_version: 2 },
    });
  });

  test('assignment required, and each allowed group assigned', () => {
    expect(devCluster.json).toHaveResourceWithProperties(ServicePrincipal, { app_role_assignment_required: true });
    const assignments = Object.values(resourcesOfType(devCluster.parsed, 'azuread_app_role_assignment'));
    expect(assignments.map((a) => a.principal_object_id)).toEqual(dev.access!.allowedGroupObjectIds);
  });

  test('oauth2-proxy federates with the cluster\'s OIDC issuer: no client secret exists', () => {
    expect(devCluster.json).toHaveResourceWithProperties(ApplicationFederatedIdentityCredential, {
      subject: 'system:serviceaccount:oauth2-proxy:oauth2-proxy',
      audiences: ['api://AzureADTokenExchange'],
      issuer: expect.stringContaining('oidc_issuer_url'),
    });
    expect(devCluster.parsed.resource.azuread_application_password).toBeUndefined();
    expect(devCluster.parsed.resource.azuread_service_principal_password).toBeUndefined();
  });

  test('an existing application is looked up, not created, and still gets the federated credential', () => {
    const existing = synthCluster(devWith({ access: { ...dev.access!, application: { mode: 'existing', clientId: '11111111-2222-4333-8444-555555555555' } } }));
    expect(existing.parsed.resource.azuread_application).toBeUndefined();
    expect(Object.keys(existing.parsed.data?.azuread_application ?? {})).toHaveLength(1);
    expect(existing.json).toHaveResource(ApplicationFederatedIdentityCredential);
  });

  test('cert-manager\'s identity may change its own challenge record set only, in the zone\'s subscription, federated with its service account', () => {
    const grants = Object.values(resourcesOfType(devCluster.parsed, 'azurerm_role_assignment')).filter((r) => r.role_definition_name === 'DNS Zone Contributor');
    expect(grants).toHaveLength(1);
    const records = Object.entries(resourcesOfType(devCluster.parsed, 'azurerm_dns_txt_record'));
    expect(records).toHaveLength(1);
    const [recordId, record] = records[0];
    // The scope is the record set, never the zone: no grant names the zone or its resource group.
    expect(grants[0].scope).toBe(`\${azurerm_dns_txt_record.${recordId}.id}`);
    expect(JSON.stringify(resourcesOfType(devCluster.parsed, 'azurerm_role_assignment'))).not.toMatch(/dnszones\/example\.com"|resourceGroups\/rg-dns"/i);
    expect(record).toMatchObject({
      name: '_acme-challenge.kubeflow.dev',
      zone_name: 'example.com',
      resource_group_name: 'rg-dns',
      ttl: 60,
      record: [{ value: CHALLENGE_RECORD_PLACEHOLDER }],
      lifecycle: { ignore_changes: ['record'] },
      provider: 'azurerm.dns_zone',
    });
    expect(grants[0].provider).toBe('azurerm.dns_zone');
    const providers = (devCluster.parsed.provider as { azurerm: Record<string, unknown>[] }).azurerm;
    expect(providers).toContainEqual(expect.objectContaining({ alias: 'dns_zone', subscription_id: '0f3c9a1e-6b2d-4e8f-a7c5-1d9e3b6f4a20', resource_provider_registrations: 'none' }));
    expect(devCluster.json).toHaveResourceWithProperties(FederatedIdentityCredential, { subject: 'system:serviceaccount:cert-manager:cert-manager', audience: ['api://AzureADTokenExchange'] });
  });

  test('each environment\'s identity gets a different record set of the shared zone', () => {
    const names = [dev, staging, prod].map((config) => Object.values(resourcesOfType(synthCluster(config).parsed, 'azurerm_dns_txt_record')).map((r) => `${String(r.zone_name)}/${String(r.name)}`));
    expect(names).toEqual([['example.com/_acme-challenge.kubeflow.dev'], ['example.com/_acme-challenge.kubeflow.staging'], ['example.com/_acme-challenge.kubeflow']]);
  });

  test('the challenge record name is relative to the zone; the apex has the bare name', () => {
    expect(challengeRecordName('kubeflow.dev.example.com', 'example.com')).toBe('_acme-challenge.kubeflow.dev');
    expect(challengeRecordName('example.com', 'example.com')).toBe('_acme-challenge');
    expect(() => challengeRecordName('kubeflow.example.org', 'example.com')).toThrow(/not inside the DNS zone/);
  });

  test('no access layer, no Entra resources', () => {
    const none = synthCluster(devWith({ access: undefined, profiles: [], notebooks: { enabled: false } }));
    expect(none.parsed.resource.azuread_application).toBeUndefined();
    expect(none.parsed.provider).not.toHaveProperty('azuread');
  });
});

describe('oauth2-proxy for Entra ID', () => {
  const overlay = overlayFor(KUSTOMIZE_PATHS.oauth2Proxy);
  const cfg = overlay.config_map_generator!.find((g) => g.name === 'oauth2-proxy')!.literals[0];

  test('issuer, provider and federated token auth instead of a client secret', () => {
    expect(cfg).toContain(`oidc_issuer_url = "https://login.microsoftonline.com/${dev.tenantId}/v2.0"`);
    expect(cfg).toContain('provider = "entra-id"');
    expect(cfg).toContain('entra_id_federated_token_auth = true');
    expect(cfg).not.toContain('dex');
  });

  test('allowed groups from the environment, secure cookies, callback on the host', () => {
    expect(cfg).toContain(`allowed_groups = [ "${dev.access!.allowedGroupObjectIds[0]}" ]`);
    expect(cfg).toContain('cookie_secure = true');
    expect(cfg).toContain('redirect_url = "https://kubeflow.dev.example.com/oauth2/callback"');
    const params = overlay.config_map_generator!.find((g) => g.name === 'oauth2-proxy-parameters')!;
    expect(params.literals).toEqual(expect.arrayContaining(['FORCE_HTTPS=true', 'ALLOW_SELF_SIGNED_ISSUER=false']));
  });

  test('the demo secret is replaced whole: client id and a generated cookie secret, no client secret', () => {
    const secret = overlay.secret_generator!.find((g) => g.name === 'oauth2-proxy')!;
    expect(secret.behavior).toBe('replace');
    expect(secret.literals).toEqual([
      expect.stringMatching(/^client-id=\$\{azuread_application\.|^client-id=\$\{data\.terraform_remote_state\./),
    ]);
    // The cookie secret goes through the kubernetes provider (sensitive), never through Helm values.
    expect(JSON.stringify(overlay)).not.toContain('random_password');
    const cookie = Object.values(devPlatform.parsed.resource.kubernetes_secret_v1).find((s) => (s.metadata as { name: string }).name === 'oauth2-proxy-cookie')!;
    expect(cookie.data).toEqual({ 'cookie-secret': expect.stringMatching(/^\$\{random_password\.oauth2-proxy_cookie-secret_value_[0-9A-F]+\.result\}$/) });
  });

  test('the client-secret variable is removed, guarded by a test of its position', () => {
    const patch = overlay.patches.find((p) => p.patch.includes('OAUTH2_PROXY_CLIENT_SECRET'))!;
    expect(JSON.parse(patch.patch)).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/0/env/1/name', value: 'OAUTH2_PROXY_CLIENT_SECRET' },
      { op: 'remove', path: '/spec/template/spec/containers/0/env/1' },
    ]);
  });

  test('workload identity: pod label and service-account client id', () => {
    const label = overlay.patches.find((p) => p.patch.includes('azure.workload.identity/use'))!;
    expect(JSON.parse(label.patch).spec.template.metadata.labels).toEqual({ 'azure.workload.identity/use': 'true' });
    const sa = overlay.patches.find((p) => p.target?.kind === 'ServiceAccount')!;
    expect(JSON.parse(sa.patch).metadata.annotations['azure.workload.identity/client-id']).toMatch(/^\$\{/);
  });

  test('its namespace is created once, restricted', () => {
    expect(devPlatform.json).toHaveResourceWithProperties(NamespaceV1, { metadata: { name: 'oauth2-proxy', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
  });
});

describe('gateway authentication', () => {
  const objects = objectsOf('entra-authentication');
  const requestAuthentication = find(objects, 'RequestAuthentication', 'entra-id-jwt');
  const entraRule = requestAuthentication.spec.jwtRules[0];

  test('the Entra issuer with audiences set to the application\'s client id', () => {
    expect(entraRule.issuer).toBe(`https://login.microsoftonline.com/${dev.tenantId}/v2.0`);
    expect(entraRule.audiences).toHaveLength(1);
    expect(entraRule.audiences[0]).toMatch(/^\$\{.*client_id/);
  });

  test('the email claim becomes kubeflow-userid', () => {
    expect(entraRule.outputClaimToHeaders).toContainEqual({ header: 'kubeflow-userid', claim: 'email' });
  });

  test('browser traffic goes through oauth2-proxy; anything without a valid token is denied', () => {
    const custom = find(objects, 'AuthorizationPolicy', 'istio-ingressgateway-oauth2-proxy');
    expect(custom.spec).toMatchObject({ action: 'CUSTOM', provider: { name: 'oauth2-proxy' } });
    const deny = find(objects, 'AuthorizationPolicy', 'istio-ingressgateway-require-jwt');
    expect(deny.spec).toMatchObject({ action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] });
  });

  test('machine-to-machine: AKS service-account tokens with their own audience (dev), none in prod', () => {
    expect(requestAuthentication.spec.jwtRules[1]).toMatchObject({ audiences: ['kubeflow'], outputClaimToHeaders: [{ header: 'kubeflow-userid', claim: 'sub' }] });
    expect(requestAuthentication.spec.jwtRules[1].issuer).toMatch(/oidc_issuer_url/);
    const prodObjects = JSON.parse(releasesByName(synthPlatform(prod).parsed)['entra-authentication'].values[0]).manifests.map((m: string) => JSON.parse(m));
    expect(find(prodObjects, 'RequestAuthentication', 'entra-id-jwt').spec.jwtRules).toHaveLength(1);
  });

  test('applications publish their routes only after the sign-in policies', () => {
    for (const app of ['katib', 'pipelines', 'dashboard', 'notebooks']) {
      expect(releases[app].depends_on).toContain(releases['entra-authentication'].address);
    }
  });
});

describe('TLS on the ingress gateway', () => {
  test('ACME DNS-01 in Azure DNS with cert-manager\'s workload identity, a certificate for the host', () => {
    const objects = objectsOf('kubeflow-gateway-tls');
    const issuer = find(objects, 'ClusterIssuer', 'kubeflow-acme');
    expect(issuer.spec.acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(issuer.spec.acme.solvers[0].dns01.azureDNS).toMatchObject({ hostedZoneName: 'example.com', resourceGroupName: 'rg-dns', managedIdentity: { clientID: expect.stringMatching(/^\$\{/) } });
    expect(find(objects, 'Certificate', 'kubeflow-gateway').spec).toMatchObject({ dnsNames: ['kubeflow.dev.example.com'], secretName: 'kubeflow-gateway-tls' });
  });

  test('cert-manager runs with workload identity', () => {
    expect(JSON.parse(releases['cert-manager'].values[0])).toMatchObject({ podLabels: { 'azure.workload.identity/use': 'true' } });
  });

  test('the Kubeflow gateway serves HTTPS for the host and redirects HTTP', () => {
    const patch = overlayFor(KUSTOMIZE_PATHS.istioResources).patches.find((p) => p.target?.kind === 'Gateway')!;
    const servers = JSON.parse(patch.patch)[0].value;
    expect(servers).toEqual([
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['kubeflow.dev.example.com'], tls: { httpsRedirect: true } },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['kubeflow.dev.example.com'], tls: { mode: 'SIMPLE', credentialName: 'kubeflow-gateway-tls' } },
    ]);
  });

  test('a provided certificate: no issuer, the gateway uses the given secret', () => {
    const provided = synthPlatform(devWith({ access: { ...dev.access!, tls: { mode: 'provided', secretName: 'corp-wildcard' } } }));
    expect(releasesByName(provided.parsed)['kubeflow-gateway-tls']).toBeUndefined();
    expect(provided.json).toContain('\\"credentialName\\":\\"corp-wildcard\\"');
  });
});

describe('dashboard and profiles', () => {
  test('dashboard from the distribution, self-registration off', () => {
    const overlay = overlayFor(KUSTOMIZE_PATHS.dashboard);
    expect(overlay.config_map_generator).toEqual([{ name: 'dashboard-parameters', namespace: 'kubeflow', behavior: 'merge', literals: ['REGISTRATION_FLOW=false'] }]);
    expect(releases['dashboard-crds']).toBeDefined();
  });

  test('a Profile per profile: owner email and quota, GPUs included', () => {
    const profile = find(objectsOf('kubeflow-profiles'), 'Profile', 'ml-team');
    expect(profile.spec).toEqual({
      owner: { kind: 'User', name: 'alice@example.com' },
      resourceQuotaSpec: { hard: { 'requests.cpu': '16', 'requests.memory': '64Gi', 'requests.nvidia.com/gpu': '2' } },
    });
  });

  test('GPU quotas of several models add up (Kubernetes counts nvidia.com/gpu together)', () => {
    const objects = JSON.parse(releasesByName(synthPlatform(staging).parsed)['kubeflow-profiles'].values[0]).manifests.map((m: string) => JSON.parse(m));
    expect(find(objects, 'Profile', 'ml-team').spec.resourceQuotaSpec.hard['requests.nvidia.com/gpu']).toBe('3');
  });

  test('the namespace is created with the owner annotation the profile controller checks', () => {
    expect(devPlatform.json).toHaveResourceWithProperties(NamespaceV1, { metadata: { name: 'ml-team', annotations: { owner: 'alice@example.com' } }, lifecycle: { ignore_changes: ['metadata[0].labels'] } });
  });

  test('contributors get a RoleBinding and an AuthorizationPolicy like KFAM makes', () => {
    const objects = objectsOf('kubeflow-profile-contributors');
    const name = contributorBindingName('bob@example.com', 'edit');
    expect(name).toBe('user-bob-example-com-clusterrole-edit');
    expect(find(objects, 'RoleBinding', name)).toMatchObject({
      metadata: { namespace: 'ml-team', annotations: { role: 'edit', user: 'bob@example.com' } },
      roleRef: { kind: 'ClusterRole', name: 'kubeflow-edit' },
      subjects: [{ kind: 'User', name: 'bob@example.com' }],
    });
    expect(find(objects, 'AuthorizationPolicy', name).spec.rules[0].when[0]).toEqual({ key: 'request.headers[kubeflow-userid]', values: ['bob@example.com'] });
  });
});

describe('notebooks', () => {
  const spawner = JSON.parse((objectsOf('notebooks-spawner-config')[0] as { data: Record<string, string> }).data['spawner_ui_config.yaml']).spawnerFormDefaults;

  test('a GPU choice per pool: affinity selects the pool, tolerations match its taints (spot included)', () => {
    const pool = devPlatform.env.gpuPools[0];
    const scheduling = gpuPoolScheduling(pool);
    expect(spawner.tolerationGroup.options).toEqual([{ groupKey: 't4spot', displayName: 'NVIDIA T4 ×1 (spot) – t4spot', tolerations: scheduling.tolerations }]);
    expect(spawner.affinityConfig.options[0].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'platform.kubeflow-aks.io/gpu-pool', operator: 'In', values: ['t4spot'] }]);
    expect(spawner.gpus.value.vendors).toEqual([{ limitsKey: 'nvidia.com/gpu', uiName: 'NVIDIA' }]);
  });

  test('images come from the version catalog', () => {
    expect(spawner.image.options).toEqual(NOTEBOOK_IMAGES.jupyter);
  });

  test('the web app reads the generated spawner configuration', () => {
    const patch = overlayFor(KUSTOMIZE_PATHS.notebooks).patches.find((p) => p.target?.name === 'jupyter-web-app-deployment' && p.patch.includes('config-volume'))!;
    expect(JSON.parse(patch.patch).spec.template.spec.volumes).toEqual([{ name: 'config-volume', configMap: { name: 'jupyter-web-app-spawner-config' } }]);
  });

  test('idle culling on, idle time from the environment', () => {
    const patch = overlayFor(KUSTOMIZE_PATHS.notebooks).patches.find((p) => p.target?.name === 'notebook-controller-deployment')!;
    const env = JSON.parse(patch.patch).spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'ENABLE_CULLING', value: 'true', valueFrom: null },
      { name: 'CULL_IDLE_TIME', value: '30', valueFrom: null },
    ]));
  });

  test('the large-token workaround on every web app, and on the Pipelines metadata gRPC route', () => {
    const webApps = overlayFor(KUSTOMIZE_PATHS.notebooks).patches.filter((p) => p.patch.includes('GUNICORN_CMD_ARGS')).map((p) => p.target?.name);
    expect(webApps.sort()).toEqual(['jupyter-web-app-deployment', 'tensorboards-web-app-deployment', 'volumes-web-app-deployment']);
    const grpc = overlayFor(KUBEFLOW_PIPELINES.path).patches.find((p) => p.target?.name === 'metadata-grpc')!;
    expect(JSON.parse(grpc.patch)[0].value).toEqual({ request: { remove: ['Cookie'] } });
  });
});
