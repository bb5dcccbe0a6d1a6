/**
 * First-start seeding. Demo mode: the demo bank's org tree, roles and users (password Demo@2026).
 * Otherwise, with no users at all: one `admin` with CRM_ADMIN_PASSWORD or a generated password,
 * printed once. Runs under an advisory lock so two processes starting together seed once.
 */
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { hashPassword } from '../auth/password.js';
import { DEMO_PASSWORD, DEMO_ROLES, DEMO_UNITS, DEMO_USERS } from './demo-org.js';
import { LOGGER } from '../logging/logger.token.js';
import { advisoryXactLock } from '../database/advisory-locks.js';

@Injectable()
export class SeedService {
  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Returns lines to print to the console (credentials are printed, never logged). */
  async run(): Promise<string[]> {
    return this.db.tx(async (c) => {
      await advisoryXactLock(c, 'seed');
      const { rows } = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM crm.users');
      const empty = rows[0].n === '0';
      if (this.config.demo) return this.seedDemo(c, empty);
      if (!empty) return [];
      await this.ensureRoles(c);
      const password = this.config.adminPassword ?? randomBytes(12).toString('base64url') + 'aA1!';
      const head = await this.ensureUnit(c, { code: 'HO', name: '总行', kind: 'head_office' }, null);
      await c.query(
        `INSERT INTO crm.users (username, display_name, password_hash, org_unit_id, roles) VALUES ('admin', '系统管理员', $1, $2, $3)`,
        [await hashPassword(password), head, ['admin']],
      );
      this.logger.info('created the first administrator account "admin"');
      return this.config.adminPassword
        ? ['Created user "admin" with the password from CRM_ADMIN_PASSWORD.']
        : [`Created user "admin" with the generated password: ${password}`, 'It is shown only this once: change it after signing in.'];
    });
  }

  private async seedDemo(c: PoolClient, empty: boolean): Promise<string[]> {
    await this.ensureRoles(c);
    const ids = new Map<string, string>();
    for (const u of DEMO_UNITS) ids.set(u.code, await this.ensureUnit(c, u, u.parent ? ids.get(u.parent)! : null));
    if (!empty) return [];
    const hash = await hashPassword(DEMO_PASSWORD);
    for (const u of DEMO_USERS) {
      await c.query(
        `INSERT INTO crm.users (username, display_name, password_hash, org_unit_id, roles) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [u.username, u.displayName, hash, ids.get(u.unit), u.roles],
      );
    }
    this.logger.info('demo mode: created the demo users');
    return [
      'Demo mode: these users exist, all with the password Demo@2026',
      ...DEMO_USERS.map((u) => `  ${u.username.padEnd(11)} ${u.displayName}  (${u.roles.join(', ')})`),
    ];
  }

  private async ensureRoles(c: PoolClient): Promise<void> {
    for (const r of DEMO_ROLES) {
      await c.query(
        `INSERT INTO crm.roles (key, name, description, platform, permissions, builtin) VALUES ($1, $2, $3, $4, $5, true)
         ON CONFLICT (key) DO NOTHING`,
        [r.key, r.name, r.description, r.platform, JSON.stringify(r.permissions ?? [])],
      );
    }
  }

  private async ensureUnit(c: PoolClient, u: { code: string; name: string; kind: string }, parentId: string | null): Promise<string> {
    const found = await c.query<{ id: string }>('SELECT id FROM crm.org_units WHERE code = $1', [u.code]);
    if (found.rows[0]) return found.rows[0].id;
    const parentPath = parentId
      ? (await c.query<{ path: string[] }>('SELECT path FROM crm.org_units WHERE id = $1', [parentId])).rows[0].path
      : [];
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO crm.org_units (id, parent_id, name, code, kind, path)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, '{}') RETURNING id`,
      [parentId, u.name, u.code, u.kind],
    );
    const id = rows[0].id;
    await c.query('UPDATE crm.org_units SET path = $2 WHERE id = $1', [id, [...parentPath, id]]);
    return id;
  }
}
