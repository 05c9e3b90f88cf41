// Pod Security Standards checks for rendered pod templates, written from the standard
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/) and evaluated the way
// the Pod Security admission controller does for policy version "latest".
//
// Where Kubernetes 1.33, 1.34 and 1.35 disagree we take the strictest rule, so a pod that passes
// here is admitted by all three:
// - probe and lifecycle `host` fields are checked (a baseline check since 1.34);
// - pods with `hostUsers: false` get no relaxation of runAsNonRoot, runAsUser and procMount
//   (1.35 relaxes them; 1.33 and 1.34 do not by default).
// Check names are the admission controller's check IDs, so failures read like its messages.

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
/** A pod spec as plain JSON (spec of a Pod, or spec.template.spec of a workload). */
export type PodSpecJson = Record<string, unknown>;
/** One violation: which check, which container (if any), what value, what is allowed. Human-readable `message`. */
export interface PodSecurityViolation { readonly check: string; readonly container?: string; readonly message: string; }

type Json = Record<string, unknown>;

const LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];
const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

// The container runtime's default capability set: adding these grants nothing new.
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
// Namespaced sysctls that cannot affect other pods. tcp_rmem/tcp_wmem joined the set in policy 1.32.
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
// Allowed values of both seccompProfile.type and appArmorProfile.type.
const CONFINED_PROFILES = new Set(['RuntimeDefault', 'Localhost']);
// Volume sources that cannot reach the node or remote storage except through a PersistentVolume.
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image',
  'persistentVolumeClaim', 'projected', 'secret']);
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const LIFECYCLE_HANDLERS = ['postStart', 'preStop'];

// The input is untyped JSON from a renderer, so every read narrows instead of trusting a shape.
function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
function asObjects(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(asObject).filter((o): o is Json => o !== undefined) : [];
}
function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}
function asStringMap(value: unknown): Record<string, string> | undefined {
  const o = asObject(value);
  return o && Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((v, key) => asObject(v)?.[key], value);
}
const show = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

interface Container { readonly name: string; readonly json: Json; readonly sc: Json | undefined; }

/** Violations of `level` by `spec` (pod-level and all containers, initContainers and ephemeralContainers). Empty for 'privileged'. */
export function podSecurityViolations(spec: PodSpecJson, level: PodSecurityLevel,
  podMetadata?: { annotations?: Record<string, string> }): PodSecurityViolation[] {
  if (level === 'privileged') return [];
  const out: PodSecurityViolation[] = [];
  const report = (check: string, message: string, container?: Container | string): void => {
    const name = typeof container === 'string' ? container : container?.name;
    out.push(name === undefined ? { check, message } : { check, container: name, message });
  };
  const who = (c: Container | undefined): string => (c ? `container "${c.name}"` : 'pod');
  const podSc = asObject(spec.securityContext);
  const containers: Container[] = ['initContainers', 'containers', 'ephemeralContainers'].flatMap((key) =>
    asObjects(spec[key]).map((json) => ({
      name: typeof json.name === 'string' ? json.name : '(unnamed)', json, sc: asObject(json.securityContext),
    })));
  // Settings that exist at both levels; undefined stands for the pod.
  const withPod: (Container | undefined)[] = [undefined, ...containers];
  const scOf = (c: Container | undefined): Json | undefined => (c ? c.sc : podSc);
  const restricted = level === 'restricted';
  // Some restricted checks do not apply to Windows pods, whose runtime ignores these Linux settings.
  const linux = at(spec, 'os', 'name') !== 'windows';

  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[key] === true) report('hostNamespaces', `pod sets ${key}=true; allowed: false or unset`);
  }
  for (const c of containers) {
    if (c.sc?.privileged === true) report('privileged', `${who(c)} sets securityContext.privileged=true; allowed: false or unset`, c);
    // At restricted the stricter capabilities_restricted check replaces this one, as in the admission controller.
    const added = asStrings(at(c.sc, 'capabilities', 'add')).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (!restricted && added.length > 0) {
      report('capabilities_baseline', `${who(c)} adds capabilities ${show(added)}; allowed: the runtime default set`, c);
    }
    const hostPorts = asObjects(c.json.ports).map((p) => p.hostPort).filter((p) => p !== undefined && p !== null && p !== 0);
    if (hostPorts.length > 0) report('hostPorts', `${who(c)} uses hostPort ${show(hostPorts)}; allowed: 0 or unset`, c);
    const procMount = c.sc?.procMount;
    if (procMount !== undefined && procMount !== null && procMount !== 'Default') {
      report('procMount', `${who(c)} sets securityContext.procMount=${show(procMount)}; allowed: "Default" or unset`, c);
    }
    const hosts = [...PROBES.map((p) => c.json[p]), ...LIFECYCLE_HANDLERS.map((h) => at(c.json, 'lifecycle', h))]
      .flatMap((handler) => [at(handler, 'httpGet', 'host'), at(handler, 'tcpSocket', 'host')])
      .filter((host) => host !== undefined && host !== null && host !== '');
    if (hosts.length > 0) {
      report('hostProbesAndHostLifecycle', `${who(c)} sends probes or lifecycle hooks to host ${show(hosts)}; allowed: unset`, c);
    }
  }
  // At restricted, restrictedVolumes also refuses hostPath and replaces this check.
  for (const volume of restricted ? [] : asObjects(spec.volumes)) {
    if (asObject(volume.hostPath)) report('hostPathVolumes', `volume ${show(volume.name)} is a hostPath volume; allowed: none`);
  }
  for (const c of withPod) {
    const sc = scOf(c);
    const appArmor = asObject(sc?.appArmorProfile);
    if (appArmor && !CONFINED_PROFILES.has(String(appArmor.type))) {
      report('appArmorProfile', `${who(c)} sets appArmorProfile.type=${show(appArmor.type)}; allowed: RuntimeDefault, Localhost or unset`, c);
    }
    const seLinux = asObject(sc?.seLinuxOptions);
    if (seLinux) {
      const type = seLinux.type ?? '';
      if (typeof type !== 'string' || !SELINUX_TYPES.has(type)) {
        report('seLinuxOptions', `${who(c)} sets seLinuxOptions.type=${show(type)}; allowed: ${[...SELINUX_TYPES].filter(Boolean).join(', ')} or unset`, c);
      }
      for (const key of ['user', 'role']) {
        if (seLinux[key] !== undefined && seLinux[key] !== null && seLinux[key] !== '') {
          report('seLinuxOptions', `${who(c)} sets seLinuxOptions.${key}=${show(seLinux[key])}; allowed: unset`, c);
        }
      }
    }
    const seccomp = asObject(sc?.seccompProfile);
    if (!restricted && seccomp && !CONFINED_PROFILES.has(String(seccomp.type))) {
      report('seccompProfile_baseline', `${who(c)} sets seccompProfile.type=${show(seccomp.type)}; allowed: RuntimeDefault, Localhost or unset`, c);
    }
    if (at(sc, 'windowsOptions', 'hostProcess') === true) {
      report('windowsHostProcess', `${who(c)} sets windowsOptions.hostProcess=true; allowed: false or unset`, c);
    }
  }
  // The annotation predates the appArmorProfile field and is still honoured, so it is still checked.
  for (const [key, value] of Object.entries(podMetadata?.annotations ?? {})) {
    if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(value === '' || value === 'runtime/default' || value.startsWith('localhost/'))) {
      report('appArmorProfile', `annotation ${key}=${show(value)}; allowed: runtime/default, localhost/* or unset`,
        key.slice(APPARMOR_ANNOTATION_PREFIX.length));
    }
  }
  for (const sysctl of asObjects(podSc?.sysctls)) {
    if (typeof sysctl.name !== 'string' || !SAFE_SYSCTLS.has(sysctl.name)) {
      report('sysctls', `pod sets sysctl ${show(sysctl.name)}; allowed: ${[...SAFE_SYSCTLS].join(', ')}`);
    }
  }
  if (!restricted) return out;

  for (const volume of asObjects(spec.volumes)) {
    // A volume with no source is defaulted to emptyDir by the API server.
    const bad = Object.keys(volume).filter((key) => key !== 'name' && !RESTRICTED_VOLUME_TYPES.has(key));
    if (bad.length > 0) {
      report('restrictedVolumes', `volume ${show(volume.name)} uses ${bad.join(', ')}; allowed: ${[...RESTRICTED_VOLUME_TYPES].join(', ')}`);
    }
  }
  // A container-level value overrides the pod-level one; a pod-level value that is itself bad
  // is refused even when every container overrides it.
  const podNonRoot = podSc?.runAsNonRoot;
  if (podNonRoot === false) report('runAsNonRoot', 'pod sets securityContext.runAsNonRoot=false; allowed: true');
  const podSeccompType = at(podSc, 'seccompProfile', 'type');
  const podSeccompOk = CONFINED_PROFILES.has(String(podSeccompType));
  if (linux && asObject(podSc?.seccompProfile) && !podSeccompOk) {
    report('seccompProfile_restricted', `pod sets seccompProfile.type=${show(podSeccompType)}; allowed: RuntimeDefault or Localhost`);
  }
  if (podSc?.runAsUser === 0) report('runAsUser', 'pod sets securityContext.runAsUser=0; allowed: non-zero or unset');
  for (const c of containers) {
    const nonRoot = c.sc?.runAsNonRoot;
    if (nonRoot === false || ((nonRoot === undefined || nonRoot === null) && podNonRoot !== true)) {
      report('runAsNonRoot', `${who(c)} runs with runAsNonRoot=${show(nonRoot)} (pod: ${show(podNonRoot)}); allowed: true, at pod or container level`, c);
    }
    if (c.sc?.runAsUser === 0) report('runAsUser', `${who(c)} sets securityContext.runAsUser=0; allowed: non-zero or unset`, c);
    if (!linux) continue;
    if (c.sc?.allowPrivilegeEscalation !== false) {
      report('allowPrivilegeEscalation', `${who(c)} has allowPrivilegeEscalation=${show(c.sc?.allowPrivilegeEscalation)}; allowed: false`, c);
    }
    const seccomp = asObject(c.sc?.seccompProfile);
    if (seccomp ? !CONFINED_PROFILES.has(String(seccomp.type)) : !podSeccompOk) {
      report('seccompProfile_restricted', `${who(c)} has seccompProfile.type=${show(seccomp?.type)} (pod: ${show(podSeccompType)}); allowed: RuntimeDefault or Localhost, at pod or container level`, c);
    }
    // Exact match, like the admission controller: "all" in lower case does not count.
    if (!asStrings(at(c.sc, 'capabilities', 'drop')).includes('ALL')) {
      report('capabilities_restricted', `${who(c)} does not drop capability "ALL"; required: capabilities.drop includes "ALL"`, c);
    }
    const added = asStrings(at(c.sc, 'capabilities', 'add')).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) {
      report('capabilities_restricted', `${who(c)} adds capabilities ${show(added)}; allowed: NET_BIND_SERVICE only`, c);
    }
  }
  return out;
}

// API group of each workload kind, so a custom resource that reuses a kind name is not mistaken for one.
const WORKLOAD_GROUPS: Readonly<Record<string, string>> = {
  Pod: '', ReplicationController: '', Deployment: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', ReplicaSet: 'apps',
  Job: 'batch', CronJob: 'batch',
};

/** Extracts the pod spec of any workload object: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob (spec.jobTemplate.spec.template), ReplicationController; undefined otherwise. Also returns its template metadata. */
export function podTemplateOf(obj: Record<string, unknown>):
  { spec: PodSpecJson; metadata: { annotations?: Record<string, string>; labels?: Record<string, string> } } | undefined {
  const kind = obj.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(WORKLOAD_GROUPS, kind)) return undefined;
  // Objects without apiVersion are taken at their kind; with one, the group must match.
  if (typeof obj.apiVersion === 'string') {
    const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
    if (group !== WORKLOAD_GROUPS[kind]) return undefined;
  }
  const template = kind === 'Pod' ? obj : kind === 'CronJob' ? at(obj, 'spec', 'jobTemplate', 'spec', 'template') : at(obj, 'spec', 'template');
  const spec = asObject(at(template, 'spec'));
  // A workload without a pod spec is a broken render; failing beats silently checking nothing.
  if (!spec) throw new Error(`${kind} ${show(at(obj, 'metadata', 'name'))} has no pod template spec`);
  const annotations = asStringMap(at(template, 'metadata', 'annotations'));
  const labels = asStringMap(at(template, 'metadata', 'labels'));
  return { spec, metadata: { ...(annotations && { annotations }), ...(labels && { labels }) } };
}

/** Parses a namespace's labels into the enforced level; missing label = 'privileged'. Throws on an unknown value. */
export function enforcedLevel(labels: Record<string, string> | undefined): PodSecurityLevel {
  const value = labels?.[ENFORCE_LABEL];
  if (value === undefined) return 'privileged';
  const level = LEVELS.find((l) => l === value);
  if (!level) throw new Error(`unknown Pod Security level ${show(value)} in label ${ENFORCE_LABEL}; expected one of ${LEVELS.join(', ')}`);
  return level;
}
