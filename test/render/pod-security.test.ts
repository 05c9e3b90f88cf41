import { enforcedLevel, podSecurityViolations, podTemplateOf, PodSecurityLevel, PodSpecJson } from './pod-security';

type Json = Record<string, unknown>;

/** A pod that every level admits: the restricted settings at pod level, drop ALL per container. */
function restrictedPod(): Json {
  const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [{ name: 'init', image: 'busybox', securityContext: structuredClone(hardened) }],
    containers: [{
      name: 'app', image: 'nginx', securityContext: structuredClone(hardened),
      ports: [{ containerPort: 8080 }],
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    }],
    volumes: [{ name: 'config', configMap: { name: 'app' } }, { name: 'tmp', emptyDir: {} }],
  };
}

/** The pod with `patch` merged into the "app" container's securityContext. */
function withAppSecurity(patch: Json): Json {
  const pod = restrictedPod();
  const app = (pod.containers as Json[])[0];
  app.securityContext = { ...(app.securityContext as Json), ...patch };
  return pod;
}

/** The pod with `patch` merged into the pod-level securityContext. */
function withPodSecurity(patch: Json): Json {
  const pod = restrictedPod();
  pod.securityContext = { ...(pod.securityContext as Json), ...patch };
  return pod;
}

/** Sorted distinct check names that fail. */
function failing(spec: PodSpecJson, level: PodSecurityLevel, annotations?: Record<string, string>): string[] {
  return [...new Set(podSecurityViolations(spec, level, annotations && { annotations }).map((v) => v.check))].sort();
}

describe('podSecurityViolations: the compliant pod', () => {
  test.each<PodSecurityLevel>(['privileged', 'baseline', 'restricted'])('passes %s', (level) => {
    expect(podSecurityViolations(restrictedPod(), level)).toEqual([]);
  });

  test('a pod with no securityContext passes baseline', () => {
    expect(podSecurityViolations({ containers: [{ name: 'app', image: 'nginx' }] }, 'baseline')).toEqual([]);
  });

  test('a pod with no securityContext fails restricted on every required setting', () => {
    expect(failing({ containers: [{ name: 'app', image: 'nginx' }] }, 'restricted')).toEqual([
      'allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted',
    ]);
  });

  test('privileged admits anything', () => {
    const worst = { ...withAppSecurity({ privileged: true, runAsUser: 0 }), hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }] };
    expect(podSecurityViolations(worst, 'privileged')).toEqual([]);
    expect(failing(worst, 'baseline')).toEqual(['hostNamespaces', 'hostPathVolumes', 'privileged']);
  });
});

describe('baseline checks', () => {
  test.each(['hostNetwork', 'hostPID', 'hostIPC'])('%s=true is refused', (key) => {
    const violations = podSecurityViolations({ ...restrictedPod(), [key]: true }, 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'hostNamespaces' })]);
    expect(violations[0].message).toContain(key);
    expect(violations[0].container).toBeUndefined();
  });

  test('hostNetwork=false is allowed', () => {
    expect(failing({ ...restrictedPod(), hostNetwork: false, hostPID: false, hostIPC: false }, 'restricted')).toEqual([]);
  });

  test('a privileged container is refused and named', () => {
    expect(podSecurityViolations(withAppSecurity({ privileged: true }), 'baseline')).toEqual([
      expect.objectContaining({ check: 'privileged', container: 'app' }),
    ]);
  });

  test('privileged=false is allowed', () => {
    expect(failing(withAppSecurity({ privileged: false }), 'restricted')).toEqual([]);
  });

  test('adding a capability beyond the default set is refused', () => {
    const violations = podSecurityViolations(withAppSecurity({ capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } }), 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'capabilities_baseline', container: 'app' })]);
    expect(violations[0].message).toContain('SYS_ADMIN');
    expect(violations[0].message).not.toContain('CHOWN');
  });

  test('NET_RAW is not in the default set', () => {
    expect(failing(withAppSecurity({ capabilities: { add: ['NET_RAW'] } }), 'baseline')).toEqual(['capabilities_baseline']);
  });

  test('every capability of the default set may be added at baseline', () => {
    const all = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
      'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
    expect(failing(withAppSecurity({ capabilities: { add: all } }), 'baseline')).toEqual([]);
  });

  test('a hostPath volume is refused', () => {
    const pod = { ...restrictedPod(), volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] };
    const violations = podSecurityViolations(pod, 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'hostPathVolumes' })]);
    expect(violations[0].message).toContain('"docker"');
  });

  test('a non-zero hostPort is refused', () => {
    const pod = restrictedPod();
    (pod.containers as Json[])[0].ports = [{ containerPort: 80, hostPort: 8080 }];
    const violations = podSecurityViolations(pod, 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'hostPorts', container: 'app' })]);
    expect(violations[0].message).toContain('8080');
  });

  test('hostPort 0 is allowed', () => {
    const pod = restrictedPod();
    (pod.containers as Json[])[0].ports = [{ containerPort: 80, hostPort: 0 }];
    expect(failing(pod, 'restricted')).toEqual([]);
  });

  test('an unconfined AppArmor annotation is refused for its container', () => {
    const annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' };
    expect(podSecurityViolations(restrictedPod(), 'baseline', { annotations })).toEqual([
      expect.objectContaining({ check: 'appArmorProfile', container: 'app' }),
    ]);
  });

  test.each(['runtime/default', 'localhost/my-profile', ''])('AppArmor annotation %j is allowed', (value) => {
    expect(failing(restrictedPod(), 'restricted', { 'container.apparmor.security.beta.kubernetes.io/app': value })).toEqual([]);
  });

  test('other annotations are ignored', () => {
    expect(failing(restrictedPod(), 'restricted', { 'sidecar.istio.io/inject': 'true' })).toEqual([]);
  });

  test('appArmorProfile type Unconfined is refused on a container', () => {
    expect(podSecurityViolations(withAppSecurity({ appArmorProfile: { type: 'Unconfined' } }), 'baseline')).toEqual([
      expect.objectContaining({ check: 'appArmorProfile', container: 'app' }),
    ]);
  });

  test('appArmorProfile type Unconfined is refused on the pod', () => {
    const violations = podSecurityViolations(withPodSecurity({ appArmorProfile: { type: 'Unconfined' } }), 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'appArmorProfile' })]);
    expect(violations[0].container).toBeUndefined();
  });

  test.each(['RuntimeDefault', 'Localhost'])('appArmorProfile type %s is allowed', (type) => {
    expect(failing(withAppSecurity({ appArmorProfile: { type, localhostProfile: 'p' } }), 'restricted')).toEqual([]);
  });

  test('an SELinux type outside the container types is refused', () => {
    const violations = podSecurityViolations(withAppSecurity({ seLinuxOptions: { type: 'spc_t' } }), 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'seLinuxOptions', container: 'app' })]);
    expect(violations[0].message).toContain('spc_t');
  });

  test.each(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'])('SELinux type %s is allowed', (type) => {
    expect(failing(withPodSecurity({ seLinuxOptions: { type, level: 's0:c123,c456' } }), 'restricted')).toEqual([]);
  });

  test.each(['user', 'role'])('setting an SELinux %s is refused', (key) => {
    expect(failing(withPodSecurity({ seLinuxOptions: { [key]: 'system_u' } }), 'baseline')).toEqual(['seLinuxOptions']);
  });

  test('procMount Unmasked is refused', () => {
    expect(podSecurityViolations(withAppSecurity({ procMount: 'Unmasked' }), 'baseline')).toEqual([
      expect.objectContaining({ check: 'procMount', container: 'app' }),
    ]);
  });

  test('procMount Default is allowed', () => {
    expect(failing(withAppSecurity({ procMount: 'Default' }), 'restricted')).toEqual([]);
  });

  test('seccomp Unconfined on the pod is refused at baseline', () => {
    expect(failing(withPodSecurity({ seccompProfile: { type: 'Unconfined' } }), 'baseline')).toEqual(['seccompProfile_baseline']);
  });

  test('seccomp Unconfined on a container is refused at baseline', () => {
    expect(podSecurityViolations(withAppSecurity({ seccompProfile: { type: 'Unconfined' } }), 'baseline')).toEqual([
      expect.objectContaining({ check: 'seccompProfile_baseline', container: 'app' }),
    ]);
  });

  test('an unset seccomp profile is allowed at baseline', () => {
    const pod = restrictedPod();
    delete (pod.securityContext as Json).seccompProfile;
    expect(failing(pod, 'baseline')).toEqual([]);
  });

  test('an unsafe sysctl is refused', () => {
    const violations = podSecurityViolations(withPodSecurity({ sysctls: [{ name: 'kernel.msgmax', value: '65536' }] }), 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'sysctls' })]);
    expect(violations[0].message).toContain('kernel.msgmax');
  });

  test.each([
    'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
    'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
    'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
  ])('safe sysctl %s is allowed', (name) => {
    expect(failing(withPodSecurity({ sysctls: [{ name, value: '1' }] }), 'restricted')).toEqual([]);
  });

  test('Windows hostProcess on the pod is refused', () => {
    expect(failing(withPodSecurity({ windowsOptions: { hostProcess: true } }), 'baseline')).toEqual(['windowsHostProcess']);
  });

  test('Windows hostProcess on a container is refused', () => {
    expect(podSecurityViolations(withAppSecurity({ windowsOptions: { hostProcess: true } }), 'baseline')).toEqual([
      expect.objectContaining({ check: 'windowsHostProcess', container: 'app' }),
    ]);
  });

  test('a probe sent to another host is refused', () => {
    const pod = restrictedPod();
    (pod.containers as Json[])[0].readinessProbe = { tcpSocket: { host: '10.0.0.1', port: 80 } };
    expect(podSecurityViolations(pod, 'baseline')).toEqual([
      expect.objectContaining({ check: 'hostProbesAndHostLifecycle', container: 'app' }),
    ]);
  });

  test('a probe with an empty host (the pod IP) is allowed', () => {
    const pod = restrictedPod();
    (pod.containers as Json[])[0].startupProbe = { httpGet: { host: '', path: '/', port: 8080 } };
    expect(failing(pod, 'restricted')).toEqual([]);
  });

  test('a lifecycle hook sent to another host is refused', () => {
    const pod = restrictedPod();
    (pod.containers as Json[])[0].lifecycle = { preStop: { httpGet: { host: 'example.com', path: '/', port: 80 } } };
    expect(failing(pod, 'baseline')).toEqual(['hostProbesAndHostLifecycle']);
  });

  test('init containers are checked', () => {
    const pod = restrictedPod();
    (pod.initContainers as Json[])[0].securityContext = { privileged: true };
    expect(podSecurityViolations(pod, 'baseline')).toEqual([expect.objectContaining({ check: 'privileged', container: 'init' })]);
  });

  test('ephemeral containers are checked', () => {
    const pod = { ...restrictedPod(), ephemeralContainers: [{ name: 'debug', image: 'busybox', securityContext: { privileged: true } }] };
    expect(podSecurityViolations(pod, 'baseline')).toEqual([expect.objectContaining({ check: 'privileged', container: 'debug' })]);
  });

  test('messages name the value and what is allowed', () => {
    const [violation] = podSecurityViolations(withAppSecurity({ procMount: 'Unmasked' }), 'baseline');
    expect(violation.message).toMatch(/container "app".*"Unmasked".*allowed: "Default" or unset/);
  });
});

describe('restricted checks', () => {
  test.each(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'])(
    'volume type %s is allowed', (type) => {
      expect(failing({ ...restrictedPod(), volumes: [{ name: 'v', [type]: {} }] }, 'restricted')).toEqual([]);
    });

  test.each(['nfs', 'gitRepo', 'awsElasticBlockStore', 'azureFile', 'iscsi', 'flexVolume'])('volume type %s is refused', (type) => {
    const violations = podSecurityViolations({ ...restrictedPod(), volumes: [{ name: 'v', [type]: {} }] }, 'restricted');
    expect(violations).toEqual([expect.objectContaining({ check: 'restrictedVolumes' })]);
    expect(violations[0].message).toContain(type);
  });

  test('a volume with no source (defaulted to emptyDir) is allowed', () => {
    expect(failing({ ...restrictedPod(), volumes: [{ name: 'v' }] }, 'restricted')).toEqual([]);
  });

  test('hostPath is reported by restrictedVolumes alone at restricted', () => {
    expect(failing({ ...restrictedPod(), volumes: [{ name: 'h', hostPath: { path: '/' } }] }, 'restricted')).toEqual(['restrictedVolumes']);
  });

  test('allowPrivilegeEscalation unset is refused', () => {
    const pod = restrictedPod();
    delete ((pod.containers as Json[])[0].securityContext as Json).allowPrivilegeEscalation;
    expect(podSecurityViolations(pod, 'restricted')).toEqual([
      expect.objectContaining({ check: 'allowPrivilegeEscalation', container: 'app' }),
    ]);
  });

  test('allowPrivilegeEscalation true is refused', () => {
    expect(failing(withAppSecurity({ allowPrivilegeEscalation: true }), 'restricted')).toEqual(['allowPrivilegeEscalation']);
  });

  test('runAsNonRoot on every container without a pod-level value passes', () => {
    const pod = withPodSecurity({ runAsNonRoot: undefined });
    for (const c of [...(pod.containers as Json[]), ...(pod.initContainers as Json[])]) (c.securityContext as Json).runAsNonRoot = true;
    expect(failing(pod, 'restricted')).toEqual([]);
  });

  test('without a pod-level runAsNonRoot, a container that does not set it is refused', () => {
    const pod = withPodSecurity({ runAsNonRoot: undefined });
    ((pod.initContainers as Json[])[0].securityContext as Json).runAsNonRoot = true;
    expect(podSecurityViolations(pod, 'restricted')).toEqual([expect.objectContaining({ check: 'runAsNonRoot', container: 'app' })]);
  });

  test('container runAsNonRoot=false overrides pod-level true and is refused', () => {
    expect(podSecurityViolations(withAppSecurity({ runAsNonRoot: false }), 'restricted')).toEqual([
      expect.objectContaining({ check: 'runAsNonRoot', container: 'app' }),
    ]);
  });

  test('pod runAsNonRoot=false is refused even when every container sets true', () => {
    const pod = withPodSecurity({ runAsNonRoot: false });
    for (const c of [...(pod.containers as Json[]), ...(pod.initContainers as Json[])]) (c.securityContext as Json).runAsNonRoot = true;
    const violations = podSecurityViolations(pod, 'restricted');
    expect(violations).toEqual([expect.objectContaining({ check: 'runAsNonRoot' })]);
    expect(violations[0].container).toBeUndefined();
  });

  test('runAsUser 0 on the pod is refused', () => {
    expect(failing(withPodSecurity({ runAsUser: 0 }), 'restricted')).toEqual(['runAsUser']);
  });

  test('runAsUser 0 on a container is refused even when the pod sets a non-root user', () => {
    expect(podSecurityViolations(withAppSecurity({ runAsUser: 0 }), 'restricted')).toEqual([
      expect.objectContaining({ check: 'runAsUser', container: 'app' }),
    ]);
  });

  test('pod runAsUser 0 is refused even when every container overrides it', () => {
    const pod = withPodSecurity({ runAsUser: 0 });
    for (const c of [...(pod.containers as Json[]), ...(pod.initContainers as Json[])]) (c.securityContext as Json).runAsUser = 1000;
    expect(failing(pod, 'restricted')).toEqual(['runAsUser']);
  });

  test('runAsUser 0 is not a baseline concern', () => {
    expect(failing(withPodSecurity({ runAsUser: 0, runAsNonRoot: false }), 'baseline')).toEqual([]);
  });

  test('user namespaces (hostUsers: false) do not relax runAsUser, since 1.33 and 1.34 do not', () => {
    expect(failing({ ...withPodSecurity({ runAsUser: 0 }), hostUsers: false }, 'restricted')).toEqual(['runAsUser']);
  });

  test('seccomp set only on the containers passes', () => {
    const pod = withPodSecurity({ seccompProfile: undefined });
    for (const c of [...(pod.containers as Json[]), ...(pod.initContainers as Json[])]) {
      (c.securityContext as Json).seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/app.json' };
    }
    expect(failing(pod, 'restricted')).toEqual([]);
  });

  test('seccomp set on neither pod nor container is refused for that container', () => {
    const pod = withPodSecurity({ seccompProfile: undefined });
    ((pod.initContainers as Json[])[0].securityContext as Json).seccompProfile = { type: 'RuntimeDefault' };
    expect(podSecurityViolations(pod, 'restricted')).toEqual([
      expect.objectContaining({ check: 'seccompProfile_restricted', container: 'app' }),
    ]);
  });

  test('container seccomp Unconfined overrides a good pod-level profile and is refused', () => {
    expect(podSecurityViolations(withAppSecurity({ seccompProfile: { type: 'Unconfined' } }), 'restricted')).toEqual([
      expect.objectContaining({ check: 'seccompProfile_restricted', container: 'app' }),
    ]);
  });

  test('pod seccomp Unconfined is refused even when every container overrides it', () => {
    const pod = withPodSecurity({ seccompProfile: { type: 'Unconfined' } });
    for (const c of [...(pod.containers as Json[]), ...(pod.initContainers as Json[])]) {
      (c.securityContext as Json).seccompProfile = { type: 'RuntimeDefault' };
    }
    expect(failing(pod, 'restricted')).toEqual(['seccompProfile_restricted']);
  });

  test('pod seccomp Localhost passes', () => {
    expect(failing(withPodSecurity({ seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }), 'restricted')).toEqual([]);
  });

  test('a container that does not drop ALL is refused', () => {
    expect(podSecurityViolations(withAppSecurity({ capabilities: { drop: ['NET_RAW'] } }), 'restricted')).toEqual([
      expect.objectContaining({ check: 'capabilities_restricted', container: 'app' }),
    ]);
  });

  test('drop "all" in lower case does not count, as in the admission controller', () => {
    expect(failing(withAppSecurity({ capabilities: { drop: ['all'] } }), 'restricted')).toEqual(['capabilities_restricted']);
  });

  test('adding NET_BIND_SERVICE passes', () => {
    expect(failing(withAppSecurity({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), 'restricted')).toEqual([]);
  });

  test('adding a default capability other than NET_BIND_SERVICE is refused at restricted only', () => {
    const pod = withAppSecurity({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } });
    expect(failing(pod, 'baseline')).toEqual([]);
    expect(failing(pod, 'restricted')).toEqual(['capabilities_restricted']);
  });

  test('at restricted, SYS_ADMIN is reported by capabilities_restricted alone', () => {
    expect(failing(withAppSecurity({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }), 'restricted')).toEqual(['capabilities_restricted']);
  });

  test('at restricted, seccomp Unconfined is reported by seccompProfile_restricted alone', () => {
    expect(failing(withPodSecurity({ seccompProfile: { type: 'Unconfined' } }), 'restricted')).toEqual(['seccompProfile_restricted']);
  });

  test('a Windows pod is exempt from the Linux-only restricted checks but not from runAsNonRoot', () => {
    const pod = { os: { name: 'windows' }, containers: [{ name: 'win', image: 'servercore' }] };
    expect(failing(pod, 'restricted')).toEqual(['runAsNonRoot']);
    expect(failing({ ...pod, os: { name: 'linux' } }, 'restricted')).toEqual([
      'allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted',
    ]);
  });
});

describe('an Istio istio-init style init container', () => {
  function istioPod(): Json {
    const pod = restrictedPod();
    (pod.initContainers as Json[]).push({
      name: 'istio-init',
      image: 'docker.io/istio/proxyv2:1.26.0',
      args: ['istio-iptables', '-p', '15001'],
      securityContext: {
        allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: false,
        capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
        runAsGroup: 0, runAsNonRoot: false, runAsUser: 0,
      },
    });
    return pod;
  }

  test('is refused by baseline for its capabilities', () => {
    const violations = podSecurityViolations(istioPod(), 'baseline');
    expect(violations).toEqual([expect.objectContaining({ check: 'capabilities_baseline', container: 'istio-init' })]);
    expect(violations[0].message).toContain('NET_ADMIN');
    expect(violations[0].message).toContain('NET_RAW');
  });

  test('is refused by restricted for capabilities, root user and runAsNonRoot=false', () => {
    const violations = podSecurityViolations(istioPod(), 'restricted');
    expect(violations.every((v) => v.container === 'istio-init')).toBe(true);
    expect(failing(istioPod(), 'restricted')).toEqual(['capabilities_restricted', 'runAsNonRoot', 'runAsUser']);
  });

  test('is accepted by privileged', () => {
    expect(podSecurityViolations(istioPod(), 'privileged')).toEqual([]);
  });
});

describe('podTemplateOf', () => {
  const template = { metadata: { labels: { app: 'web' }, annotations: { 'a/b': 'c' } }, spec: { containers: [{ name: 'web' }] } };

  test.each([
    ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['apps/v1', 'ReplicaSet'],
    ['batch/v1', 'Job'], ['v1', 'ReplicationController'],
  ])('%s %s: spec.template', (apiVersion, kind) => {
    const found = podTemplateOf({ apiVersion, kind, metadata: { name: 'web' }, spec: { template } });
    expect(found).toEqual({ spec: template.spec, metadata: template.metadata });
  });

  test('CronJob: spec.jobTemplate.spec.template', () => {
    const found = podTemplateOf({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { schedule: '@daily', jobTemplate: { spec: { template } } } });
    expect(found).toEqual({ spec: template.spec, metadata: template.metadata });
  });

  test('Pod: its own spec and metadata', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'p' } }, spec: { containers: [{ name: 'c' }] } };
    expect(podTemplateOf(pod)).toEqual({ spec: pod.spec, metadata: { labels: { app: 'p' } } });
  });

  test('a template without metadata gives empty metadata', () => {
    expect(podTemplateOf({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { template: { spec: {} } } })).toEqual({ spec: {}, metadata: {} });
  });

  test('an object without apiVersion is taken at its kind', () => {
    expect(podTemplateOf({ kind: 'Deployment', spec: { template } })?.spec).toBe(template.spec);
  });

  test.each([
    ['v1', 'ConfigMap'], ['v1', 'Service'], ['networking.istio.io/v1', 'VirtualService'], ['v1', 'Namespace'],
  ])('%s %s has no pod template', (apiVersion, kind) => {
    expect(podTemplateOf({ apiVersion, kind, spec: { template } })).toBeUndefined();
  });

  test('a custom resource reusing a workload kind name is not a workload', () => {
    expect(podTemplateOf({ apiVersion: 'example.com/v1', kind: 'Deployment', spec: { template } })).toBeUndefined();
  });

  test('a workload without a pod spec is an error, not a silent pass', () => {
    expect(() => podTemplateOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'broken' }, spec: {} })).toThrow(/broken/);
  });

  test('template annotations feed the AppArmor check', () => {
    const found = podTemplateOf({
      apiVersion: 'apps/v1', kind: 'Deployment',
      spec: { template: { ...template, metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' } } } },
    });
    expect(found).toBeDefined();
    expect(failing(found?.spec ?? {}, 'baseline', found?.metadata.annotations)).toEqual(['appArmorProfile']);
  });
});

describe('enforcedLevel', () => {
  test('no labels is privileged', () => {
    expect(enforcedLevel(undefined)).toBe('privileged');
  });

  test('labels without the enforce label is privileged', () => {
    expect(enforcedLevel({ 'pod-security.kubernetes.io/warn': 'restricted', 'istio-injection': 'enabled' })).toBe('privileged');
  });

  test.each<PodSecurityLevel>(['privileged', 'baseline', 'restricted'])('%s is parsed', (level) => {
    expect(enforcedLevel({ 'pod-security.kubernetes.io/enforce': level })).toBe(level);
  });

  test('an unknown level such as "strict" is an error', () => {
    expect(() => enforcedLevel({ 'pod-security.kubernetes.io/enforce': 'strict' })).toThrow(/strict/);
  });

  test('levels are case-sensitive', () => {
    expect(() => enforcedLevel({ 'pod-security.kubernetes.io/enforce': 'Restricted' })).toThrow();
  });

  test('an empty value is an error', () => {
    expect(() => enforcedLevel({ 'pod-security.kubernetes.io/enforce': '' })).toThrow();
  });
});
