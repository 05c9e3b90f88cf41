import type { ResolvedEnvironment } from './validate';

/**
 * Values of the sample environment files that must be replaced before a
 * deploy: documentation address ranges (RFC 5737), documentation domains
 * (RFC 2606) and the sample GUIDs. Synth accepts them (the samples synthesize
 * and are tested); a plan of a stack that still holds one stops before any
 * change (`PlaceholderGuard`).
 */
export const DOCUMENTATION_RANGES = ['192.0.2.', '198.51.100.', '203.0.113.'];
export const DOCUMENTATION_DOMAINS = /(^|\.|@)example\.(com|org|net)$/i;
/** GUIDs that appear in environments/*.ts as samples. */
export const SAMPLE_GUIDS: readonly string[] = [
  '7c1e4a52-3d8f-4b6a-9e21-5f0c8d3a7b64',
  '5f1c7a3e-0d2b-4c8e-9a61-3b7e2d9f0a11',
  '2b9d6e41-8c3f-4a57-b1e0-6f4d2c8a9e13',
  '0f3c9a1e-6b2d-4e8f-a7c5-1d9e3b6f4a20',
];

/** Every placeholder an environment still holds, as `setting: value`. */
export function placeholdersOf(env: ResolvedEnvironment): string[] {
  const found: string[] = [];
  const range = (setting: string, values: readonly string[]) => values.forEach((v, i) => {
    if (DOCUMENTATION_RANGES.some((r) => v.startsWith(r))) found.push(`${setting}[${i}]: ${v} (a documentation address range)`);
  });
  const domain = (setting: string, value: string | undefined) => {
    if (value && DOCUMENTATION_DOMAINS.test(value)) found.push(`${setting}: ${value} (a documentation domain)`);
  };
  const guid = (setting: string, value: string | undefined) => {
    if (value && SAMPLE_GUIDS.includes(value.toLowerCase())) found.push(`${setting}: ${value} (a sample GUID)`);
  };
  if (env.apiAccess.mode === 'public') range('apiAccess.authorizedIpRanges', env.apiAccess.authorizedIpRanges);
  range('security.keyVaultAllowedIpRanges', env.security.keyVaultAllowedIpRanges);
  guid('tenantId', env.tenantId);
  env.adminGroupObjectIds.forEach((g, i) => guid(`adminGroupObjectIds[${i}]`, g));
  const access = env.access;
  if (access) {
    domain('access.host', access.host);
    access.allowedGroupObjectIds.forEach((g, i) => guid(`access.allowedGroupObjectIds[${i}]`, g));
    if (access.application.mode === 'existing') guid('access.application.clientId', access.application.clientId);
    if (access.tls.mode === 'acme') {
      domain('access.tls.email', access.tls.email);
      domain('access.tls.dnsZone.name', access.tls.dnsZone.name);
      guid('access.tls.dnsZone.subscriptionId', access.tls.dnsZone.subscriptionId);
    }
  }
  (env.monitoring.alerts?.emails ?? []).forEach((e, i) => domain(`monitoring.alerts.emails[${i}]`, e));
  env.profiles.forEach((p, i) => {
    domain(`profiles[${i}].owner`, p.owner);
    (p.contributors ?? []).forEach((c, j) => domain(`profiles[${i}].contributors[${j}].email`, c.email));
  });
  return found;
}
