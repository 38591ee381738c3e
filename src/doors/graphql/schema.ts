import 'reflect-metadata';
import { specifiedDirectives, type GraphQLSchema } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema, getMetadataStorage, type PubSub } from 'type-graphql';
import { withAuthDirective } from './auth.directive.js';
import { AdminResolver } from './admin.resolver.js';
import { AuditResolver } from './audit.resolver.js';
import { AuthResolver } from './auth.resolver.js';
import { ClientsResolver } from './clients.resolver.js';
import { KeysResolver } from './keys.resolver.js';
import { ProductsResolver } from './products.resolver.js';
import { RevocationsResolver } from './revocations.resolver.js';
import { SessionsResolver } from './sessions.resolver.js';

/** The executable schema: type-graphql's classes, then `@auth` declared and enforced. */
export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  // Parameter decorators run last-first, so type-graphql would list `updateUser(input, id)`;
  // a stable sort by position gives every field its arguments in the order they are written.
  getMetadataStorage().params.sort((a, b) => a.index - b.index);
  const schema = await buildSchema({
    resolvers: [AuthResolver, AdminResolver, ClientsResolver, SessionsResolver, AuditResolver, KeysResolver, ProductsResolver, RevocationsResolver],
    directives: [...specifiedDirectives],
    // Required by type-graphql for any subscription, though Keyway's one subscribes to the core's feed itself.
    pubSub: NO_TOPICS,
    validate: false,
  });
  return withAuthDirective(schema);
}

const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('Keyway publishes no GraphQL topics');
  },
  subscribe() {
    throw new Error('Keyway publishes no GraphQL topics');
  },
};

/** A schema's SDL, directives included: `schema.graphql`'s text for Keyway's own. */
export function schemaText(schema: GraphQLSchema): string {
  return `${printSchemaWithDirectives(schema)}\n`;
}

/** The SDL committed as `schema.graphql`. */
export async function printGraphQLSchema(): Promise<string> {
  return schemaText(await buildGraphQLSchema());
}
