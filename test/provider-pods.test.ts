// Pods the kubernetes provider creates (not rendered by Helm, so outside the render rules' Pod Security check).
// The provider writes an unset container `run_as_non_root` as false: Pod Security "restricted" then refuses the
// pod even when the pod level says true. The rehearsal found this on prod's MySQL user Job.
import { ENVIRONMENTS } from '../environments';
import { SynthJson, synthPlatform } from './helpers';

const POD_OWNERS = ['kubernetes_job_v1', 'kubernetes_cron_job_v1', 'kubernetes_deployment_v1', 'kubernetes_daemon_set_v1', 'kubernetes_stateful_set_v1', 'kubernetes_pod_v1'];

type Container = { name: string; security_context?: Record<string, unknown>[] | Record<string, unknown> };

function containers(json: SynthJson): { where: string; container: Container }[] {
  const found: { where: string; container: Container }[] = [];
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, where));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'container' || k === 'init_container') for (const c of ([] as Container[]).concat(v as Container[])) found.push({ where, container: c });
        else walk(v, where);
      }
    }
  };
  for (const type of POD_OWNERS) for (const [id, r] of Object.entries(json.resource[type] ?? {})) walk(r.spec, `${type}.${id}`);
  return found;
}

export function podSecurityProblems(json: SynthJson): string[] {
  return containers(json).flatMap(({ where, container }) => {
    const sc = ([] as Record<string, unknown>[]).concat(container.security_context ?? [])[0];
    if (!sc) return [`${where} container ${container.name}: no security_context (restricted needs allow_privilege_escalation false, capabilities drop ALL)`];
    return sc.run_as_non_root === true ? [] : [`${where} container ${container.name}: security_context without run_as_non_root = true (the provider sends false)`];
  });
}

describe('containers of provider-managed pods pass Pod Security "restricted"', () => {
  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('%s', (_name, env) => {
    expect(podSecurityProblems(synthPlatform(env).parsed)).toEqual([]);
  });

  test('a container security_context without run_as_non_root is caught (broken fixture)', () => {
    const prod = synthPlatform(ENVIRONMENTS.find((e) => e.name === 'prod')!).parsed;
    expect(containers(prod).length).toBeGreaterThan(0);
    const broken = JSON.parse(JSON.stringify(prod)) as SynthJson;
    for (const { container } of containers(broken)) for (const sc of ([] as Record<string, unknown>[]).concat(container.security_context ?? [])) delete sc.run_as_non_root;
    expect(podSecurityProblems(broken)).toEqual([expect.stringMatching(/kubernetes_job_v1\..* container mysql: security_context without run_as_non_root = true/)]);
  });
});
