/**
 * The bank pack's demo loader: after demo mode installed the bank-crm template, loads the demo bank
 * (5,000 customers by default) once, while the customer table is empty — by default only on the
 * embedded database a newcomer gets from `pnpm start`.
 * CRM_DEMO_CUSTOMERS (config.ts): demo customers to load on first start (default 5000 when embedded, else 0).
 */
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { Db } from '../../../database/db.js';
import { APP_CONFIG, type AppConfig } from '../../../config/config.js';
import { LOGGER } from '../../../logging/logger.token.js';
import { FieldCrypto } from '../../../crypto/field-crypto.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { hasAnyRow, systemRead } from '../../../records/system-reads.js';
import type { PackDemoLoader } from '../../solution-pack.js';
import { GuaranteeCircles } from '../customers/guarantee-circles.service.js';
import { BankServices } from '../bank-services.js';
import { loadDemoData, rng } from './demo-data-core.js';
import { MarketingDemo } from '../../../marketing/marketing-demo.js';
import { whileHoldingJobLock } from '../job-lock.js';
import { loadJourneyDemo } from './journey-demo.js';


@Injectable()
export class BankDemoLoader implements PackDemoLoader {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly circles: GuaranteeCircles,
    private readonly bank: BankServices,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly moduleRef: ModuleRef,
  ) {}

  async loadDemo(): Promise<string[]> {
    const n = this.config.demoCustomers;
    if (!n) return [];
    const obj = (await this.meta.current()).objects.get('customer');
    if (!obj) return [];
    const lines = await whileHoldingJobLock(this.db, 'demo.load', async () => {
      if (await hasAnyRow(this.db.pool, systemRead('demo load: only into an empty bank'), 'customer')) return [];
      const res = await loadDemoData(this.db.pool, this.crypto, { customers: n, staff: true, timing: this.config.demoTiming });
      await this.circles.detectCircles();
      // Day one of the demo bank: the reviews that are due start now (the daily scheduler takes over).
      const kyc = await this.bank.scheduleKycReviews(Math.min(200, Math.max(10, Math.floor(n / 100))));
      // The pack's journeys, with customers in them (their own random stream: the bank above is unchanged).
      const journeys = await loadJourneyDemo(this.db, this.moduleRef, n);
      this.logger.info({ ...res, journeys }, 'demo bank loaded');
      // The sample campaign's customers react from their own random stream: the bank of a seed is unchanged.
      const campaign = await this.moduleRef.get(MarketingDemo, { strict: false }).seed(rng(20260101 ^ 0x0ca3a1e5));
      return [...campaign, `Demo mode: loaded ${res.customers} customers, ${res.holdings} holdings, ${res.relationships} relationships (${res.circles} guarantee circles), ${res.snapshots} month-end balance snapshots in ${(res.ms / 1000).toFixed(1)} s; ${kyc.started} KYC reviews started; ${journeys.entered} journey entries (${journeys.converted} converted).`];
    });
    return lines ?? [];
  }
}
