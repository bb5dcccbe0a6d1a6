/** The contact gates' settings (frequency caps, quiet hours) and the do-not-disturb list — platform right `marketing.manage`. */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { DndDeleteQuery, DoNotDisturbBody, MarketingCustomerId, MarketingSettingsSchema, type MarketingSettings } from '@crm/shared';
import { RequireRight } from '../access/platform-rights.js';
import { AuditService } from '../audit/audit.service.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { Db } from '../database/db.js';
import { ContactGates } from './contact-gates.js';

@Controller('api/marketing')
@RequireRight('marketing.manage')
export class MarketingSettingsController {
  constructor(
    private readonly db: Db,
    private readonly gates: ContactGates,
    private readonly audit: AuditService,
  ) {}

  @Get('settings')
  settings(): Promise<MarketingSettings> {
    return this.db.tx((c) => this.gates.settings(c));
  }

  @Put('settings')
  async save(@CurrentUser() p: Principal, @Body() body: unknown): Promise<MarketingSettings> {
    const s = parseInput(MarketingSettingsSchema, body);
    await this.db.tx(async (c) => {
      await c.query(
        `INSERT INTO crm.marketing_settings (id, settings, updated_at, updated_by) VALUES (1, $1::jsonb, now(), $2::uuid)
         ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now(), updated_by = EXCLUDED.updated_by`,
        [JSON.stringify(s), p.id],
      );
    });
    await this.audit.record({ action: 'marketing.settings_changed', data: s });
    return s;
  }

  /** Puts a customer on the do-not-disturb list (every channel, or one). */
  @Post('do-not-disturb')
  @HttpCode(204)
  async dnd(@CurrentUser() p: Principal, @Body() body: unknown): Promise<void> {
    const d = parseInput(DoNotDisturbBody, body);
    await this.db.query(
      `INSERT INTO crm.marketing_dnd (customer_id, channel, reason, until, created_by) VALUES ($1::uuid, $2, $3, $4::timestamptz, $5::uuid)
       ON CONFLICT (customer_id, channel) DO UPDATE SET reason = EXCLUDED.reason, until = EXCLUDED.until, created_at = now(), created_by = EXCLUDED.created_by`,
      [d.customerId, d.channel ?? '*', d.reason ?? null, d.until ?? null, p.id],
    );
    await this.audit.record({ action: 'marketing.dnd_added', recordId: d.customerId, data: { channel: d.channel ?? '*' } });
  }

  @Delete('do-not-disturb/:customerId')
  @HttpCode(204)
  async undnd(@Param('customerId') customerId: string, @Query() query: unknown): Promise<void> {
    const id = parseInput(MarketingCustomerId, customerId);
    const q = parseInput(DndDeleteQuery, query);
    await this.db.query(`DELETE FROM crm.marketing_dnd WHERE customer_id = $1::uuid AND channel = $2`, [id, q.channel ?? '*']);
    await this.audit.record({ action: 'marketing.dnd_removed', recordId: id, data: { channel: q.channel ?? '*' } });
  }
}
