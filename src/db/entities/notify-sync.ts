/**
 * The bodies of the triggers that tell other instances of a change, by a
 * NOTIFY sent when the transaction commits: each revocation itself, with its
 * sequence (so a listener learns it, and passes it to the feed, without a query), and that the signing keys changed.
 */
export const NOTIFY_REVOKED =
  "perform pg_notify('keyway_sync', 'revoked ' || new.session_id || ' ' || (extract(epoch from new.revoked_at) * 1000)::bigint || ' ' || new.sequence); return null;";
export const NOTIFY_KEYS = "perform pg_notify('keyway_sync', 'keys'); return null;";
