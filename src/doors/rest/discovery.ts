import type { SigningAlgorithm } from '../../core/keys.js';
import { tokenPayload } from './openapi.js';

/**
 * What Keyway says about itself to services that verify its tokens. Each
 * member is true of Keyway as it is: an issuer of signed access tokens with
 * a JWKS, whose one OAuth flow is the client-credentials grant of machine
 * clients at its token endpoint (users' logins are its own API, on each door).
 * Endpoints are added here, once, and both documents name them.
 */
export interface DiscoveryOptions {
  /** The tokens' `iss`, fixed per database. */
  issuer: string;
  /** Where Keyway is reached, for the documents' URLs. */
  publicUrl: string;
  algorithm: SigningAlgorithm;
}

export function authorizationServerMetadata({ issuer, publicUrl }: DiscoveryOptions) {
  return {
    issuer,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    token_endpoint: `${publicUrl}/oauth/token`,
    // Stated, though empty: left out, it would mean the authorization code and implicit flows, through
    // an authorization endpoint Keyway does not have. RFC 8414 requires it.
    response_types_supported: [] as string[],
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint: `${publicUrl}/oauth/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // Keyway's own member: revoked sessions as Server-Sent Events of Security Event Tokens (SPEC §14).
    revocation_feed_endpoint: `${publicUrl}/events/revocations`,
  };
}

/**
 * The OpenID-style document that gateways read for the issuer, the JWKS and
 * the signing algorithm. Keyway issues no ID tokens and has no authorization
 * endpoint, so it cannot be a valid OpenID Provider configuration without
 * claiming both: it is the metadata above plus what OpenID Connect's members
 * truly say of Keyway's access tokens (a `sub` the same for every service,
 * the algorithm they are signed with, their claims).
 */
export function openidConfiguration(options: DiscoveryOptions) {
  return {
    ...authorizationServerMetadata(options),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [options.algorithm],
    // A user's claims and a machine client's, each named once.
    claims_supported: [...new Set(tokenPayload.options.flatMap((payload) => Object.keys(payload.shape)))],
  };
}
