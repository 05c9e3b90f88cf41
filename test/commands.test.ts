import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { cdktfArgs } from '../scripts/cdktf-run';

/** The commands the README and docs give work as written. */
const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('documented commands', () => {
  test('npm scripts that call cdktf skip its version-check call', () => {
    for (const [name, script] of Object.entries(pkg.scripts)) {
      if (/\bcdktf (diff|deploy|synth|destroy)\b/.test(script)) expect({ name, script }).toEqual({ name, script: expect.stringMatching(/^CHECKPOINT_DISABLE=1 /) });
    }
  });

  test('the platform deploy can run alone: the flag it passes is one cdktf deploy accepts', () => {
    expect(pkg.scripts.deploy).toBe('tsx scripts/cdktf-run.ts deploy');
    expect(cdktfArgs('deploy', 'dev-platform', [])).toContain('--ignore-missing-stack-dependencies');
    const help = spawnSync(join(ROOT, 'node_modules', '.bin', 'cdktf'), ['deploy', '--help'], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' }, timeout: 60_000 });
    expect(help.stdout).toContain('--ignore-missing-stack-dependencies');
    // diff plans one stack and checks no dependencies (it has no such flag).
    expect(pkg.scripts.plan).toBe('tsx scripts/cdktf-run.ts plan');
    expect(cdktfArgs('plan', 'dev-platform', [])).toEqual(['diff', 'dev-platform']);
  });

  test('the README deploys stacks through those scripts, the cluster before its platform', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/npx cdktf (deploy|diff) \w+-platform/);
    expect(readme.indexOf('npm run deploy -- dev-cluster')).toBeGreaterThan(0);
    expect(readme.indexOf('npm run deploy -- dev-platform')).toBeGreaterThan(readme.indexOf('npm run deploy -- dev-cluster'));
    expect(readme.indexOf('npm run upstream -- prepare')).toBeLessThan(readme.indexOf('npm run deploy -- dev-platform'));
  });

  test('every npm script the README and docs name exists', () => {
    const texts = ['README.md', 'docs/verification.md', 'docs/delivery.md', 'docs/upgrades.md'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const named = [...new Set([...texts.matchAll(/npm run (?:--silent )?([a-z][a-z0-9:-]*)/g)].map((m) => m[1]))];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !(n in pkg.scripts))).toEqual([]);
  });

  test('every script answers --help', () => {
    for (const script of ['upstream', 'versions:check', 'environments', 'rotate-secret', 'aks:refresh', 'plan', 'deploy']) {
      const run = spawnSync('npm', ['run', '--silent', script, '--', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect({ script, status: run.status, usage: /^Usage:/m.test(run.stdout) }).toEqual({ script, status: 0, usage: true });
    }
  });
});
