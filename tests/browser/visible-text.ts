/**
 * What a zh-CN screen must not show: a UUID, or an English word outside a short list of terms a
 * Chinese bank uses as they are (trade abbreviations, the language switch, the demo users' names).
 */
import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Latin words a zh-CN bank screen may show as they are. */
export const KNOWN_WORDS = new Set([
  // terms of the trade and of IT
  'KYC', 'AML', 'AUM', 'ROI', 'CRM', 'API', 'ID', 'KPI', 'SLA', 'PDF', 'CSV', 'XLSX', 'Excel', 'Webhook', 'PIPL', 'BPMN', 'DMN', 'FEEL', 'SQL', 'OIDC', 'LDAP', 'SSO', 'URL', 'JSON', 'VIP',
  // the language switch and the demo users' sign-in names
  'EN', 'rm', 'manager', 'admin', 'analyst', 'compliance', 'auditor', 'security', 'system',
  // prefixes of generated record numbers (DK2026…, KH…, TS…)
  'DK', 'KH', 'TS',
]);

export async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}

/** The English words of a text not in the known list (codes such as DK2026120300001 are not words). */
export function englishWords(text: string, known: ReadonlySet<string> = KNOWN_WORDS): string[] {
  const words = text.match(/\b[A-Za-z][A-Za-z_.]{2,}\b/g) ?? [];
  return [...new Set(words.filter((w) => !known.has(w)))];
}

/**
 * Fails when the page's visible text shows a UUID or an English word outside the known list; `where`
 * names the screen in the failure. `allow` adds words this screen may show (e.g. a product code).
 */
export async function assertNoUuidOrEnglish(page: Page, where: string, allow: readonly string[] = []): Promise<void> {
  const text = await visibleText(page);
  expect({ where, uuid: text.match(UUID)?.[0] ?? null }).toEqual({ where, uuid: null });
  expect({ where, english: englishWords(text, new Set([...KNOWN_WORDS, ...allow])) }).toEqual({ where, english: [] });
}
