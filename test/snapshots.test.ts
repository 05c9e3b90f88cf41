import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdktf';
import { loadEnvironments } from '../environments';
import { dev, prod, staging } from './fixtures/environments';
import { addEnvironment } from '../stacks/app';

/**
 * One snapshot per stack of the fixture environments (test/fixtures): a change
 * here is a change to what the constructs synthesize, not to a fork's
 * environment files. Read the diff before running `npx jest -u`, and explain
 * it in the commit.
 */
const app = Testing.app();
const environments = loadEnvironments([dev, staging, prod]);
for (const env of environments) addEnvironment(app, env);
app.synth();

function stackJson(name: string): unknown {
  return JSON.parse(readFileSync(join(app.outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
}

describe.each(environments.map((env) => [env.name] as const))('%s', (name) => {
  test(`${name}-cluster`, () => {
    expect(stackJson(`${name}-cluster`)).toMatchSnapshot();
  });

  test(`${name}-platform`, () => {
    expect(stackJson(`${name}-platform`)).toMatchSnapshot();
  });
});
