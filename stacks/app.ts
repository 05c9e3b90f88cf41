import { App } from 'cdktf';
import { ResolvedEnvironment } from '../environments';
import { ClusterStack } from './cluster-stack';
import { PlatformStack } from './platform-stack';

export interface EnvironmentStacks {
  readonly cluster: ClusterStack;
  readonly platform: PlatformStack;
}

/** Adds the stacks of one environment: `<env>-cluster`, then `<env>-platform` on top of it. */
export function addEnvironment(app: App, env: ResolvedEnvironment): EnvironmentStacks {
  const cluster = new ClusterStack(app, `${env.name}-cluster`, { env });
  const platform = new PlatformStack(app, `${env.name}-platform`, { env, cluster });
  platform.addDependency(cluster);
  return { cluster, platform };
}
