/**
 * `npm run spark:gpu -- <env> <pool> [--gpus N] [--namespace NS] [--name NAME]`:
 * prints a SparkApplication whose executors run on one GPU pool of an
 * environment, with the pool's tolerations, node selector, GPU request and
 * Spark's GPU settings taken from the environment file (the same scheduling
 * data the Trainer runtimes and the notebook spawner use). Fill in the image
 * and the main file, then `kubectl apply -f`.
 */
import { stringify } from 'yaml';
import { EnvironmentsError, ResolvedEnvironment, loadEnvironments } from '../environments';
import { SPARK_DRIVER_SERVICE_ACCOUNT, sparkGpuPlacement } from '../constructs/spark/spark-operator';
import { runCommand } from './run-command';

const USAGE = `usage: npm run spark:gpu -- <env> <pool> [--gpus N] [--namespace NS] [--name NAME]

Prints a SparkApplication (sparkoperator.k8s.io/v1beta2) whose executors run on
GPU pool <pool> of environment <env> (environments/<env>.ts): tolerations, node
selector, GPU request and Spark's GPU settings come from the environment file.
  --gpus N        GPUs (or MIG devices) per executor, default 1
  --namespace NS  a profile namespace, default the environment's first profile
  --name NAME     the application's name, default gpu-job
`;

export interface SparkGpuOptions {
  readonly gpus?: number;
  readonly namespace?: string;
  readonly name?: string;
}

/** The application for one pool of a resolved environment; errors name the setting and what is accepted. */
export function sparkGpuApplication(env: ResolvedEnvironment, poolName: string, options: SparkGpuOptions = {}): Record<string, unknown> {
  if (!env.platform.components.sparkOperator) throw new Error(`${env.name} does not install the Spark operator (platform.components.sparkOperator is false)`);
  const pool = env.gpuPools.find((p) => p.name === poolName);
  if (!pool) {
    const names = env.gpuPools.map((p) => `"${p.name}"`).join(', ');
    throw new Error(`${env.name} has no GPU pool "${poolName}"; accepted: ${names || '(none: the environment has no GPU pools)'}`);
  }
  const namespace = options.namespace ?? env.profiles[0]?.name;
  if (!namespace) throw new Error(`${env.name} has no profiles: pass --namespace with the namespace the operator watches`);
  if (env.profiles.length > 0 && !env.profiles.some((p) => p.name === namespace)) {
    throw new Error(`--namespace "${namespace}" is not a profile of ${env.name}; accepted: ${env.profiles.map((p) => `"${p.name}"`).join(', ')} (the operator watches only those)`);
  }
  const placement = sparkGpuPlacement(pool, options.gpus ?? 1);
  return {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name: options.name ?? 'gpu-job', namespace },
    spec: {
      type: 'Python',
      mode: 'cluster',
      image: '<a Spark image with your GPU libraries, e.g. the RAPIDS accelerator>',
      mainApplicationFile: 'local:///opt/spark/work-dir/<your job>.py',
      sparkVersion: '<the image\'s Spark version>',
      sparkConf: placement.sparkConf,
      driver: { cores: 1, memory: '2g', serviceAccount: SPARK_DRIVER_SERVICE_ACCOUNT, labels: placement.driver.labels },
      executor: { instances: 1, cores: 4, memory: '8g', ...placement.executor },
    },
  };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
  const [envName, poolName] = positional;
  if (!envName || !poolName) {
    process.stderr.write(USAGE);
    return 1;
  }
  const gpusText = flag(argv, 'gpus');
  const gpus = gpusText === undefined ? undefined : Number(gpusText);
  if (gpus !== undefined && !Number.isInteger(gpus)) throw new Error(`--gpus "${gpusText}": accepted: a whole number of GPUs per executor`);
  let envs: ResolvedEnvironment[];
  try {
    envs = loadEnvironments();
  } catch (error) {
    if (error instanceof EnvironmentsError) throw new Error(error.message);
    throw error;
  }
  const env = envs.find((e) => e.name === envName);
  if (!env) throw new Error(`no environment "${envName}"; accepted: ${envs.map((e) => `"${e.name}"`).join(', ')}`);
  process.stdout.write(stringify(sparkGpuApplication(env, poolName, { gpus, namespace: flag(argv, 'namespace'), name: flag(argv, 'name') })));
  return 0;
}

if (require.main === module) runCommand(main);
