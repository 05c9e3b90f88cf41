import { AKS_SUPPORT, SUPPORT_WARNING_DAYS, gpuRegions, minorStatus, supportedMinors } from '../catalog/aks-support';
import { vmSizeFacts } from '../catalog/vm-sizes';
import { KUBERNETES_VERSION } from '../constructs/aks/settings';
import { Checker, isObject } from './checker';
import { AKS_RESERVED_RANGES, contains, formatIpv4, overlaps, parseCidr, parseIpv4 } from './cidr';
import type { Draft, ResolvedEnvironment } from './validate';

/**
 * Rules between settings, each named and described, checked after the schema
 * (`./schema`) has checked every setting on its own. A rule runs when the settings it
 * `needs` resolved; it reports through the checker (setting, value, what is accepted)
 * and may add warnings. `docs/environments.md` lists them (`npm run docs:settings`).
 */
export interface RuleContext {
  readonly today: Date;
  readonly warnings: string[];
  /** The file as written: some rules ask whether a setting was given at all. */
  readonly raw: Record<string, unknown>;
}

export interface Rule {
  readonly name: string;
  readonly description: string;
  readonly needs: readonly (keyof ResolvedEnvironment)[];
  check(env: Draft, c: Checker, ctx: RuleContext): void;
}

function rule<N extends keyof ResolvedEnvironment>(
  name: string,
  description: string,
  needs: readonly N[],
  check: (env: Pick<ResolvedEnvironment, N> & Draft, c: Checker, ctx: RuleContext) => void,
): Rule {
  return { name, description, needs, check: (env, c, ctx) => check(env as Pick<ResolvedEnvironment, N> & Draft, c, ctx) };
}

/** Channels under which AKS changes the cluster's version by itself. */
const VERSION_CHANGING_CHANNELS: readonly string[] = ['patch', 'stable', 'rapid'];
/** Azure keeps five addresses of every subnet. */
const AZURE_RESERVED_SUBNET_ADDRESSES = 5;
/** Namespaces the platform itself uses: a profile must not take one. */
const RESERVED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kubeflow', 'kubeflow-system', 'istio-system', 'cert-manager', 'oauth2-proxy', 'gpu-operator', 'kserve', 'spark-operator', 'gatekeeper-system'];

const rawAt = (raw: Record<string, unknown>, ...path: (string | number)[]): unknown => {
  let node: unknown = raw;
  for (const key of path) node = isObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined;
  return node;
};

export const RULES: readonly Rule[] = [
  rule('kubernetes-version', 'The version is a minor AKS supports today (Premium adds LTS minors), a listed patch, and no pinned patch under a channel that moves patches; warns near the end of support.',
    ['kubernetesVersion', 'skuTier', 'upgrades'], (env, c, ctx) => {
      const premium = env.skuTier === 'Premium';
      const minors = supportedMinors(ctx.today, premium);
      const accepted = `accepted: ${minors.map((m) => `"${m}"`).join(', ')} (AKS minors supported on ${ctx.today.toISOString().slice(0, 10)}${premium ? ', LTS included' : ''}; table recorded ${AKS_SUPPORT.recorded}, refresh with npm run aks:refresh)`;
      const value = env.kubernetesVersion;
      const match = typeof value === 'string' ? KUBERNETES_VERSION.exec(value) : null;
      if (!match) return void c.fail('kubernetesVersion', value, `a version is "1.MINOR" or "1.MINOR.PATCH"; ${accepted}`);
      const status = minorStatus(match[1], ctx.today, premium);
      if (status.kind !== 'supported') return void c.fail('kubernetesVersion', value, `${status.reason}; ${accepted}`);
      if (match[2] !== undefined) {
        const channel = env.upgrades.channel;
        if (VERSION_CHANGING_CHANNELS.includes(channel)) {
          return void c.fail('kubernetesVersion', value, `the "${channel}" upgrade channel moves the patch itself, so a pinned patch would be rolled back or drift: accepted: "${match[1]}" (or upgrades.channel "node-image" to pin patches)`);
        }
        const patches = AKS_SUPPORT.minors[match[1]].patches;
        if (!patches.includes(value)) return void c.fail('kubernetesVersion', value, `AKS offers no such patch in the support table; accepted: ${patches.map((p) => `"${p}"`).join(', ') || 'none recorded'}, or "${match[1]}"`);
      }
      if (status.daysLeft <= SUPPORT_WARNING_DAYS) {
        ctx.warnings.push(`kubernetesVersion ${value}: ${status.lts ? 'long-term' : 'standard'} support on AKS ends ${status.endOfSupport.toISOString().slice(0, 10)}, in ${status.daysLeft} days: move to ${minors[minors.length - 1]}`);
      }
    }),
  rule('prod-sku-tier', 'A prod environment has the uptime SLA (Standard or Premium tier).', ['stage', 'skuTier'], (env, c) => {
    if (env.stage === 'prod' && env.skuTier === 'Free') c.fail('skuTier', env.skuTier, 'a prod environment needs the uptime SLA: use "Standard" or "Premium"');
  }),
  rule('prod-private-api', 'A prod environment has a private API server.', ['stage', 'apiAccess'], (env, c) => {
    if (env.stage === 'prod' && env.apiAccess.mode === 'public') c.fail('apiAccess.mode', 'public', 'a prod environment uses a private API server: { mode: "private" }');
  }),
  rule('prod-zones', 'A prod environment spreads its system and CPU pools over at least 2 zones.', ['stage', 'zones'], (env, c) => {
    if (env.stage === 'prod' && env.zones.length < 2) c.fail('zones', env.zones, 'a prod environment spreads its system and CPU pools over at least 2 availability zones, e.g. ["1", "2", "3"]');
  }),
  rule('prod-system-nodes', 'A prod environment keeps at least 2 system nodes.', ['stage', 'systemPool'], (env, c) => {
    if (env.stage === 'prod' && env.systemPool.minCount < 2) c.fail('systemPool.minCount', env.systemPool.minCount, 'a prod environment keeps at least 2 system nodes so critical add-ons survive a node loss');
  }),
  rule('network-ranges', 'The node subnet lies inside the virtual network; pod and service ranges are disjoint from it, from each other and from AKS-reserved ranges; the DNS service address lies inside the service range.',
    ['network'], (env, c) => {
      const n = env.network;
      const vnet = parseCidr(n.vnetCidr)!;
      const subnet = parseCidr(n.nodeSubnetCidr)!;
      const pod = parseCidr(n.podCidr)!;
      const service = parseCidr(n.serviceCidr)!;
      if (!contains(vnet, subnet)) c.fail('network.nodeSubnetCidr', n.nodeSubnetCidr, `must lie inside network.vnetCidr (${n.vnetCidr})`);
      for (const [setting, text, r] of [['network.podCidr', n.podCidr, pod], ['network.serviceCidr', n.serviceCidr, service]] as const) {
        if (overlaps(r, vnet)) c.fail(setting, text, `overlaps network.vnetCidr (${n.vnetCidr}): choose a range outside the virtual network`);
        const reserved = AKS_RESERVED_RANGES.find((x) => overlaps(x.range, r));
        if (reserved) c.fail(setting, text, `overlaps ${reserved.name}, which AKS reserves: choose another range`);
      }
      if (overlaps(pod, service)) c.fail('network.serviceCidr', n.serviceCidr, `overlaps network.podCidr (${n.podCidr}): the two ranges must be disjoint`);
      const address = parseIpv4(n.dnsServiceIp);
      if (address === undefined || address <= service.first || address > service.last) {
        c.fail('network.dnsServiceIp', n.dnsServiceIp, `accepted: an address inside network.serviceCidr (${n.serviceCidr}) other than its first, e.g. "${formatIpv4(service.first + 10)}"`);
      } else if (address === service.first + 1) {
        c.fail('network.dnsServiceIp', n.dnsServiceIp, 'the first usable address goes to the kubernetes service: choose another, e.g. the 10th');
      }
    }),
  rule('pool-counts', 'Every pool\'s minCount is at most its maxCount.', [], (env, c) => {
    const pools: [string, { minCount: number; maxCount: number } | undefined][] = [
      ['systemPool', env.systemPool], ['cpuPool', env.cpuPool], ...(env.gpuPools ?? []).map((p, i): [string, typeof p] => [`gpuPools[${i}]`, p]),
    ];
    for (const [prefix, pool] of pools) {
      if (pool && pool.minCount > pool.maxCount) c.fail(`${prefix}.minCount`, pool.minCount, `must not exceed ${prefix}.maxCount (${pool.maxCount})`);
    }
  }),
  rule('ephemeral-os-disk', 'The system pool\'s ephemeral OS disk fits its VM size\'s local disk.', ['systemPool'], (env, c) => {
    const { vmSize, osDiskSizeGb } = env.systemPool;
    const facts = vmSizeFacts(vmSize)!;
    if (osDiskSizeGb > facts.ephemeralOsDiskMaxGb) {
      c.fail('systemPool.osDiskSizeGb', osDiskSizeGb, facts.ephemeralOsDiskMaxGb === 0
        ? `${vmSize} has no local disk for an ephemeral OS disk: choose a size with a "d" (e.g. Standard_D4ds_v5)`
        : `an ephemeral OS disk on ${vmSize} holds at most ${facts.ephemeralOsDiskMaxGb} GiB`);
    }
  }),
  rule('gpu-spot', 'Spot settings only on spot pools; spot in prod only with security.allowSpotInProduction.', ['gpuPools', 'stage', 'security'], (env, c, ctx) => {
    env.gpuPools.forEach((pool, i) => {
      const prefix = `gpuPools[${i}]`;
      if (pool.spot && env.stage === 'prod' && !env.security.allowSpotInProduction) {
        c.fail(`${prefix}.spot`, true, 'spot nodes can be evicted at any time: a prod environment needs security.allowSpotInProduction: true to use them');
      }
      for (const key of ['spotMaxPriceUsd', 'spotEvictionPolicy'] as const) {
        const given = rawAt(ctx.raw, 'gpuPools', i, key);
        if (given !== undefined && !pool.spot) c.fail(`${prefix}.${key}`, given, 'only applies to spot pools: set spot: true or remove it');
      }
    });
  }),
  rule('gpu-mig', 'A MIG profile only on sizes whose GPUs support MIG.', ['gpuPools'], (env, c) => {
    env.gpuPools.forEach((pool, i) => {
      if (pool.migProfile && !pool.gpu.mig) c.fail(`gpuPools[${i}].migProfile`, pool.migProfile, `${pool.vmSize} has ${pool.gpu.model.toUpperCase()} GPUs, which have no MIG: remove migProfile or use an A100/H100/H200 size`);
    });
  }),
  rule('gpu-regions', 'Every GPU size is sold in the environment\'s region (catalog/aks-support.json).', ['gpuPools', 'location'], (env, c) => {
    env.gpuPools.forEach((pool, i) => {
      const regions = gpuRegions(pool.vmSize);
      if (regions && !regions.includes(env.location)) {
        c.fail(`gpuPools[${i}].vmSize`, pool.vmSize, `${pool.vmSize} is not offered in ${env.location} (support table recorded ${AKS_SUPPORT.recorded}); regions that offer it: ${regions.join(', ')}; or pick another GPU size`);
      }
    });
  }),
  rule('pool-names', 'Every node pool has its own name.', [], (env, c) => {
    const named: [string, string | undefined][] = [
      ['systemPool.name', env.systemPool?.name], ['cpuPool.name', env.cpuPool?.name], ...(env.gpuPools ?? []).map((p, i): [string, string] => [`gpuPools[${i}].name`, p.name]),
    ];
    const seen = new Map<string, string>();
    for (const [setting, name] of named) {
      if (name === undefined) continue;
      const first = seen.get(name);
      if (first) c.fail(setting, name, `already used by ${first}: every node pool needs its own name`);
      else seen.set(name, setting);
    }
  }),
  rule('subnet-capacity', 'The node subnet has an address for every node each pool can grow to, plus one surge node per pool.', ['network', 'systemPool', 'cpuPool', 'gpuPools'], (env, c) => {
    const range = parseCidr(env.network.nodeSubnetCidr)!;
    const usable = range.last - range.first + 1 - AZURE_RESERVED_SUBNET_ADDRESSES;
    const needed = [env.systemPool, env.cpuPool, ...env.gpuPools].reduce((sum, p) => sum + p.maxCount + 1, 0);
    if (needed > usable) {
      c.fail('network.nodeSubnetCidr', env.network.nodeSubnetCidr, `has ${usable} usable addresses but the pools can grow to ${needed} nodes (maxCount plus one surge node each): use a larger subnet or lower maxCount`);
    }
  }),
  rule('upgrade-channels', 'The node-image upgrade channel needs the NodeImage OS channel.', ['upgrades'], (env, c) => {
    if (env.upgrades.channel === 'node-image' && env.upgrades.nodeOsChannel !== 'NodeImage') c.fail('upgrades.nodeOsChannel', env.upgrades.nodeOsChannel, 'the "node-image" upgrade channel requires nodeOsChannel "NodeImage"');
  }),
  rule('disk-encryption', 'A prod environment uses a customer-managed disk key; Key Vault ranges only with one.', ['security', 'stage'], (env, c) => {
    if (env.stage === 'prod' && env.security.diskEncryption === 'platform') c.fail('security.diskEncryption', 'platform', 'a prod environment encrypts node disks with its own key: use "customer-managed"');
    if (env.security.diskEncryption === 'platform' && env.security.keyVaultAllowedIpRanges.length > 0) {
      c.fail('security.keyVaultAllowedIpRanges', env.security.keyVaultAllowedIpRanges, 'only applies with diskEncryption "customer-managed": remove it');
    }
  }),
  rule('monitoring', 'Grafana and alert rules need managed Prometheus; receivers need alert rules; webhook names are unique.', ['monitoring'], (env, c, ctx) => {
    const m = env.monitoring;
    const grafana = rawAt(ctx.raw, 'monitoring', 'grafana');
    const enabled = rawAt(ctx.raw, 'monitoring', 'alerts', 'enabled');
    if (grafana === true && !m.managedPrometheus) c.fail('monitoring.grafana', true, 'Grafana shows the metrics of managed Prometheus: set monitoring.managedPrometheus to true, or grafana to false');
    if (enabled === true && !m.managedPrometheus) c.fail('monitoring.alerts.enabled', true, 'the alert rules read managed Prometheus: set monitoring.managedPrometheus to true, or alerts.enabled to false');
    const receivers = ['emails', 'webhooks'].some((k) => { const v = rawAt(ctx.raw, 'monitoring', 'alerts', k); return Array.isArray(v) && v.length > 0; });
    if (enabled === false && receivers) c.fail('monitoring.alerts', '(receivers)', 'receivers without alert rules notify nobody: set alerts.enabled to true, or remove emails and webhooks');
    const names = (m.alerts?.webhooks ?? []).map((w) => w.name);
    names.forEach((n, i) => { if (names.indexOf(n) !== i) c.fail(`monitoring.alerts.webhooks[${i}].name`, n, 'receiver names are unique within the action group: rename one'); });
  }),
  rule('platform-prerequisites', 'Katib and Pipelines need cert-manager and Istio, KServe needs cert-manager, Knative mode needs Knative and Istio.', ['platform'], (env, c) => {
    const comp = env.platform.components;
    const needs = (component: 'katib' | 'pipelines' | 'kserve', prerequisite: 'certManager' | 'istio') => {
      if (comp[component] && comp[prerequisite] === 'none') {
        c.fail(`platform.components.${component}`, true, `${component} needs ${prerequisite}: set platform.components.${prerequisite} to "install" or "external", or disable ${component}`);
      }
    };
    needs('katib', 'certManager');
    needs('katib', 'istio');
    needs('pipelines', 'certManager');
    needs('pipelines', 'istio');
    needs('kserve', 'certManager');
    const mode = env.platform.kserveMode;
    if (mode === 'knative') {
      if (!comp.kserve) c.fail('platform.kserveMode', mode, 'applies only with platform.components.kserve enabled: remove it');
      else if (env.platform.knative !== 'external') c.fail('platform.kserveMode', mode, 'Knative mode needs Knative Serving, which this project does not install: install it and set platform.knative: "external", or use "standard"');
      else if (comp.istio === 'none') c.fail('platform.kserveMode', mode, 'Knative mode needs Istio: set platform.components.istio to "install" or "external"');
    }
  }),
  rule('model-apps', 'The models web app and Model Registry are reached through sign-in: they need the access layer, cert-manager and Istio (and the web app KServe).', ['platform'], (env, c, ctx) => {
    const comp = env.platform.components;
    const hasAccess = ctx.raw.access !== undefined;
    const web = (setting: 'modelsWebApp' | 'modelRegistry', what: string) => {
      if (!comp[setting]) return;
      if (!hasAccess) c.fail(`platform.components.${setting}`, true, `${what} is reached only through sign-in at the gateway: add an access section, or set platform.components.${setting} to false`);
      for (const prerequisite of ['certManager', 'istio'] as const) {
        if (comp[prerequisite] === 'none') c.fail(`platform.components.${setting}`, true, `${setting} needs ${prerequisite}: set platform.components.${prerequisite} to "install" or "external", or set platform.components.${setting} to false`);
      }
    };
    web('modelsWebApp', 'the models web app');
    web('modelRegistry', 'Model Registry');
    if (comp.modelsWebApp && !comp.kserve) c.fail('platform.components.modelsWebApp', true, 'the models web app manages KServe InferenceServices: enable platform.components.kserve, or set platform.components.modelsWebApp to false');
  }),
  rule('gpu-driver', 'The GPU Operator needs GPU pools and installs the driver on all of them or none; without it, AKS installs the driver.', ['platform', 'gpuPools'], (env, c) => {
    const pools = env.gpuPools;
    if (env.platform.components.gpuOperator) {
      if (pools.length === 0) c.fail('platform.components.gpuOperator', true, 'the environment has no GPU pools for the operator to manage: add one to gpuPools or set it to false');
      pools.forEach((pool, i) => {
        if (pool.driver !== pools[0].driver) c.fail(`gpuPools[${i}].driver`, pool.driver, `disagrees with gpuPools[0].driver ("${pools[0].driver}"): the GPU Operator installs the driver on all pools or on none; give every pool the same driver`);
      });
    } else {
      pools.forEach((pool, i) => {
        if (pool.driver === 'gpu-operator') c.fail(`gpuPools[${i}].driver`, pool.driver, 'nothing would install the NVIDIA driver with platform.components.gpuOperator false: use driver "aks" or enable the GPU Operator');
      });
    }
  }),
  rule('access', 'Sign-in runs through the Istio gateway; ACME certificates come from the cert-manager this project installs, for a host inside the DNS zone.', ['access', 'platform'], (env, c) => {
    const access = env.access!;
    const comp = env.platform.components;
    if (comp.istio === 'none') c.fail('access', 'set', 'sign-in runs through the Istio ingress gateway: set platform.components.istio to "install" or "external"');
    if (access.tls.mode !== 'acme') return;
    if (comp.certManager !== 'install') {
      c.fail('access.tls.mode', 'acme', 'ACME certificates are requested by the cert-manager this project installs (with workload identity for Azure DNS): set platform.components.certManager to "install", or use tls.mode "provided"');
    }
    const zone = access.tls.dnsZone.name;
    if (!(access.host === zone || access.host.endsWith(`.${zone}`))) {
      c.fail('access.host', access.host, `is not inside access.tls.dnsZone.name ("${zone}"): the DNS-01 challenge must be answered in the zone that holds the host`);
    }
  }),
  rule('profiles', 'Profiles need the access layer, take no platform namespace, have unique names and lower-case addresses, and ask only for GPU models the pools have.', ['profiles'], (env, c, ctx) => {
    if (env.profiles.length > 0 && ctx.raw.access === undefined) {
      c.fail('profiles', `${env.profiles.length} profile(s)`, 'profiles need the access layer (sign-in, dashboard and profile controller): add an access section, or remove the profiles');
    }
    const names = new Set<string>();
    const models = new Set((env.gpuPools ?? []).map((p) => p.gpu.model));
    env.profiles.forEach((p, i) => {
      const prefix = `profiles[${i}]`;
      if (RESERVED_NAMESPACES.includes(p.name)) c.fail(`${prefix}.name`, p.name, `is a namespace of the platform itself: choose another (reserved: ${RESERVED_NAMESPACES.join(', ')})`);
      else if (names.has(p.name)) c.fail(`${prefix}.name`, p.name, 'another profile has this name: profile names must be unique');
      names.add(p.name);
      const ownerOk = lowerCase(c, `${prefix}.owner`, p.owner);
      const seen: string[] = [];
      p.contributors.forEach((entry, j) => {
        const cp = `${prefix}.contributors[${j}]`;
        if (!lowerCase(c, `${cp}.email`, entry.email)) return;
        if (ownerOk && entry.email === p.owner) c.fail(`${cp}.email`, entry.email, 'is the owner, who already has every right: remove this contributor');
        else if (seen.includes(entry.email)) c.fail(`${cp}.email`, entry.email, 'listed twice: keep one entry with the role you want');
        seen.push(entry.email);
      });
      if (env.gpuPools === undefined) return;
      for (const [model, count] of Object.entries(p.quota?.gpus ?? {})) {
        if (!models.has(model as 't4')) {
          c.fail(`${prefix}.quota.gpus.${model}`, count, `no GPU pool of this environment has ${model.toUpperCase()} GPUs (pools have: ${[...models].join(', ') || 'none'}): add such a pool or remove this quota`);
        }
      }
    });
  }),
  rule('notebooks', 'Notebooks are reached through sign-in and served through Istio.', ['notebooks', 'platform'], (env, c, ctx) => {
    if (!env.notebooks.enabled) return;
    if (ctx.raw.access === undefined) c.fail('notebooks.enabled', true, 'notebooks are reached through sign-in and the dashboard: add an access section, or set notebooks.enabled to false');
    if (env.platform.components.istio === 'none') c.fail('notebooks.enabled', true, 'notebooks are served through Istio: set platform.components.istio to "install" or "external"');
  }),
];

/**
 * Profile owners and contributors in lower case only. Kubeflow compares the
 * signed-in user's email claim (the `kubeflow-userid` header) with these
 * addresses character for character, so `Alice@…` in the file and `alice@…` in
 * the claim lock the owner out. Refused rather than lower-cased silently.
 */
function lowerCase(c: Checker, setting: string, email: string): boolean {
  if (email === email.toLowerCase()) return true;
  c.fail(setting, email, `has capitals: Kubeflow compares this address with the signed-in user's email claim (the kubeflow-userid header) character for character, and profile addresses are written in lower case: write "${email.toLowerCase()}" (the gateway lower-cases the claim: docs/components/profiles.md)`);
  return false;
}
