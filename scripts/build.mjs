// Compiles the app to one JavaScript file (type-stripping only, no type check:
// `npm run typecheck` does that). Node then runs it without a TypeScript loader,
// which is most of the synth time saved against ts-node.
import { build } from 'esbuild';

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
