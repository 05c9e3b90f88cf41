/**
 * `npm run rehearse -- <env> [--keep] [--from <git-rev>]`: the platform rehearsal. Plans and
 * applies `<env>-platform` for real against a throwaway Kubernetes control
 * plane on this machine, with the engine and providers a deploy uses:
 *
 *   1. starts etcd, kube-apiserver and kube-controller-manager on 127.0.0.1
 *      (no nodes, no scheduler, admission webhooks off: nothing can serve them);
 *   2. copies the synthesized stack to `cdktf.out/rehearsal/<env>-platform`
 *      (same depth, so its relative upstream paths hold) and adds override
 *      files; the only change to the copy itself: an ephemeral Azure read (the
 *      MySQL administrator password) and its azurerm provider are dropped and
 *      the write-only argument that read it gets a stand-in (withoutAzureReads).
 *      The overrides: local state instead of the azurerm backend; the cluster stack's outputs stood in from a local state
 *      file (the API server's address and CA, stand-in ids, names and
 *      passwords); the providers' exec login pointed at the local API server;
 *      Helm's readiness waits and hooks and the Job completion wait relaxed
 *      (no pod ever runs);
 *   3. `init`; a `plan` that the placeholder guard must stop while the
 *      environment holds sample values (the guard is then overridden); `plan`,
 *      `apply`, and a second `plan` that must show no changes; then `destroy`
 *      (unless `--keep`) and stops the control plane.
 *
 * With `--from <git-rev>`: the upgrade rehearsal of the in-cluster stores from
 * that revision, on the same control plane (scripts/rehearse-upgrade.ts).
 *
 * What it proves and what it cannot: docs/verification.md. The binaries come
 * from REHEARSAL_BIN_DIR (default .cache/rehearsal-bin) or are built there
 * from the Go module proxy (.ci/kube-apiserver, .ci/etcd; about 35 minutes
 * cold on 2 cores). The engine is TOFU_BIN / TERRAFORM_BINARY_NAME / terraform
 * / tofu (as npm run deploy chooses); providers come from wherever the engine
 * finds them (the public registry; TF_CLI_CONFIG_FILE for a mirror).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { request } from 'https';
import { get as httpGet } from 'http';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { loadEnvironments } from '../environments';
import { chooseEngine } from './prerequisites';
import { runCommand } from './run-command';

const ROOT = resolve(__dirname, '..');

/** The control-plane binaries, the Go module that builds each, and its main package. */
export const BINARIES = [
  { name: 'etcd', module: '.ci/etcd', pkg: 'go.etcd.io/etcd/server/v3' },
  { name: 'kube-apiserver', module: '.ci/kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
  { name: 'kube-controller-manager', module: '.ci/kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
] as const;

/**
 * The version a Kubernetes binary reports: a plain `go build` says
 * `v0.0.0-master+$Format:%H$`, which charts comparing `.Capabilities.KubeVersion`
 * refuse; the release build stamps it the same way.
 */
export function kubernetesLdflags(goMod: string): string[] {
  const version = /k8s\.io\/kubernetes (v(\d+)\.(\d+)\.\d+)/.exec(goMod);
  if (!version) return [];
  const pkg = 'k8s.io/component-base/version';
  return ['-ldflags', [`-X ${pkg}.gitVersion=${version[1]}`, `-X ${pkg}.gitMajor=${version[2]}`, `-X ${pkg}.gitMinor=${version[3]}`, `-X ${pkg}.gitTreeState=clean`].join(' ')];
}

export type Json = Record<string, unknown>;

export interface StackJson {
  readonly terraform?: Json;
  readonly provider?: Record<string, Json[]>;
  readonly resource?: Record<string, Record<string, Json>>;
  readonly data?: Record<string, Record<string, Json>>;
  readonly locals?: Record<string, unknown>;
  readonly ephemeral?: Record<string, Record<string, Json>>;
}

/** Ephemeral resources that need Azure to open (a Key Vault secret): the rehearsal has none to ask. */
const AZURE_EPHEMERAL = /^azurerm_/;

/**
 * The rehearsal's copy of a stack without what only Azure can answer: an
 * ephemeral Azure read (the MySQL administrator password in its Key Vault)
 * cannot be opened here, and its azurerm provider cannot even configure
 * without Azure sign-in. The copy drops those blocks and providers and puts a
 * stand-in string where an argument read them (a write-only argument: the
 * value never reaches state). Returns the addresses it stood in.
 */
export function withoutAzureReads(stack: StackJson): { stack: StackJson; stoodIn: string[] } {
  const ephemeral = Object.fromEntries(Object.entries(stack.ephemeral ?? {}).filter(([type]) => !AZURE_EPHEMERAL.test(type)));
  const stoodIn = Object.entries(stack.ephemeral ?? {}).filter(([type]) => AZURE_EPHEMERAL.test(type)).flatMap(([type, byName]) => Object.keys(byName).map((name) => `ephemeral.${type}.${name}`));
  if (stoodIn.length === 0) return { stack, stoodIn };
  const provider = Object.fromEntries(Object.entries(stack.provider ?? {}).filter(([name]) => name !== 'azurerm'));
  const resource = withoutAzureEphemerals(stack.resource ?? {}).value as StackJson['resource'];
  const next: StackJson = { ...stack, provider, resource, ...(Object.keys(ephemeral).length > 0 ? { ephemeral } : {}) };
  if (Object.keys(ephemeral).length === 0) delete (next as { ephemeral?: unknown }).ephemeral;
  return { stack: next, stoodIn };
}

/** `value` with every reference to an Azure ephemeral resource replaced by a stand-in string, and whether anything changed. */
function withoutAzureEphemerals(value: unknown): { value: unknown; changed: boolean } {
  if (typeof value === 'string') {
    const replaced = value.replace(/\$\{ephemeral\.(azurerm_[A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_]+\}/g, (_m, type: string, name: string) => `rehearsal-stand-in-${type}-${name}`);
    return { value: replaced, changed: replaced !== value };
  }
  if (Array.isArray(value)) {
    const items = value.map(withoutAzureEphemerals);
    return { value: items.map((i) => i.value), changed: items.some((i) => i.changed) };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, withoutAzureEphemerals(v)] as const);
    return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), changed: entries.some(([, v]) => v.changed) };
  }
  return { value, changed: false };
}

/** The local control plane as the stand-ins see it. */
export interface LocalCluster {
  readonly host: string;
  /** PEM of the API server's serving CA. */
  readonly caPem: string;
  /** An executable that prints an ExecCredential with the rehearsal's token. */
  readonly tokenCommand: string;
}

/** Releases that install CRDs only (our `<name>-crds` bundles, KServe's CRD chart, Istio's base chart). */
export const CRD_RELEASE = /^(.+-crds?|istio-base)$/;

/**
 * CRDs that AKS itself provides and the platform uses: the managed Prometheus
 * add-on's `azmonitoring.coreos.com` PodMonitor and ServiceMonitor. The
 * rehearsal stands them in (schema left open) before the apply.
 */
export const AKS_PROVIDED_CRDS: readonly { group: string; kind: string; plural: string }[] = [
  { group: 'azmonitoring.coreos.com', kind: 'PodMonitor', plural: 'podmonitors' },
  { group: 'azmonitoring.coreos.com', kind: 'ServiceMonitor', plural: 'servicemonitors' },
];

export function standInCrd(c: { group: string; kind: string; plural: string }): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.plural}.${c.group}`, labels: { 'rehearsal.kubeflow-aks/stand-in': 'aks-add-on' } },
    spec: {
      group: c.group,
      names: { kind: c.kind, plural: c.plural, singular: c.kind.toLowerCase(), listKind: `${c.kind}List` },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/** The cluster-stack outputs a platform stack reads (`outputs.<name>`), from its JSON. */
export function remoteOutputs(stack: StackJson): string[] {
  return [...new Set([...JSON.stringify(stack).matchAll(/outputs\.(cross-stack-output-[A-Za-z0-9_-]+)/g)].map((m) => m[1]))].sort();
}

function guid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A stand-in for one cluster-stack output, from the attribute it carries
 * (the name cdktf gives it ends with the attribute). Throws for an attribute
 * it does not know, naming it: a fork that wires a new output adds it here.
 */
export function standIn(output: string, cluster: LocalCluster): string {
  if (/kube_config0host$/.test(output)) return cluster.host;
  if (/kube_config0cluster_ca_certificate$/.test(output)) return Buffer.from(cluster.caPem).toString('base64');
  if (/oidc_issuer_url$/.test(output)) return 'https://oidc.rehearsal.invalid/issuer/';
  if (/client_id$|principal_id$|object_id$|tenant_id$/.test(output)) return guid(output);
  if (/fqdn$/.test(output)) return `rehearsal-${createHash('sha256').update(output).digest('hex').slice(0, 8)}.mysql.rehearsal.invalid`;
  if (/storage_account[A-Za-z0-9_]*name$/.test(output)) return `strehearsal${createHash('sha256').update(output).digest('hex').slice(0, 8)}`;
  // Revisions before the MySQL administrator password left state read it from the cluster stack (the upgrade rehearsal applies them).
  if (/^cross-stack-output-random_password.*result$/.test(output)) return `rehearsal-${createHash('sha256').update(output).digest('hex').slice(0, 24)}`;
  // The vault of the MySQL administrator password: an id only. Opening its secret needs Azure, which the rehearsal does not have.
  if (/^cross-stack-output-azurerm_key_vault.*id$/.test(output)) return `/subscriptions/${guid(output)}/resourceGroups/rg-rehearsal/providers/Microsoft.KeyVault/vaults/kv-rehearsal`;
  throw new Error(`the rehearsal has no stand-in for cluster output ${output}: add one to standIn() in scripts/rehearse.ts`);
}

/** A state file (format 4) that holds only outputs: what terraform_remote_state reads. */
export function outputsState(outputs: Record<string, string>): string {
  return JSON.stringify({
    version: 4,
    terraform_version: '1.9.0',
    serial: 1,
    lineage: guid(Object.keys(outputs).join()),
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, type: 'string', sensitive: true }])),
    resources: [],
    check_results: null,
  }, null, 2);
}

function kubeconfig(cluster: LocalCluster): Json {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'rehearsal', cluster: { server: cluster.host, 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } }],
    users: [{ name: 'rehearsal', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: cluster.tokenCommand, args: [], interactiveMode: 'Never' } } }],
    contexts: [{ name: 'rehearsal', context: { cluster: 'rehearsal', user: 'rehearsal' } }],
    'current-context': 'rehearsal',
  };
}

/**
 * The override file of the rehearsal (Terraform's `*_override.tf.json`
 * merging): everything it changes, and nothing else. `keepGuard` leaves the
 * placeholder guard in force (the first plan must stop there).
 */
export function rehearsalOverride(stack: StackJson, cluster: LocalCluster, paths: { state: string; clusterState: string }, keepGuard: boolean): Json {
  const exec = { api_version: 'client.authentication.k8s.io/v1beta1', command: cluster.tokenCommand, args: [] as string[] };
  const override: Json = { terraform: { backend: { local: { path: paths.state } } } };
  const remote = Object.keys(stack.data?.terraform_remote_state ?? {});
  if (remote.length > 0) {
    (override as { data?: Json }).data = { terraform_remote_state: Object.fromEntries(remote.map((id) => [id, { backend: 'local', config: { path: paths.clusterState } }])) };
  }
  const providers: Json = {};
  const helm = stack.provider?.helm?.[0] as { kubernetes?: Json } | undefined;
  // host and CA stay the stack's own expressions (read from the stood-in outputs); only the login changes.
  if (helm?.kubernetes) providers.helm = [{ kubernetes: { ...helm.kubernetes, exec } }];
  if (stack.provider?.kubernetes) providers.kubernetes = [{ exec: [exec] }];
  if (stack.provider?.kustomization) providers.kustomization = [{ kubeconfig_raw: JSON.stringify(kubeconfig(cluster)) }];
  if (Object.keys(providers).length > 0) override.provider = providers;
  const resources: Record<string, Record<string, Json>> = {};
  // No pod ever runs: Helm must not wait for readiness or run hooks (`atomic` implies waiting), a Job not for completion.
  // Releases that hold only CRDs keep their wait: Helm then waits until each CRD is established, as a deploy does,
  // so the releases that use them find their kinds (without it, the next release can race the API server's discovery).
  const releases = Object.entries(stack.resource?.helm_release ?? {});
  if (releases.length > 0) {
    resources.helm_release = Object.fromEntries(releases.map(([id, r]) => [id, CRD_RELEASE.test(String(r.name))
      ? { atomic: false, wait_for_jobs: false, disable_webhooks: true }
      : { atomic: false, wait: false, wait_for_jobs: false, disable_webhooks: true }]));
  }
  const jobs = Object.keys(stack.resource?.kubernetes_job_v1 ?? {});
  if (jobs.length > 0) resources.kubernetes_job_v1 = Object.fromEntries(jobs.map((id) => [id, { ...(resources.kubernetes_job_v1?.[id] ?? {}), wait_for_completion: false }]));
  if (Object.keys(resources).length > 0) override.resource = resources;
  if (!keepGuard) {
    const guard = Object.keys(stack.locals ?? {}).filter((name) => name.startsWith('placeholder-guard'));
    if (guard.length > 0) override.locals = Object.fromEntries(guard.map((name) => [name, []]));
  }
  return override;
}

/** A release that failed because a kind was not (yet) served: `no matches for kind`. */
export interface CrdRace { readonly release: string; readonly group: string; readonly kind: string }

/** The CRD races in an apply's output, one per failed release and missing kind; other errors are not listed. */
export function crdRaces(output: string): CrdRace[] {
  const races: CrdRace[] = [];
  for (const block of output.split(/\nError: /).slice(1)) {
    const release = /with helm_release\.([A-Za-z0-9_-]+),/.exec(block)?.[1];
    const kinds = [...block.matchAll(/no\s+matches\s+for\s+kind\s+"(\w+)"\s+in\s+version\s+"([\w.-]+)\/\w+"/g)];
    if (!release || kinds.length === 0) return [];
    for (const k of kinds) races.push({ release, kind: k[1], group: k[2] });
  }
  return races;
}

export interface CrdJson {
  readonly metadata: { readonly annotations?: Record<string, string>; readonly labels?: Record<string, string> };
  readonly spec: { readonly group: string; readonly names: { readonly kind: string } };
  readonly status?: { readonly conditions?: readonly { type: string; status: string }[] };
}

/** The helm_release ids a release depends on, directly or not. */
export function releaseAncestors(stack: StackJson, id: string): Set<string> {
  const seen = new Set<string>();
  const visit = (current: string) => {
    const deps = ((stack.resource?.helm_release?.[current]?.depends_on ?? []) as string[]).filter((d) => d.startsWith('helm_release.')).map((d) => d.slice('helm_release.'.length));
    for (const d of deps) if (!seen.has(d)) { seen.add(d); visit(d); }
  };
  visit(id);
  return seen;
}

/** Why a race is not one: the CRD is missing or not established, or no dependency of the release installs it. */
export function raceProblems(stack: StackJson, race: CrdRace, crds: readonly CrdJson[]): string[] {
  const crd = crds.find((c) => c.spec.group === race.group && c.spec.names.kind === race.kind);
  const where = `${race.release} uses ${race.kind}.${race.group}`;
  if (!crd) return [`${where}, whose CRD no release installed`];
  if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return [`${where}, whose CRD is not established`];
  if (crd.metadata.labels?.['rehearsal.kubeflow-aks/stand-in']) return [];
  const owner = crd.metadata.annotations?.['meta.helm.sh/release-name'];
  const ownerId = Object.entries(stack.resource?.helm_release ?? {}).find(([, r]) => r.name === owner)?.[0];
  if (!ownerId) return [`${where}, whose CRD belongs to no release of the stack (${owner ?? 'no Helm annotation'})`];
  if (!releaseAncestors(stack, race.release).has(ownerId)) return [`${where}, installed by ${owner}, which ${race.release} does not depend on: an ordering defect`];
  return [];
}

// ---------------------------------------------------------------------------
// The local control plane

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

export async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>, proc?: ChildProcess, log?: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}${log ? `; its log: ${log}` : ''}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s${log ? `; its log: ${log}` : ''}`);
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((ok) => {
    httpGet(url, (res) => { res.resume(); ok(res.statusCode === 200); }).on('error', () => ok(false));
  });
}

/** The local API server as its HTTPS client sees it. */
export interface ApiTarget { readonly host: string; readonly caPem: string; readonly token: string }

/** One HTTPS request to the API server with the rehearsal's token; the body is sent as JSON with the content type given. */
export function apiRequest(cluster: ApiTarget, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { Authorization: `Bearer ${cluster.token}` };
    if (data !== undefined) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) });
    const req = request(`${cluster.host}${path}`, { method, ca: cluster.caPem, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail);
    req.end(data);
  });
}

export function apiGet(cluster: ApiTarget, path: string): Promise<{ status: number; body: string }> {
  return apiRequest(cluster, 'GET', path);
}

export function apiPost(cluster: ApiTarget, path: string, body: Json): Promise<{ status: number; body: string }> {
  return apiRequest(cluster, 'POST', path, body);
}

export function binDir(): string {
  return resolve(process.env.REHEARSAL_BIN_DIR ?? join(ROOT, '.cache', 'rehearsal-bin'));
}

/** The control-plane binaries: from the folder, else built there from the Go module proxy. */
export function ensureBinaries(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const b of BINARIES) {
    const path = join(dir, b.name);
    if (!existsSync(path)) {
      console.log(`building ${b.name} from the Go module proxy (${b.module}); the first build takes long, later runs reuse ${dir}`);
      const ldflags = kubernetesLdflags(readFileSync(join(ROOT, b.module, 'go.mod'), 'utf8'));
      const run = spawnSync('go', ['build', '-trimpath', '-buildvcs=false', ...ldflags, '-o', path, b.pkg], { cwd: join(ROOT, b.module), stdio: 'inherit' });
      if (run.error || run.status !== 0) throw new Error(`building ${b.name} failed (${run.error?.message ?? `exit ${run.status}`}): Go ≥ 1.26 and the Go module proxy are needed, or put the binary in REHEARSAL_BIN_DIR`);
    }
    paths[b.name] = path;
  }
  return paths;
}

export interface ControlPlane extends LocalCluster {
  readonly token: string;
  readonly kubeconfigPath: string;
  stop(): void;
}

export async function startControlPlane(bins: Record<string, string>, work: string): Promise<ControlPlane> {
  const procs: ChildProcess[] = [];
  // SIGKILL: the data is thrown away, and a graceful API server shutdown outlives this process.
  const stop = () => { for (const p of [...procs].reverse()) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); };
  process.once('exit', stop);
  try {
    const [client, peer, secure] = [await freePort(), await freePort(), await freePort()];
    const logs = join(work, 'logs');
    mkdirSync(logs);
    const start = (name: string, args: string[]) => {
      const out = join(logs, `${name}.log`);
      const fd = openSync(out, 'w');
      const p = spawn(bins[name], args, { stdio: ['ignore', fd, fd] });
      procs.push(p);
      return { p, out };
    };
    const etcd = start('etcd', [
      '--name', 'rehearsal', '--data-dir', join(work, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `rehearsal=http://127.0.0.1:${peer}`, '--log-level', 'warn',
    ]);
    await until('etcd', 60_000, () => httpOk(`http://127.0.0.1:${client}/health`), etcd.p, etcd.out);

    const token = randomBytes(24).toString('hex');
    writeFileSync(join(work, 'tokens.csv'), `${token},rehearsal-admin,rehearsal-admin,"system:masters"\n`, { mode: 0o600 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(work, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(work, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const certDir = join(work, 'certs');
    const api = start('kube-apiserver', [
      '--etcd-servers', `http://127.0.0.1:${client}`,
      '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(secure),
      '--cert-dir', certDir, '--token-auth-file', join(work, 'tokens.csv'), '--anonymous-auth=false',
      '--authorization-mode', 'RBAC',
      '--service-account-issuer', 'https://kubernetes.default.svc', '--service-account-key-file', join(work, 'sa.pub'),
      '--service-account-signing-key-file', join(work, 'sa.key'), '--service-cluster-ip-range', '10.96.0.0/16',
      // No webhook can be served without pods: admission webhooks are off, everything else (Pod Security included) is on.
      '--disable-admission-plugins', 'MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
      // A loopback address cannot be the `kubernetes` Service's endpoint: no reconciler.
      '--enable-priority-and-fairness=false', '--endpoint-reconciler-type', 'none',
    ]);
    const host = `https://127.0.0.1:${secure}`;
    const certFile = join(certDir, 'apiserver.crt');
    await until('kube-apiserver (certificate)', 120_000, async () => existsSync(certFile), api.p, api.out);
    // The self-signed serving certificate kube-apiserver writes carries its CA after it.
    const caPem = readFileSync(certFile, 'utf8');
    const cluster = { host, caPem, token };
    await until('kube-apiserver', 180_000, async () => (await apiGet(cluster, '/readyz')).status === 200, api.p, api.out);
    const { gitVersion } = JSON.parse((await apiGet(cluster, '/version')).body) as { gitVersion: string };
    if (!/^v\d+\.\d+\.\d+$/.test(gitVersion)) throw new Error(`kube-apiserver reports version "${gitVersion}", which charts refuse: remove ${bins['kube-apiserver']} and run again to rebuild it with its version stamped`);

    const tokenCommand = join(work, 'token.sh');
    writeFileSync(tokenCommand, `#!/bin/sh\nprintf '%s' '${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token } })}'\n`, { mode: 0o700 });
    const local: LocalCluster = { host, caPem, tokenCommand };
    const kubeconfigPath = join(work, 'kubeconfig');
    writeFileSync(kubeconfigPath, JSON.stringify(kubeconfig(local)), { mode: 0o600 });
    const kcm = start('kube-controller-manager', [
      '--kubeconfig', kubeconfigPath, '--bind-address', '127.0.0.1', '--secure-port', String(await freePort()),
      '--service-account-private-key-file', join(work, 'sa.key'), '--root-ca-file', certFile,
      '--use-service-account-credentials=false', '--leader-elect=false',
    ]);
    await until('kube-controller-manager', 120_000, async () => (await apiGet(cluster, '/api/v1/namespaces/kube-system/serviceaccounts/default')).status === 200, kcm.p, kcm.out);
    for (const crd of AKS_PROVIDED_CRDS) {
      const created = await apiPost(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', standInCrd(crd));
      if (created.status !== 201) throw new Error(`creating the stand-in CRD for ${crd.kind}.${crd.group} failed: ${created.status} ${created.body.slice(0, 300)}`);
    }
    await until('stand-in CRDs', 60_000, async () => (await apiGet(cluster, `/apis/${AKS_PROVIDED_CRDS[0].group}/v1`)).status === 200);
    return { ...local, token, kubeconfigPath, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------
// The rehearsal

export interface StepResult { readonly status: number; readonly output: string }

export function engineRun(engine: string, dir: string, args: string[], env: NodeJS.ProcessEnv): StepResult {
  console.log(`$ ${engine} ${args.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(engine, args, { cwd: dir, encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const tail = output.trim().split('\n').slice(-6).map((l) => `    ${l.length > 300 ? `${l.slice(0, 300)} …` : l}`).join('\n');
  console.log(`  exit ${run.status} in ${Math.round((Date.now() - started) / 1000)} s\n${tail}`);
  if (run.error) throw new Error(`cannot run ${engine}: ${run.error.message}`);
  return { status: run.status ?? 1, output };
}

/**
 * Copies a synthesized stack to `dir` (same depth under the repository, so its relative
 * upstream paths hold) without what only Azure answers (withoutAzureReads); returns the copy.
 */
export function copyStack(source: string, dir: string): StackJson {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '..'), { recursive: true });
  cpSync(source, dir, { recursive: true });
  const copied = withoutAzureReads(JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as StackJson);
  if (copied.stoodIn.length > 0) {
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(copied.stack, null, 2));
    console.log(`stood in for what only Azure answers: ${copied.stoodIn.join(', ')}`);
  }
  return copied.stack;
}

/** The apply line of an engine run, or "failed". */
export function applyLine(output: string): string {
  return /Apply complete![^\n]+/.exec(output)?.[0] ?? 'failed';
}

/**
 * Applies the saved plan `rehearsal.tfplan`, and applies again (up to two more passes) only
 * when every failure is a race with CRD discovery that a deploy's Helm wait would cover.
 */
export async function applyWithRaceRetries(engine: string, dir: string, stack: StackJson, plane: ApiTarget, tfEnv: NodeJS.ProcessEnv): Promise<{ apply: StepResult; applied: string[]; raced: string[] }> {
  let apply = engineRun(engine, dir, ['apply', '-input=false', '-no-color', 'rehearsal.tfplan'], tfEnv);
  const applied: string[] = [applyLine(apply.output)];
  const raced: string[] = [];
  for (let pass = 2; apply.status !== 0 && pass <= 3; pass++) {
    // A release whose Deployments Helm does not wait for here (no pods) may finish before its CRDs are served;
    // in a deploy Helm's wait covers that. Applying again is fair only if every failure is such a race and the
    // CRD's release is one the failing release depends on: that is the ordering a deploy relies on.
    const races = crdRaces(apply.output);
    if (races.length === 0) break;
    const crds = JSON.parse((await apiGet(plane, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).body) as { items: CrdJson[] };
    const problems = races.flatMap((r) => raceProblems(stack, r, crds.items));
    if (problems.length > 0) throw new Error(`apply failed, and not by a race with CRD establishment:\n  ${problems.join('\n  ')}\n${apply.output.slice(-4000)}`);
    raced.push(...races.map((r) => `${r.release} (${r.kind}.${r.group})`));
    console.log(`  ${races.length} release(s) raced the API server's discovery of CRDs their dependencies installed; applying again (pass ${pass})`);
    await new Promise((r) => setTimeout(r, 5000));
    apply = engineRun(engine, dir, ['apply', '-input=false', '-no-color', '-auto-approve'], tfEnv);
    applied.push(applyLine(apply.output));
  }
  return { apply, applied, raced };
}

export interface RehearsalSummary {
  readonly environment: string;
  readonly engine: string;
  readonly guardStoppedPlan: boolean | 'no placeholders';
  /** Releases that raced CRD discovery and were applied again (each checked to depend on its CRD's release). */
  readonly racedCrdDiscovery: readonly string[];
  readonly planned: string;
  /** The apply line of each pass. */
  readonly applied: readonly string[];
  readonly secondPlanClean: boolean;
  readonly releasesDeployed: number;
  readonly failedCreates: number;
  readonly destroyed: boolean | 'kept';
}

async function rehearse(envName: string, keep: boolean): Promise<RehearsalSummary> {
  const envs = loadEnvironments();
  const env = envs.find((e) => e.name === envName);
  if (!env) throw new Error(`unknown environment "${envName}": expected one of ${envs.map((e) => e.name).join(', ')}`);
  const engine = process.env.TOFU_BIN ?? chooseEngine();
  const stackName = `${envName}-platform`;
  const source = join(ROOT, 'cdktf.out', 'stacks', stackName);
  if (!existsSync(join(source, 'cdk.tf.json'))) throw new Error(`${source}/cdk.tf.json is missing: run npm run synth first`);
  if (!existsSync(join(ROOT, '.cache', 'upstream-work'))) throw new Error('the upstream work folder is missing: run npm run upstream -- prepare first');
  const bins = ensureBinaries(binDir());

  const work = mkdtempSync(join(tmpdir(), `rehearsal-${envName}-`));
  const plane = await startControlPlane(bins, work);
  try {
    const dir = join(ROOT, 'cdktf.out', 'rehearsal', stackName);
    const stack = copyStack(source, dir);
    const outputs = Object.fromEntries(remoteOutputs(stack).map((o) => [o, standIn(o, plane)]));
    const paths = { state: join(work, 'platform.tfstate'), clusterState: join(work, 'cluster.tfstate') };
    writeFileSync(paths.clusterState, outputsState(outputs), { mode: 0o600 });
    const overrideFile = join(dir, 'rehearsal_override.tf.json');
    const tfEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', KUBECONFIG: plane.kubeconfigPath };

    writeFileSync(overrideFile, JSON.stringify(rehearsalOverride(stack, plane, paths, true), null, 2));
    const init = engineRun(engine, dir, ['init', '-input=false', '-no-color'], tfEnv);
    if (init.status !== 0) throw new Error(`init failed:\n${init.output}`);

    let guardStoppedPlan: RehearsalSummary['guardStoppedPlan'] = 'no placeholders';
    if (Object.keys(stack.locals ?? {}).some((n) => n.startsWith('placeholder-guard'))) {
      const guarded = engineRun(engine, dir, ['plan', '-input=false', '-no-color', '-lock=false'], tfEnv);
      guardStoppedPlan = guarded.status !== 0 && guarded.output.includes(`Environment "${envName}" still holds sample values`);
      if (!guardStoppedPlan) throw new Error(`the placeholder guard did not stop the plan of ${stackName}:\n${guarded.output.slice(-4000)}`);
      writeFileSync(overrideFile, JSON.stringify(rehearsalOverride(stack, plane, paths, false), null, 2));
    }

    const plan = engineRun(engine, dir, ['plan', '-input=false', '-no-color', '-out=rehearsal.tfplan'], tfEnv);
    if (plan.status !== 0) throw new Error(`plan failed:\n${plan.output.slice(-8000)}`);
    const planned = /Plan: [^\n]+/.exec(plan.output)?.[0] ?? 'no plan line';
    const { apply, applied, raced } = await applyWithRaceRetries(engine, dir, stack, plane, tfEnv);
    if (apply.status !== 0) throw new Error(`apply failed:\n${apply.output.slice(-8000)}`);
    const second = engineRun(engine, dir, ['plan', '-input=false', '-no-color', '-detailed-exitcode'], tfEnv);
    if (second.status === 1) throw new Error(`second plan failed:\n${second.output.slice(-8000)}`);
    const secondPlanClean = second.status === 0;
    if (!secondPlanClean) console.log(second.output.split('\n').filter((l) => /^\s+[~+-]|will be|must be/.test(l)).slice(0, 80).join('\n'));

    const secrets = JSON.parse((await apiGet(plane, '/api/v1/secrets?labelSelector=owner%3Dhelm%2Cstatus%3Ddeployed')).body) as { items?: unknown[] };
    const events = JSON.parse((await apiGet(plane, '/api/v1/events?fieldSelector=reason%3DFailedCreate')).body) as { items?: { involvedObject?: { namespace?: string; name?: string }; message?: string }[] };
    for (const e of events.items ?? []) console.log(`  FailedCreate ${e.involvedObject?.namespace}/${e.involvedObject?.name}: ${e.message}`);

    let destroyed: RehearsalSummary['destroyed'] = 'kept';
    if (!keep) {
      const destroy = engineRun(engine, dir, ['destroy', '-input=false', '-no-color', '-auto-approve'], tfEnv);
      destroyed = destroy.status === 0;
      if (!destroyed) console.log(destroy.output.slice(-4000));
    }
    return {
      environment: envName,
      engine: engineRun(engine, dir, ['version'], tfEnv).output.split('\n')[0],
      guardStoppedPlan,
      racedCrdDiscovery: raced,
      planned,
      applied,
      secondPlanClean,
      releasesDeployed: secrets.items?.length ?? 0,
      failedCreates: events.items?.length ?? 0,
      destroyed,
    };
  } finally {
    if (keep) console.log(`kept: the control plane is stopped, but ${work} holds its data and the state`);
    plane.stop();
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runCommand(async (argv) => {
    // The upgrade rehearsal lives in its own module, which builds on this one.
    const { parseRehearseArgs, rehearseUpgrade } = await import('./rehearse-upgrade');
    const args = parseRehearseArgs(argv);
    const envName = args.env;
    if (!envName || args.help) {
      process.stdout.write('Usage: npm run rehearse -- <env> [--keep] [--from <git-rev>]\n  plans, applies, re-plans and destroys <env>-platform against a throwaway local API server (docs/verification.md)\n  --from <git-rev>: the upgrade rehearsal of the in-cluster stores from that revision (docs/components/data-stores.md)\n');
      return args.help ? 0 : 1;
    }
    if (args.from !== undefined) {
      const { summary, ok } = await rehearseUpgrade(envName, args.from, args.keep);
      const out = join(ROOT, 'cdktf.out', 'rehearsal', `${envName}-upgrade-summary.json`);
      writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
      console.log(`\nupgrade rehearsal of ${envName}-platform from ${args.from}: ${JSON.stringify(summary, null, 2)}`);
      console.log(ok ? `✓ upgrade rehearsal of ${envName} from ${args.from} passed` : `✗ upgrade rehearsal of ${envName} from ${args.from} failed`);
      return ok ? 0 : 1;
    }
    const summary = await rehearse(envName, args.keep);
    const out = join(ROOT, 'cdktf.out', 'rehearsal', `${envName}-summary.json`);
    writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`\nrehearsal of ${envName}-platform: ${JSON.stringify(summary, null, 2)}`);
    const ok = summary.guardStoppedPlan !== false && summary.secondPlanClean && summary.failedCreates === 0 && summary.destroyed !== false;
    console.log(ok ? `✓ rehearsal of ${envName} passed` : `✗ rehearsal of ${envName} failed`);
    return ok ? 0 : 1;
  });
}
