/**
 * Demo mode, first start: installs the bank-crm template (after the demo org and users are seeded),
 * then loads the demo bank (5,000 customers by default) once, while the customer table is empty.
 * The template is installed in every demo start; the customers load by default only on the embedded
 * database a newcomer gets from `pnpm start` (test suites set CRM_DEMO_TEMPLATES=none for a bare platform).
 *   CRM_DEMO_TEMPLATES  templates to install in demo mode (comma list, or "none"; default bank-crm)
 *   CRM_DEMO_CUSTOMERS  demo customers to load on first start (default 5000 when embedded, else 0)
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.token.js';
import { FieldCrypto } from '../crypto/field-crypto.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { tableOf } from '../metadata/field-types.js';
import { CustomersService } from '../customers/customers.service.js';
import { BankServices } from '../customers/bank-services.js';
import { loadDemoData } from '../cli/demo-data-core.js';
import { TemplatesService } from './templates.service.js';

@Injectable()
export class DemoBootstrap {
  constructor(
    private readonly db: Db,
    private readonly templates: TemplatesService,
    private readonly meta: MetadataService,
    private readonly customers: CustomersService,
    private readonly bank: BankServices,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Returns lines to print to the console. */
  async run(): Promise<string[]> {
    if (!this.config.demo) return [];
    const keys = this.config.demoTemplates;
    const lines: string[] = [];
    for (const key of keys) {
      if (await this.templates.state(key)) continue;
      // First start of the demo: the demo roles seeded a moment ago get the pack's permissions.
      const res = await this.templates.install(key, null, 'zh-CN', { setUpRoles: true });
      lines.push(`Demo mode: installed the ${key} template v${res.version} (${res.changes.length} parts).`);
    }
    const n = this.config.demoCustomers;
    if (!n || !keys.includes('bank-crm')) return lines;
    const obj = (await this.meta.current()).objects.get('customer');
    if (!obj) return lines;
    const got = await this.db.one<{ ok: boolean }>('SELECT pg_try_advisory_lock(7240031) AS ok');
    if (!got?.ok) return lines;
    try {
      const any = await this.db.one(`SELECT 1 AS one FROM ${tableOf('customer')} LIMIT 1`);
      if (any) return lines;
      const res = await loadDemoData(this.db.pool, this.crypto, { customers: n, staff: true, timing: this.config.demoTiming });
      await this.customers.detectCircles();
      // Day one of the demo bank: the reviews that are due start now (the daily scheduler takes over).
      const kyc = await this.bank.scheduleKycReviews(Math.min(200, Math.max(10, Math.floor(n / 100))));
      this.logger.info({ ...res }, 'demo bank loaded');
      lines.push(`Demo mode: loaded ${res.customers} customers, ${res.holdings} holdings, ${res.relationships} relationships (${res.circles} guarantee circles) in ${(res.ms / 1000).toFixed(1)} s; ${kyc.started} KYC reviews started.`);
    } finally {
      await this.db.query('SELECT pg_advisory_unlock(7240031)');
    }
    return lines;
  }
}
