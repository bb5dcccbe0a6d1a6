/**
 * Reading the typed client's answers in tests: four-eyes replies (a user change or reset either applies
 * or answers 202 `{ status: "pending", approval }`, both returned as a value), error answers as the body
 * the server sent, outcomes of calls that may go either way, and a client asking for English.
 */
import { expect } from '@jest/globals';
import { createClient, isApiError, type ApiClient, type ApiError, type PendingReply } from '@crm/shared';

/** The reply, asserted to be the 202 "waits for a second person" answer. */
export function pending(reply: unknown): PendingReply {
  expect(reply).toMatchObject({ status: 'pending', message: expect.any(String), approval: { id: expect.any(String), status: 'pending' } });
  return reply as PendingReply;
}

/** The reply, asserted to be applied at once (no approval pending). */
export function applied<T>(reply: T | PendingReply): T {
  expect(reply).not.toHaveProperty('approval');
  return reply as T;
}

/** An error answer's body, as the server sent it (`{ error: { code, message, details } }`). */
export function errorBody(e: ApiError) {
  return { error: { code: e.code, message: e.message, details: e.details } };
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** How a typed call ended, for checks where either is expected (matrices); other failures still throw. */
export async function settle<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call };
  } catch (e) {
    if (isApiError(e)) return { ok: false, error: e };
    throw e;
  }
}

/** The typed client asking for answers in English (`Accept-Language: en`). */
export function english(baseUrl: string, token?: string): ApiClient {
  return createClient({ baseUrl, getToken: () => token, getLanguage: () => 'en' });
}

/** `'ok'` for a success, else the error answer's status: for polling until access is granted or refused. */
export async function outcomeOf(call: Promise<unknown>): Promise<'ok' | number> {
  const r = await settle(call);
  return r.ok ? 'ok' : r.error.status;
}
