/** B2Market's permission map: one permission per HTTP method. */
export const PERMISSIONS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

export type Permission = (typeof PERMISSIONS)[number];

export type PermissionMap = Record<Permission, boolean>;

export function toPermissionMap(granted: readonly string[]): PermissionMap {
  return {
    GET: granted.includes('GET'),
    POST: granted.includes('POST'),
    PUT: granted.includes('PUT'),
    DELETE: granted.includes('DELETE'),
  };
}

/** The roles created on the first start: those of the two replaced APIs. Later starts leave roles alone. */
export const DEFAULT_ROLES: ReadonlyArray<{ name: string; permissions: Permission[] }> = [
  { name: 'admin', permissions: ['GET', 'POST', 'PUT', 'DELETE'] },
  { name: 'developer', permissions: ['GET', 'POST', 'PUT', 'DELETE'] },
  { name: 'vendedor', permissions: ['GET', 'PUT'] },
  { name: 'viewer', permissions: ['GET'] },
];

export const ADMIN_ROLE = 'admin';
