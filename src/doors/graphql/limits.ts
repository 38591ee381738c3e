import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * What one GraphQL request may ask. Keyway's deepest legitimate selection is
 * four levels (`login { user { role { permissions } } }`), so the bounds are
 * generous for clients and tight for anyone building a query to exhaust the
 * server.
 */
export const LIMITS = { depth: 8, aliases: 15, cost: 1000, directives: 20, tokens: 2000 } as const;

/** The fields that check a password: one per request, however aliased or fragmented. */
const CREDENTIAL_FIELDS = new Set(['login', 'changePassword', 'completeLogin', 'confirmTotpEnrollment', 'disableTotp', 'regenerateRecoveryCodes']);

/**
 * A request may check one password. Without this, a single request with a
 * hundred aliased `login` fields would try a hundred passwords (the throttle
 * counts them, but it would have to count them all first).
 */
const oneCredentialCheckPerRequest: ValidationRule = (context: ValidationContext) => {
  let seen = 0;
  return {
    Field(node) {
      if (!CREDENTIAL_FIELDS.has(node.name.value)) return;
      const parent = context.getParentType();
      if (parent?.name !== 'Mutation') return;
      if (++seen === 2) {
        context.reportError(new GraphQLError('Only one password or second-factor check per request', { nodes: [node] }));
      }
    },
  };
};

// Rejections are reported as validation errors (400, GRAPHQL_VALIDATION_FAILED), not thrown.
const reported = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

export const validationRules: ValidationRule[] = [
  maxDepthRule({ n: LIMITS.depth, ...reported }),
  maxAliasesRule({ n: LIMITS.aliases, ...reported }),
  costLimitRule({ maxCost: LIMITS.cost, ...reported }),
  maxDirectivesRule({ n: LIMITS.directives, ...reported }),
  oneCredentialCheckPerRequest,
];
