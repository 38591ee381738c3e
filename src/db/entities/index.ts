import { AuditEvent } from './audit-event.entity.js';
import { Client } from './client.entity.js';
import { LoginAttempt } from './login-attempt.entity.js';
import { MfaChallenge, RecoveryCode } from './mfa.entity.js';
import { Product } from './product.entity.js';
import { Role } from './role.entity.js';
import { ServerSecret } from './server-secret.entity.js';
import { SessionRevocation } from './session-revocation.entity.js';
import { Session } from './session.entity.js';
import { SigningKey } from './signing-key.entity.js';
import { User } from './user.entity.js';

export { AuditEvent, Client, LoginAttempt, MfaChallenge, Product, RecoveryCode, Role, ServerSecret, Session, SessionRevocation, SigningKey, User };

export const ENTITIES = [Role, User, Session, SessionRevocation, SigningKey, ServerSecret, Product, LoginAttempt, RecoveryCode, MfaChallenge, AuditEvent, Client];
