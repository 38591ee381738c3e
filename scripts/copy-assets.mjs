// tsc compiles TypeScript only: the playground's browser script is copied beside its module in dist/.
import { cpSync } from 'node:fs';

cpSync('src/doors/graphql/playground', 'dist/src/doors/graphql/playground', { recursive: true });
