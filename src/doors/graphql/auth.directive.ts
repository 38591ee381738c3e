import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  DirectiveLocation,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLList,
  GraphQLBoolean,
  GraphQLNonNull,
  GraphQLSchema,
  GraphQLString,
  type GraphQLResolveInfo,
} from 'graphql';
import { authorize, requirePrincipal, type Requirement } from '../../core/authorization.js';
import type { RequestContext } from '../request-context.js';

/**
 * `@auth` guards a field (or every field of a type): any signed-in caller;
 * with `roles`, a caller of one of them; with `permissions`, a caller holding
 * all of them; with `mfa: true`, a session that passed a second factor
 * (step-up); with `clients: true`, any machine client as well. Declared in the SDL, enforced here by wrapping resolvers, so a
 * resolver never checks who calls it.
 */
export function withAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  const permission = schema.getType('Permission');
  if (!(permission instanceof GraphQLEnumType)) throw new Error('the schema has no Permission enum');
  const auth = new GraphQLDirective({
    name: 'auth',
    description:
      'Requires a signed-in caller; with `roles`, one whose role is listed; with `permissions`, one holding every permission listed; with `mfa: true`, one whose session was signed in with a second factor (`amr` holds `otp`); with `clients: true`, any machine client whatever its role (`roles` then speaks of users).',
    locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT],
    args: {
      roles: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
      permissions: { type: new GraphQLList(new GraphQLNonNull(permission)) },
      mfa: { type: GraphQLBoolean },
      clients: { type: GraphQLBoolean },
    },
  });
  const declared = new GraphQLSchema({ ...schema.toConfig(), directives: [...schema.getDirectives(), auth] });
  return enforceAuth(declared);
}

function enforceAuth(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName) => {
      const requirement = (getDirective(schema, field, 'auth')?.[0] ??
        getDirective(schema, schema.getType(typeName)!, 'auth')?.[0]) as Requirement | undefined;
      if (!requirement) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      const { subscribe } = field;
      return {
        ...field,
        resolve(source, args, context: RequestContext, info) {
          authorize(requirePrincipal(context.principal), requirement);
          return resolve(source, args, context, info);
        },
        // A subscription is guarded where it starts, before any event is read.
        ...(subscribe && {
          subscribe(source: unknown, args: Record<string, unknown>, context: RequestContext, info: GraphQLResolveInfo) {
            authorize(requirePrincipal(context.principal), requirement);
            return subscribe(source, args, context, info);
          },
        }),
      };
    },
  });
}
