import 'reflect-metadata';
import { specifiedDirectives, type GraphQLSchema } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema } from 'type-graphql';
import { withAuthDirective } from './auth.directive.js';
import { AuthResolver } from './auth.resolver.js';

/** The executable schema: type-graphql's classes, then `@auth` declared and enforced. */
export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [AuthResolver],
    directives: [...specifiedDirectives],
    validate: false,
  });
  return withAuthDirective(schema);
}

/** The SDL committed as `schema.graphql`, directives included. */
export async function printGraphQLSchema(): Promise<string> {
  return `${printSchemaWithDirectives(await buildGraphQLSchema())}\n`;
}
