import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * Apollo answers one result per request, so a subscription sent to /graphql
 * would fail inside it (an internal error); it is refused before, pointing
 * to the door that streams.
 */
export const subscriptionsAtTheStream: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation !== 'subscription') return;
        throw new GraphQLError('Subscriptions are served over Server-Sent Events at /graphql/stream', {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      },
    };
  },
};
