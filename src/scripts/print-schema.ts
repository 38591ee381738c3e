import { writeFileSync } from 'node:fs';
import { printGraphQLSchema } from '../doors/graphql/schema.js';

/** `npm run schema`: rewrites schema.graphql from the code. */
writeFileSync('schema.graphql', await printGraphQLSchema());
process.stdout.write('schema.graphql written\n');
