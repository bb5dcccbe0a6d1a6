/**
 * Four-eyes answers of the typed client: a user change or reset either applies (the user, or the reset's
 * result) or answers 202 `{ status: "pending", approval }`; the typed client returns both as a value.
 */
import { expect } from '@jest/globals';
import type { PendingReply } from '@crm/shared';

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
