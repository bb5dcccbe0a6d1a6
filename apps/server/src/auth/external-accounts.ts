/**
 * Accounts whose identity lives elsewhere (the directory, an OpenID provider): provisioned at the first
 * login, and at every login their display name, org unit and roles follow what the source says. A
 * source never takes over an account of another source (a local break-glass administrator stays local).
 */
import type { PoolClient } from 'pg';
import type { AuditService } from '../audit/audit.service.js';

/** A password hash no password verifies against (argon2 refuses to parse it). */
export const NO_LOCAL_PASSWORD = '!directory';

export interface ExternalIdentity {
  source: 'ldap' | 'oidc';
  username: string;
  /** The source's stable id: entryUUID / objectGUID / DN, or the OpenID subject. */
  externalId: string;
  dn: string | null;
  displayName: string | null;
  orgCode: string | null;
}

export type ProvisionOutcome =
  | { outcome: 'ok'; userId: string; created: boolean; roles: string[] }
  | { outcome: 'no_role' }
  | { outcome: 'disabled'; userId: string }
  /** The name belongs to an account of another source. */
  | { outcome: 'conflict' };

export async function provisionExternal(c: PoolClient, audit: AuditService, who: ExternalIdentity, wanted: string[]): Promise<ProvisionOutcome> {
  // Only roles that exist here (a mapping may name a role not created yet).
  const { rows: known } = await c.query<{ key: string }>('SELECT key FROM crm.roles WHERE key = ANY($1)', [wanted]);
  const roles = known.map((r) => r.key).sort();
  if (!roles.length) return { outcome: 'no_role' };
  const org = who.orgCode ? ((await c.query<{ id: string }>('SELECT id FROM crm.org_units WHERE code = $1', [who.orgCode])).rows[0]?.id ?? null) : null;
  const { rows } = await c.query<{ id: string; roles: string[]; disabled: boolean; org_unit_id: string | null; auth_source: string }>(
    `SELECT id, roles, disabled, org_unit_id, auth_source FROM crm.users
      WHERE (auth_source = $1 AND external_id = $2) OR lower(username) = lower($3)
      ORDER BY (auth_source = $1 AND external_id = $2) DESC LIMIT 1 FOR UPDATE`,
    [who.source, who.externalId, who.username],
  );
  const cur = rows[0];
  if (cur && cur.auth_source !== who.source) return { outcome: 'conflict' };
  if (cur?.disabled) return { outcome: 'disabled', userId: cur.id };
  const actor = { actorName: who.source === 'ldap' ? 'directory' : 'sso', actorId: null };
  if (!cur) {
    const { rows: made } = await c.query<{ id: string }>(
      `INSERT INTO crm.users (username, display_name, password_hash, org_unit_id, roles, auth_source, external_id, external_dn)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [who.username, who.displayName, NO_LOCAL_PASSWORD, org, roles, who.source, who.externalId, who.dn],
    );
    await audit.record({ action: 'user.provisioned', object: 'user', recordId: made[0]!.id, ...actor, data: { source: who.source, roles, orgUnit: org } }, c);
    return { outcome: 'ok', userId: made[0]!.id, created: true, roles };
  }
  await c.query(
    `UPDATE crm.users SET display_name = $2, org_unit_id = coalesce($3, org_unit_id), roles = $4, external_id = $5, external_dn = $6, updated_at = now() WHERE id = $1`,
    [cur.id, who.displayName, org, roles, who.externalId, who.dn],
  );
  const before = [...cur.roles].sort();
  if (before.join(',') !== roles.join(',') || (org && org !== cur.org_unit_id)) {
    await audit.record({ action: 'user.directory_synced', object: 'user', recordId: cur.id, ...actor, data: { source: who.source, roles: { from: before, to: roles }, orgUnit: org ?? cur.org_unit_id } }, c);
  }
  return { outcome: 'ok', userId: cur.id, created: false, roles };
}
