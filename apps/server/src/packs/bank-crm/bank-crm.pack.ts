/** The bank CRM solution pack: its template bundle, Nest module, service tasks, tables, demo loader and routes. */
import type { SolutionPack } from '../solution-pack.js';
import { CustomersModule } from './customers/customers.module.js';
import { BANK_BUNDLE_DIR } from './customers/bank-pack.js';
import { BankServices } from './bank-services.js';
import { BankDemoLoader } from './demo/bank-demo-loader.js';
import { sanctionsMigration } from './migrations/0001-sanctions.js';
import { BANK_OPENAPI_ROUTES } from './openapi-routes.js';

export const bankCrmPack: SolutionPack = {
  key: 'bank-crm',
  bundleDir: BANK_BUNDLE_DIR,
  module: CustomersModule,
  serviceTasks: [BankServices],
  serviceTaskTypes: ['aml-screening', 'bank-customer-context', 'bank-aml-screening', 'bank-record-patch', 'bank-kyc-complete', 'bank-kyc-due'],
  migrations: [sanctionsMigration],
  demoLoader: BankDemoLoader,
  openApiRoutes: BANK_OPENAPI_ROUTES,
};
