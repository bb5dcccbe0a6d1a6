/**
 * The demo bank's journeys, run through the real engine so their analytics are not empty: some
 * customers holding a wealth product enter 「理财产品到期挽留」 (as if the core system had posted
 * `product_maturing`), the newest individual customers enter 「新客户30天旅程」, and a share of each
 * converts (the goal's message correlated, as a later business event would). Their contact steps then
 * run through the contact gates like any other. Picks draw from their own random stream, so the rest
 * of a seed's demo bank is unchanged.
 */
import type { ModuleRef } from '@nestjs/core';
import { Db } from '../../../database/db.js';
import { systemLiveRows, systemRead } from '../../../records/system-reads.js';
import { JourneysService } from '../../../marketing/journeys/journeys.service.js';
import { WorkflowRuntime } from '../../../workflow/runtime.service.js';
import { rng } from './demo-data-core.js';

const STREAM = 20260101 ^ 0x10e7a5;

function sample<T>(r: () => number, xs: T[], n: number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const k = Math.floor(r() * (i + 1));
    [out[i], out[k]] = [out[k]!, out[i]!];
  }
  return out.slice(0, n);
}

export async function loadJourneyDemo(db: Db, moduleRef: ModuleRef, customers: number): Promise<{ entered: number; converted: number }> {
  let journeys: JourneysService;
  let runtime: WorkflowRuntime;
  try {
    journeys = moduleRef.get(JourneysService, { strict: false });
    runtime = moduleRef.get(WorkflowRuntime, { strict: false });
  } catch {
    return { entered: 0, converted: 0 };
  }
  const r = rng(STREAM);
  const why = systemRead('demo: who enters the demo journeys');
  const holdings = await systemLiveRows<{ customer: string; category: string }>(db.pool, why, 'holding', ['customer', 'category']);
  const wealth = [...new Set(holdings.filter((h) => h.category === 'wealth' || h.category === 'deposit').map((h) => h.customer))].sort();
  const people = (await systemLiveRows<{ id: string; customer_type: string }>(db.pool, why, 'customer', ['id', 'customer_type'])).filter((c) => c.customer_type === 'individual').map((c) => c.id).sort();
  const size = Math.max(20, Math.min(300, Math.floor(customers / 50)));
  const plan: { key: string; ids: string[]; goal: string }[] = [
    { key: 'bank_maturity_retention', ids: sample(r, wealth, size), goal: 'product_reinvested' },
    { key: 'bank_onboarding_30d', ids: sample(r, people, size), goal: 'first_product_purchased' },
  ];
  let entered = 0;
  let converted = 0;
  for (const p of plan) {
    if (!(await journeys.exists(db.q, p.key)) || !p.ids.length) continue;
    const j = await journeys.row(db.q, p.key);
    if (j.status !== 'active') continue;
    entered += await runtime.tx((ctx) => journeys.enterMany(ctx, j, p.ids, j.entry.kind === 'record' ? 'record' : 'event'));
    for (const id of p.ids) {
      if (r() >= 0.3) continue;
      converted += await runtime.tx((ctx) => runtime.correlateMessage(ctx, p.goal, id, undefined, 'system'), undefined, null);
    }
  }
  return { entered, converted };
}
