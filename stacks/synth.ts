import { App } from 'cdktf';
import { EnvironmentConfig, EnvironmentsError, ResolvedEnvironment, loadEnvironments } from '../environments';
import { addEnvironment } from './app';

/**
 * The cdktf app: validates every environment (all problems of all of them,
 * one per line, no stack trace, exit code 1), prints warnings, then adds each
 * environment's stacks and synthesizes. `main.ts` runs it on `environments/`.
 */
export function synthesize(configs?: readonly EnvironmentConfig[], outdir?: string): App | undefined {
  let environments: ResolvedEnvironment[];
  try {
    environments = loadEnvironments(configs);
  } catch (error) {
    if (!(error instanceof EnvironmentsError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
    return undefined;
  }
  for (const warning of environments.flatMap((env) => env.warnings)) console.warn(`warning: ${warning}`);
  const app = new App(outdir ? { outdir } : {});
  for (const env of environments) addEnvironment(app, env);
  app.synth();
  return app;
}
