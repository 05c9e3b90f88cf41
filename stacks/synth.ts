import { relative } from 'path';
import { App, TerraformStack } from 'cdktf';
import { removeStaleStacks } from './stale-stacks';
import { EnvironmentConfig, EnvironmentsError, ResolvedEnvironment, loadEnvironments } from '../environments';
import { addEnvironment } from './app';

/**
 * The cdktf app: validates every environment (all problems of all of them,
 * one per line, no stack trace, exit code 1), prints warnings, then adds each
 * environment's stacks, synthesizes, removes the folders of stacks that no
 * longer exist and says what it wrote where. `main.ts` runs it on `environments/`.
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
  // Warnings and the summary go to stdout: `cdktf synth` prints the app's stderr as "[ERROR]".
  for (const warning of environments.flatMap((env) => env.warnings)) console.log(`warning: ${warning}`);
  const app = new App(outdir ? { outdir } : {});
  for (const env of environments) addEnvironment(app, env);
  app.synth();
  const stacks = app.node.children.filter((c) => TerraformStack.isStack(c)).map((s) => s.node.id);
  const where = relative(process.cwd(), app.outdir) || app.outdir;
  // cdktf never deletes the folder of a stack that no longer exists: a stale one would be previewed, planned or deployed.
  for (const name of removeStaleStacks(app.outdir, stacks)) console.log(`removed ${where}/stacks/${name}: the stack no longer exists`);
  console.log(`synthesized ${stacks.length} stacks into ${where}/stacks: ${stacks.join(', ')}`);
  return app;
}
