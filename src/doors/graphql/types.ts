import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PERMISSIONS, type Permission as PermissionName } from '../../core/permissions.js';

/**
 * GraphQL's shapes. Resolvers answer the core's records as they are: only the
 * fields declared here are sent, so a field added to a record reaches no
 * client until it is declared. IDs are the records' numbers, sent as GraphQL
 * IDs (strings).
 */

export const Permission = Object.fromEntries(PERMISSIONS.map((name) => [name, name])) as {
  [K in PermissionName]: K;
};
registerEnumType(Permission, { name: 'Permission', description: 'A permission of the B2Market map: one per HTTP method.' });

export const TokenFailureCode = {
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  TOKEN_INVALID: 'TOKEN_INVALID',
  SESSION_REVOKED: 'SESSION_REVOKED',
} as const;
registerEnumType(TokenFailureCode, { name: 'TokenFailureCode', description: 'Why a token is not valid.' });

@ObjectType({ description: 'A role: a name and the permissions it grants.' })
export class Role {
  @Field()
  name!: string;

  @Field(() => [Permission])
  permissions!: PermissionName[];
}

@ObjectType()
export class User {
  @Field(() => ID)
  id!: number;

  @Field()
  username!: string;

  @Field(() => Role)
  role!: Role;

  @Field()
  disabled!: boolean;

  @Field()
  createdAt!: Date;
}

@ObjectType({ description: 'A live session: one sign-in, kept by its refresh token.' })
export class Session {
  @Field(() => ID)
  id!: string;

  @Field()
  createdAt!: Date;

  @Field({ description: 'When it was last refreshed (when it was opened, if never).' })
  lastUsedAt!: Date;

  @Field()
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: 'The address it signed in from.' })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field({ description: "Whether it is the session of the caller's token." })
  current!: boolean;
}

@ObjectType({ description: 'A revoked session (or machine client credential): its tokens are refused from then on.' })
export class Revocation {
  @Field(() => ID, { description: 'The `sid` its access tokens carry.' })
  sessionId!: string;

  @Field()
  revokedAt!: Date;

  @Field(() => ID, { description: "Its place in the feed: the `after` that resumes a subscription past it." })
  sequence!: string;
}

@ObjectType()
export class AuthPayload {
  @Field({ description: 'The access token (JWT), sent back as `Authorization: Bearer <token>`.' })
  token!: string;

  @Field({ description: 'Opaque; exchanges for a new pair once.' })
  refreshToken!: string;

  @Field({ description: 'When the access token expires.' })
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}

@ObjectType({ description: "B2Market's permission map, as carried in the token's `roles` claim." })
export class PermissionMap {
  @Field()
  GET!: boolean;

  @Field()
  POST!: boolean;

  @Field()
  PUT!: boolean;

  @Field()
  DELETE!: boolean;
}

@ObjectType({ description: "Every claim of Keyway's access token." })
export class TokenPayload {
  @Field({ description: 'The user id, as a string; `client:<id>` for a machine client.' })
  sub!: string;

  @Field(() => Int, { nullable: true, description: "The user's id; null for a machine client." })
  id!: number | null;

  @Field(() => String, { nullable: true, description: 'Null for a machine client.' })
  username!: string | null;

  @Field(() => String, { nullable: true, description: "A machine client's `client_id`; null for a user." })
  clientId!: string | null;

  @Field(() => String, { nullable: true, description: "The permissions a machine client's token was granted, space-separated; null for a user." })
  scope!: string | null;

  @Field({ description: 'The role name.' })
  role!: string;

  @Field(() => PermissionMap)
  roles!: PermissionMap;

  @Field(() => Int)
  iat!: number;

  @Field(() => Int)
  exp!: number;

  @Field()
  iss!: string;

  @Field(() => String, { nullable: true })
  aud?: string;

  @Field()
  jti!: string;

  @Field({ description: "The session the token belongs to (a machine client's credential)." })
  sid!: string;

  @Field(() => [String], { description: 'How the session was signed in (RFC 8176): `["pwd"]`, or `["pwd", "otp"]` after a second factor; empty for a machine client.' })
  amr!: string[];
}

@ObjectType({ description: 'A TOTP secret waiting for its first code (`confirmTotpEnrollment`).' })
export class TotpEnrollment {
  @Field({ description: 'The secret in base32, for typing into an authenticator app.' })
  secret!: string;

  @Field({ description: 'The `otpauth://totp/…` URI, for a QR code.' })
  otpauthUri!: string;
}

@ObjectType()
export class TokenVerification {
  @Field()
  valid!: boolean;

  @Field(() => TokenFailureCode, { nullable: true, description: 'Why the token is not valid; null when it is.' })
  code?: keyof typeof TokenFailureCode | null;

  @Field(() => TokenPayload, { nullable: true })
  payload?: TokenPayload | null;
}

@ObjectType({ description: 'A product of the StockAPI inventory.' })
export class Product {
  @Field(() => ID)
  id!: number;

  @Field()
  sku!: string;

  @Field()
  name!: string;

  @Field()
  description!: string;

  @Field({ description: 'A decimal string with two places, such as "19.90".' })
  price!: string;

  @Field(() => Int)
  stock!: number;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@InputType()
export class CreateUserInput {
  @Field()
  username!: string;

  @Field({ description: 'At least 8 characters, at most 1024 bytes.' })
  password!: string;

  @Field({ description: 'A role name.' })
  role!: string;
}

@InputType({ description: 'The fields to change; the others stay.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true })
  role?: string | null;

  @Field(() => Boolean, { nullable: true })
  disabled?: boolean | null;

  @Field(() => String, { nullable: true })
  password?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true turns the second factor off (the user enrols again) and revokes their sessions.' })
  resetMfa?: boolean | null;
}

@InputType()
export class CreateProductInput {
  @Field()
  sku!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field({ description: 'A decimal string with at most two places, such as "19.9".' })
  price!: string;

  @Field(() => Int)
  stock!: number;
}

@InputType({ description: 'The fields to change; the others stay.' })
export class UpdateProductInput {
  @Field(() => String, { nullable: true })
  sku?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  price?: string | null;

  @Field(() => Int, { nullable: true })
  stock?: number | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 50, description: '1 to 100.' })
  limit!: number;

  @Field(() => Int, { defaultValue: 0 })
  offset!: number;
}

@ArgsType()
export class UserListArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only usernames containing it, case aside.' })
  search?: string | null;
}

@ObjectType({ description: 'A security event of the audit trail.' })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field()
  at!: Date;

  @Field({ description: 'LOGIN_SUCCEEDED, LOGIN_FAILED, USER_CREATED, … (the list is in the README).' })
  type!: string;

  @Field(() => String, { nullable: true, description: 'Who did it, when known: a username.' })
  actor!: string | null;

  @Field(() => ID, { nullable: true, description: 'Whom it concerns.' })
  userId!: number | null;

  @Field(() => String, { nullable: true })
  username!: string | null;

  @Field(() => String, { nullable: true })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field({ description: 'rest, graphql, trpc, cli or oauth.' })
  door!: string;

  @Field(() => GraphQLJSONObject, { description: 'What else is known of it; never a secret.' })
  details!: Record<string, unknown>;
}

@ObjectType()
export class AuditPage {
  @Field(() => [AuditEvent], { description: 'Newest first.' })
  events!: AuditEvent[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last.' })
  nextCursor!: string | null;
}

@InputType()
export class AuditFilter {
  @Field(() => [String], { nullable: true })
  types?: string[] | null;

  @Field(() => ID, { nullable: true })
  userId?: string | null;

  @Field(() => Date, { nullable: true, description: 'From this instant on (inclusive).' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Before this instant (exclusive).' })
  until?: Date | null;
}

@ObjectType({ description: 'A machine client (a service account): its role gives its permissions.' })
export class Client {
  @Field(() => ID)
  id!: number;

  @Field({ description: 'What it authenticates with at /oauth/token, beside its secret.' })
  clientId!: string;

  @Field()
  name!: string;

  @Field(() => Role)
  role!: Role;

  @Field()
  disabled!: boolean;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it last obtained a token.' })
  lastUsedAt!: Date | null;
}

@ObjectType()
export class ClientWithSecret {
  @Field(() => Client)
  client!: Client;

  @Field({ description: 'Shown this once: only its hash is kept.' })
  secret!: string;
}

@InputType()
export class CreateClientInput {
  @Field()
  name!: string;

  @Field({ description: 'A role name.' })
  role!: string;
}

@InputType()
export class UpdateClientInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "A role name; revokes the client's tokens." })
  role?: string | null;

  @Field(() => Boolean, { nullable: true, description: "true revokes the client's tokens and refuses it new ones." })
  disabled?: boolean | null;
}

export const KeyState = { pending: 'pending', active: 'active', retired: 'retired' } as const;
registerEnumType(KeyState, { name: 'KeyState', description: 'pending: published, not signing yet; active: signing; retired: verifying its tokens until they expire.' });

@ObjectType({ description: 'A key that signs or verifies access tokens.' })
export class SigningKey {
  @Field(() => ID)
  kid!: string;

  @Field()
  algorithm!: string;

  @Field(() => KeyState)
  state!: keyof typeof KeyState;

  @Field(() => Date, { nullable: true })
  createdAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it starts signing.' })
  activatesAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a newer key took over.' })
  retiredAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it leaves the JWKS (null: not before a newer key takes over).' })
  publishedUntil!: Date | null;
}
