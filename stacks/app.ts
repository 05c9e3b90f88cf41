import { App } from 'cdktf';
import { ResolvedEnvironment } from '../environments';
import { ClusterStack } from './cluster-stack';

export interface EnvironmentStacks {
  readonly cluster: ClusterStack;
}

/** Adds the stacks of one environment: `<env>-cluster`. */
export function addEnvironment(app: App, env: ResolvedEnvironment): EnvironmentStacks {
  const cluster = new ClusterStack(app, `${env.name}-cluster`, { env });
  return { cluster };
}
