import { mkdirSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { stringify } from 'yaml';
import { loadEnvironments } from '../../environments';
import { runCommand } from '../../scripts/run-command';
import { pipelineParameters, workflowObjects, workflowPlan } from './workflow';

/**
 * `npm run examples:params [-- --out DIR]`: for every environment, the
 * parameters the pipeline compiler reads (`<env>/params.json`) and the objects
 * the workflow creates (`<env>/objects.yaml`), derived from the environment.
 */
export const DEFAULT_OUT = resolve(__dirname, '..', '..', '.cache', 'ml-workflow');

export function main(argv: string[]): number {
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? resolve(argv[outIndex + 1] ?? '') : DEFAULT_OUT;
  for (const env of loadEnvironments()) {
    const plan = workflowPlan(env);
    const dir = join(out, env.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'params.json'), `${JSON.stringify(pipelineParameters(plan), null, 2)}\n`);
    writeFileSync(join(dir, 'objects.yaml'), workflowObjects(plan).map((o) => stringify(o)).join('---\n'));
    const where = plan.training.kind === 'gpu' ? `GPU pool ${plan.training.pool}` : 'CPU (no GPU pool the profile may use)';
    console.log(`${env.name}: namespace ${plan.namespace}, training on ${where} with runtime ${plan.training.runtime} → ${dir}`);
  }
  return 0;
}

if (require.main === module) runCommand(main);
