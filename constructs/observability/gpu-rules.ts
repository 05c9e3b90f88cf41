/**
 * The Prometheus rules of an environment as data: recording rules that turn
 * the DCGM exporter's series into per-pool, per-node and per-profile figures,
 * and the alerts on them. The cluster stack makes Azure Prometheus rule groups
 * of them (`PrometheusAlerts`); the tests write them as a Prometheus rule file
 * and run `promtool check rules` and `promtool test rules` on recorded series.
 *
 * Label facts (dcgm-exporter 4.x, `internal/pkg/rendermetrics` and
 * `internal/pkg/transformation/const.go`): the exporter labels each series with
 * the GPU (`gpu`, `UUID`, `device`, `modelName`, `hostname`, and
 * `GPU_I_ID`/`GPU_I_PROFILE` for MIG devices) and, for a GPU allocated to a pod,
 * that pod's `pod`, `namespace` and `container`. Metric names are those of its
 * default `dcp-metrics-included.csv`. The scrape job adds the
 * exporter's own `namespace`/`pod`, so the workload's become `exported_namespace`
 * and `exported_pod` (Prometheus's rule for clashing target labels), and our
 * relabelling adds `gpu_pool` and `node` (`scrape-objects.ts`).
 */

/** Label our scrape relabelling puts on every DCGM series: the AKS node pool. */
export const GPU_POOL_LABEL = 'gpu_pool';
/** Label our scrape relabelling puts on every DCGM series: the node name. */
export const NODE_LABEL = 'node';

export interface PrometheusRule {
  /** Recording rule: the new series' name. */
  readonly record?: string;
  /** Alerting rule: the alert's name. */
  readonly alert?: string;
  readonly expr: string;
  /** How long the condition must hold, in minutes. */
  readonly forMinutes?: number;
  /** Azure alert severity, 0 (critical) to 4 (verbose). */
  readonly severity?: 0 | 1 | 2 | 3 | 4;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PrometheusRuleGroup {
  readonly name: string;
  readonly description: string;
  readonly intervalMinutes: number;
  readonly rules: readonly PrometheusRule[];
}

/** What the rules need to know of a GPU pool. */
export interface RulePool {
  readonly name: string;
  readonly vmSize: string;
  readonly maxCount: number;
  readonly gpusPerNode: number;
  readonly spot: boolean;
  readonly migProfile?: string;
  /** Hourly price of one node in the environment's region, USD; undefined when the price table has none. */
  readonly nodeUsdPerHour?: number;
  /** Where the price comes from, e.g. `price table westeurope 2026-11-27`. */
  readonly priceSource?: string;
}

export interface GpuRulesProps {
  readonly environment: string;
  readonly pools: readonly RulePool[];
  /** Minutes a GPU may stay allocated at 0 % before the idle alert. */
  readonly idleGpuMinutes: number;
  /** Minutes a pool may run at its maximum before the "stuck at max" alert. */
  readonly poolAtMaxMinutes: number;
  /** Notebook culling, when Notebooks are installed and culling is on. */
  readonly notebookCulling?: { readonly idleMinutes: number; readonly profileNamespaces: readonly string[] };
}

/** Utilisation of a GPU or MIG device, 0 to 1: DCGM's profiling metric where the GPU has it, else the device metric (percent). */
export const RECORD_UTILISATION = 'kubeflow:gpu_utilisation:ratio';
export const RECORD_MEMORY = 'kubeflow:gpu_memory_used:ratio';
export const RECORD_POWER = 'kubeflow:gpu_power:watts';
export const RECORD_ALLOCATED = 'kubeflow:gpu_allocated:count';
export const RECORD_POOL_NODES = 'kubeflow:gpu_pool_nodes:count';

const BY_DEVICE = `cluster, ${GPU_POOL_LABEL}, ${NODE_LABEL}, gpu, GPU_I_ID, exported_namespace, exported_pod`;
/** Utilisation below this counts as idle (DCGM reports small non-zero values on an idle GPU). */
export const IDLE_UTILISATION = 0.01;

function usd(value: number): string {
  return value >= 1 ? value.toFixed(2) : value.toFixed(3);
}

/** "4.60 USD per node-hour (1.15 per GPU), price table westeurope 2026-11-27", or "unknown". */
export function poolPriceText(pool: RulePool): string {
  if (pool.nodeUsdPerHour === undefined) return `unknown (no ${pool.spot ? 'spot' : 'pay-as-you-go'} price for ${pool.vmSize} in the price table)`;
  const perGpu = pool.nodeUsdPerHour / Math.max(1, pool.gpusPerNode);
  return `${usd(pool.nodeUsdPerHour)} USD per node-hour (${usd(perGpu)} per GPU), ${pool.spot ? 'spot' : 'pay-as-you-go'}, ${pool.priceSource ?? 'price table'}`;
}

function quote(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function gpuRuleGroups(props: GpuRulesProps): PrometheusRuleGroup[] {
  const recording: PrometheusRuleGroup = {
    name: `kubeflow-gpu-recording-${props.environment}`,
    description: 'GPU utilisation, memory, power and allocation per pool, node and profile, from the DCGM exporter.',
    intervalMinutes: 1,
    rules: [
      { record: RECORD_UTILISATION, expr: `max by (${BY_DEVICE}) (DCGM_FI_PROF_GR_ENGINE_ACTIVE or DCGM_FI_DEV_GPU_UTIL / 100)` },
      { record: RECORD_MEMORY, expr: `max by (${BY_DEVICE}) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE))` },
      { record: RECORD_POWER, expr: `max by (${BY_DEVICE}) (DCGM_FI_DEV_POWER_USAGE)` },
      { record: RECORD_ALLOCATED, expr: `count by (cluster, ${GPU_POOL_LABEL}, exported_namespace) (DCGM_FI_DEV_FB_USED{exported_pod!=""})` },
      { record: RECORD_POOL_NODES, expr: `count by (cluster, ${GPU_POOL_LABEL}) (count by (cluster, ${GPU_POOL_LABEL}, ${NODE_LABEL}) (DCGM_FI_DEV_FB_USED))` },
    ],
  };
  const perPool = props.pools.flatMap((pool): PrometheusRule[] => {
    const p = `${GPU_POOL_LABEL}="${quote(pool.name)}"`;
    const kind = `${pool.vmSize}${pool.migProfile ? `, ${pool.migProfile}` : ''}${pool.spot ? ', spot' : ''}`;
    return [
      {
        alert: 'KubeflowGpuAllocatedIdle',
        expr: `${RECORD_UTILISATION}{${p}, exported_pod!=""} < ${IDLE_UTILISATION}`,
        forMinutes: props.idleGpuMinutes,
        severity: 3,
        labels: { gpu_pool: pool.name },
        annotations: {
          summary: `A GPU of pool ${pool.name} is allocated but idle`,
          description: `Pod {{ $labels.exported_namespace }}/{{ $labels.exported_pod }} holds GPU {{ $labels.gpu }} on {{ $labels.node }} (pool ${pool.name}, ${kind}) at under 1 % utilisation for ${props.idleGpuMinutes} minutes. The pool costs ${poolPriceText(pool)}. Stop the workload or release the GPU so the pool can scale down.`,
        },
      },
      {
        alert: 'KubeflowGpuPoolAtMax',
        expr: `${RECORD_POOL_NODES}{${p}} >= ${pool.maxCount}`,
        forMinutes: props.poolAtMaxMinutes,
        severity: 2,
        labels: { gpu_pool: pool.name },
        annotations: {
          summary: `GPU pool ${pool.name} has run at its maximum (${pool.maxCount} node${pool.maxCount === 1 ? '' : 's'}) for ${props.poolAtMaxMinutes} minutes`,
          description: `Pool ${pool.name} (${kind}) has {{ $value }} nodes, its maxCount: new GPU pods wait, and every node costs ${poolPriceText(pool)}. Check for idle allocations, or raise maxCount in the environment file.`,
        },
      },
    ];
  });
  const alerts: PrometheusRuleGroup = {
    name: `kubeflow-gpu-alerts-${props.environment}`,
    description: 'GPU faults, GPU memory pressure, idle allocated GPUs and GPU pools stuck at their maximum.',
    intervalMinutes: 1,
    rules: [
      {
        alert: 'KubeflowGpuXidError',
        expr: `max by (cluster, ${GPU_POOL_LABEL}, ${NODE_LABEL}, gpu, exported_namespace, exported_pod) (DCGM_FI_DEV_XID_ERRORS) > 0`,
        forMinutes: 0,
        severity: 1,
        annotations: {
          summary: 'A GPU reported an XID error',
          description: 'GPU {{ $labels.gpu }} on {{ $labels.node }} (pool {{ $labels.gpu_pool }}) reported XID {{ $value }}; workload {{ $labels.exported_namespace }}/{{ $labels.exported_pod }}. See NVIDIA\'s XID catalogue; drain the node if it repeats.',
        },
      },
      {
        alert: 'KubeflowGpuMemoryNearFull',
        expr: `${RECORD_MEMORY} > 0.95`,
        forMinutes: 15,
        severity: 2,
        annotations: {
          summary: 'GPU memory is over 95 % used',
          description: 'GPU {{ $labels.gpu }} on {{ $labels.node }} (pool {{ $labels.gpu_pool }}) used by {{ $labels.exported_namespace }}/{{ $labels.exported_pod }} has had over 95 % of its memory in use for 15 minutes: out-of-memory errors are near.',
        },
      },
      ...perPool,
      ...notebookRules(props),
    ],
  };
  return [recording, ...splitGroup(alerts, props.environment)];
}

/**
 * Rules per group we allow ourselves. A conservative bound: we could not confirm
 * Azure's per-group limit from a stored source (2026-11-30); 20 is the common
 * managed-Prometheus default, and smaller groups cost nothing.
 */
export const MAX_RULES_PER_GROUP = 20;

/**
 * Keeps each group within `MAX_RULES_PER_GROUP`: the first part keeps the
 * group's name (so environments with few pools never see a change), the rest
 * go to `<name>-2`, `<name>-3`... before the environment suffix.
 */
function splitGroup(group: PrometheusRuleGroup, environment: string): PrometheusRuleGroup[] {
  const parts: PrometheusRuleGroup[] = [];
  for (let i = 0; i < group.rules.length; i += MAX_RULES_PER_GROUP) {
    const n = i / MAX_RULES_PER_GROUP + 1;
    const name = n === 1 ? group.name : group.name.replace(new RegExp(`-${environment}$`), `-${n}-${environment}`);
    parts.push({ ...group, name, rules: group.rules.slice(i, i + MAX_RULES_PER_GROUP) });
  }
  return parts;
}

/**
 * Notebook culling that does not happen. The notebook controller (Notebooks
 * 1.11.0) declares `notebook_culling_total` and
 * `last_notebook_culling_timestamp_seconds` but never collects them, and its
 * `notebook_running` gauge keeps a namespace's last value when its last
 * notebook stops; neither can tell culling happened. The nearest real signal: a
 * GPU allocated to a pod of a profile namespace at 0 % for longer than the
 * culling idle time plus a margin (the culler checks every minute and stops a
 * notebook whose kernels are idle; a busy kernel keeps its GPU busy too).
 */
function notebookRules(props: GpuRulesProps): PrometheusRule[] {
  const culling = props.notebookCulling;
  if (!culling || culling.profileNamespaces.length === 0) return [];
  const minutes = culling.idleMinutes + 15;
  const namespaces = culling.profileNamespaces.map(quote).join('|');
  return [{
    alert: 'KubeflowNotebookCullingNotHappening',
    expr: `${RECORD_UTILISATION}{exported_namespace=~"${namespaces}", exported_pod!=""} < ${IDLE_UTILISATION}`,
    forMinutes: minutes,
    severity: 3,
    annotations: {
      summary: 'A GPU in a profile namespace stayed idle past the notebook culling time',
      description: `{{ $labels.exported_namespace }}/{{ $labels.exported_pod }} has held GPU {{ $labels.gpu }} (pool {{ $labels.gpu_pool }}) idle for ${minutes} minutes, longer than the notebook culling time (${culling.idleMinutes} minutes). If it is a notebook, culling is not happening: check the notebook controller's logs and the notebook's notebooks.kubeflow.org/last-activity annotation.`,
    },
  }];
}
