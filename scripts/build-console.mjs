// The console (console/src, React and @trpc/client) bundled by esbuild into dist/console, beside its page and styles.
// Type-checked before, by `tsc -p console/tsconfig.json` in `npm run build`: a router change that breaks it fails the build.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

mkdirSync('dist/console/assets', { recursive: true });
await build({
  entryPoints: ['console/src/main.tsx'],
  outfile: 'dist/console/assets/console.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
copyFileSync('console/index.html', 'dist/console/index.html');
copyFileSync('console/src/console.css', 'dist/console/assets/console.css');
