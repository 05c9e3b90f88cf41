import { Testing } from 'cdktf';
import { loadEnvironments } from '../environments';
import { addEnvironment } from '../stacks/app';

/**
 * One snapshot per stack. A change here is a change to what gets deployed:
 * read the diff before running `npx jest -u`, and explain it in the commit.
 */
describe.each(loadEnvironments().map((env) => [env.name, env] as const))('%s', (_name, env) => {
  const app = Testing.app();
  const stacks = addEnvironment(app, env);

  test(`${env.name}-cluster`, () => {
    expect(JSON.parse(Testing.synth(stacks.cluster))).toMatchSnapshot();
  });
});
