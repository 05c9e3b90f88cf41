// Compiles the app to one JavaScript file (type-stripping only, no type check:
// `npm run typecheck` does that). Node then runs it without a TypeScript loader,
// which is most of the synth time saved against ts-node.
import { build } from 'esbuild';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write('usage: node scripts/build.mjs\n\nBundles main.ts and our TypeScript into dist/main.js (esbuild, no type check),\nwhich `npm run synth` and `cdktf synth` then run with node.\n');
  process.exit(0);
}

await build({
  entryPoints: ['main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // Dependencies stay in node_modules: only our own TypeScript is bundled.
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
