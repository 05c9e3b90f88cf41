/**
 * The layering rules of the source tree (docs/architecture.md, "Source layout"),
 * checked on every import and `require` of every TypeScript file:
 * - deployable code (main.ts, stacks/, constructs/, environments/, catalog/) never imports tooling (scripts/) or tests;
 * - tooling (scripts/) never imports tests;
 * - the shared library (constructs/lib/) imports no feature folder;
 * - catalogs (catalog/) are data: they import only each other;
 * - environments/ reads only catalogs and the features' settings (schema slices), never constructs or stacks;
 * - a feature's settings slice imports no cdktf or provider code.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';

const ROOT = resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Every module a file imports: repository paths for relative specifiers, package names otherwise. */
export function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return specifiers.map((s) => (s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), s)) : s));
}

const DEPLOYABLE = /^(main\.ts$|stacks\/|constructs\/|environments\/|catalog\/)/;
const FEATURE = /^constructs\/(?!lib\/)[^/]+\//;

/** The rule each import breaks, if any. */
export function layeringProblems(file: string, imports: readonly string[]): string[] {
  const problems: string[] = [];
  for (const target of imports) {
    const says = (rule: string): void => { problems.push(`${file} imports ${target}: ${rule}`); };
    if (DEPLOYABLE.test(file) && /^(scripts|test)(\/|$)/.test(target)) says('deployable code never imports tooling or tests (move the shared part into constructs/lib/ or catalog/)');
    if (file.startsWith('scripts/') && /^test(\/|$)/.test(target)) says('tooling never imports tests (shared machinery lives in scripts/)');
    if (file.startsWith('constructs/lib/') && FEATURE.test(`${target}/`) && !target.startsWith('constructs/lib')) says('the shared library imports no feature (take a structural type instead)');
    if (file.startsWith('catalog/') && !target.startsWith('catalog/') && /^(constructs|stacks|environments|scripts|test)(\/|$)/.test(target)) says('catalogs are data and import only catalogs');
    if (file.startsWith('environments/') && /^(constructs|stacks)(\/|$)/.test(target) && !/^constructs\/[^/]+\/settings$/.test(target)) says('environments read only catalogs and the features\' settings slices');
    if (/^constructs\/[^/]+\/settings\.ts$/.test(file) && /^(cdktf|@cdktf\/|constructs$)/.test(target)) says('a settings slice is plain data validation: no cdktf or provider code');
  }
  return problems;
}

describe('the import graph keeps its layers', () => {
  const files = ['main.ts', ...['stacks', 'constructs', 'environments', 'catalog', 'scripts', 'test'].flatMap(sourceFiles)];

  test('every file keeps the layering rules', () => {
    expect(files.length).toBeGreaterThan(100);
    const problems = files.flatMap((f) => layeringProblems(f, importsOf(f, readFileSync(join(ROOT, f), 'utf8'))));
    expect(problems).toEqual([]);
  });

  test('each rule catches its breach', () => {
    expect(layeringProblems('constructs/observability/pool-prices.ts', ['scripts/preview/prices'])).toEqual([expect.stringContaining('deployable code never imports tooling')]);
    expect(layeringProblems('stacks/synth.ts', ['test/helpers'])).toHaveLength(1);
    expect(layeringProblems('constructs/lib/kubeflow-app.ts', ['constructs/istio/istio'])).toEqual([expect.stringContaining('the shared library imports no feature')]);
    expect(layeringProblems('catalog/prices.ts', ['constructs/lib/naming'])).toHaveLength(1);
    expect(layeringProblems('environments/validate.ts', ['constructs/mysql/mysql-server'])).toHaveLength(1);
    expect(layeringProblems('environments/validate.ts', ['constructs/mysql/settings'])).toEqual([]);
    expect(layeringProblems('constructs/mysql/settings.ts', ['cdktf'])).toHaveLength(1);
    expect(layeringProblems('scripts/preview.ts', ['test/helpers'])).toEqual([expect.stringContaining('tooling never imports tests')]);
    expect(layeringProblems('test/render/checks.ts', ['scripts/render/render'])).toEqual([]);
  });

  test('imports are read from the source text, relative ones as repository paths', () => {
    expect(importsOf('constructs/katib/feature.ts', "import type { X } from '../lib/feature';\nimport { Y } from 'cdktf';\nconst z = require('../../scripts/a');")).toEqual(['constructs/lib/feature', 'cdktf', 'scripts/a']);
  });
});
