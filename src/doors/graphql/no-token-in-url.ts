import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';

/**
 * Apollo runs queries sent by GET, whose document and variables sit in the
 * URL: in proxy logs, browser history and Referer headers. `Query.verifyToken`
 * takes a token as an argument, so over GET it is refused (as Apollo refuses a
 * mutation over GET), pointing to POST or the Authorization header. Its
 * bearer-only form carries the token in a header and stays allowed.
 */
export const refuseTokensInUrls: ApolloServerPlugin = {
  async requestDidStart({ request }) {
    if (request.http?.method !== 'GET') return;
    return {
      async didResolveOperation({ document }) {
        if (!passesToken(document)) return;
        throw new GraphQLError('A token travels in a POST body or the Authorization header, never in a URL', {
          extensions: { code: 'BAD_REQUEST', http: { status: 405, headers: new HeaderMap([['allow', 'POST']]) } },
        });
      },
    };
  },
};

/** Whether any `verifyToken` field of the document, however aliased or fragmented, is given `token`. */
function passesToken(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value !== 'verifyToken' || !node.arguments?.some((argument) => argument.name.value === 'token')) return;
      found = true;
      return BREAK;
    },
  });
  return found;
}
