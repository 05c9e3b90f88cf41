import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthesize } from '../stacks/synth';
import { dev } from './fixtures/environments';

/** The app as `cdktf synth` runs it: every problem of every environment, one per line, no stack trace, exit code 1. */
describe('synth with broken environments', () => {
  const run = spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, 'fixtures', 'synth-broken.ts'), mkdtempSync(join(tmpdir(), 'synth-'))], { encoding: 'utf8' });

  test('exits 1', () => {
    expect(run.status).toBe(1);
  });

  test('reports both environments, each problem on one line', () => {
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([
      'Environment "dev" is invalid (1 problem):',
      expect.stringMatching(/^ {2}- notebooks\.idleMinute: got 5; unknown setting: did you mean "idleMinutes"\?/),
      'Environment "prod" is invalid (2 problems):',
      expect.stringMatching(/^ {2}- location: got "westeurop"; did you mean "westeurope"\?/),
      expect.stringMatching(/^ {2}- tags\["Environment"\]: got "Environment"; this project sets the tag "environment"/),
    ]);
  });

  test('prints no stack trace and no error object', () => {
    expect(run.stderr).not.toMatch(/\n\s+at |ConfigError \{|EnvironmentsError/);
    expect(run.stdout).toBe('');
  });
});

describe('synth with valid environments', () => {
  test('writes every stack, removes the folder of a stack that no longer exists, and says so', () => {
    const out = mkdtempSync(join(tmpdir(), 'synth-'));
    mkdirSync(join(out, 'stacks', 'gone-cluster'), { recursive: true });
    writeFileSync(join(out, 'stacks', 'gone-cluster', 'cdk.tf.json'), '{}');
    const messages: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((m: string) => { messages.push(m); });
    const errors = jest.spyOn(console, 'error').mockImplementation((m: string) => { messages.push(`stderr: ${m}`); });
    try {
      synthesize([dev], out);
    } finally {
      spy.mockRestore();
      errors.mockRestore();
    }
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['dev-cluster', 'dev-platform']);
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringMatching(/removed .*stacks\/gone-cluster: the stack no longer exists$/),
      expect.stringMatching(/^synthesized 2 stacks into .*stacks: dev-cluster, dev-platform$/),
    ]));
    expect(messages.filter((m) => m.startsWith('stderr:'))).toEqual([]);
  });

  // `cdktf synth` prints every line of the app's stderr as "[ERROR] default - …": a successful synth writes none.
  test('the app command of cdktf.json succeeds with nothing on stderr', () => {
    const app = (JSON.parse(readFileSync(join(__dirname, '..', 'cdktf.json'), 'utf8')) as { app: string }).app;
    const out = mkdtempSync(join(tmpdir(), 'synth-'));
    const run = spawnSync('sh', ['-c', app], { cwd: join(__dirname, '..'), encoding: 'utf8', env: { ...process.env, CDKTF_OUTDIR: out } });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^synthesized 6 stacks into /m);
  }, 120_000);
});
