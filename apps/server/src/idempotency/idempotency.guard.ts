/**
 * `Idempotency-Key` on every POST: a repeat of a request with the same key and body answers what the
 * first answered and changes nothing; the same key with another body is 422; a repeat while the first
 * is still running is 409. Keys are per caller (a user or API key's account). Only answers below 400
 * are kept: after an error the client may retry with the same key. A global guard registered after
 * the AuthGuard (the caller is known), not an interceptor: an interceptor wraps every route's answer
 * in rxjs even when no key is sent, which profiling showed as ~6 % of the hot routes' CPU. The answer
 * is stored by the onSend hook once it is final (installIdempotency).
 */
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import { RequestContext } from '../common/request-context.js';
import { fingerprintOf, IdempotencyStore } from './idempotency.store.js';

registerMessages({
  'idempotency.bad_key': { 'zh-CN': 'Idempotency-Key 须为 1–200 个可见 ASCII 字符', en: 'Idempotency-Key must be 1–200 visible ASCII characters' },
  'idempotency.key_reused': { 'zh-CN': '该 Idempotency-Key 已用于另一个请求', en: 'This Idempotency-Key was used for a different request' },
  'idempotency.in_progress': { 'zh-CN': '相同 Idempotency-Key 的请求仍在处理中，请稍后重试', en: 'A request with this Idempotency-Key is still being processed; retry shortly' },
});

const KEY = /^[\x21-\x7E]{1,200}$/;

/** Thrown to answer a repeat with the stored answer (the exception filter sends it as it was). */
export class IdempotentReplay extends Error {
  constructor(
    readonly statusCode: number,
    readonly contentType: string | null,
    readonly body: string,
  ) {
    super('idempotent replay');
  }
}

interface Reserved {
  principalId: string;
  key: string;
}
const RESERVED = Symbol('idempotency');
type WithReservation = FastifyRequest & { [RESERVED]?: Reserved };

@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(private readonly store: IdempotencyStore) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<WithReservation>();
    const raw = req.headers['idempotency-key'];
    if (req.method !== 'POST' || raw === undefined) return true;
    if (typeof raw !== 'string' || !KEY.test(raw)) throw new AppError(400, 'idempotency.bad_key');
    const principal = RequestContext.current()?.principal;
    if (!principal) return true; // public routes (sign-in) are not made idempotent
    const state = await this.store.begin(principal.id, raw, fingerprintOf(req.method, req.url, req.body));
    if (state.kind === 'mismatch') throw new AppError(422, 'idempotency.key_reused');
    if (state.kind === 'in_progress') throw new AppError(409, 'idempotency.in_progress', {}, undefined, { 'retry-after': '1' });
    if (state.kind === 'replay') throw new IdempotentReplay(state.statusCode, state.contentType, state.body);
    req[RESERVED] = { principalId: principal.id, key: raw };
    return true;
  }
}

/** Stores the final answer of a reserved request (or releases the key after an error). */
export function installIdempotency(fastify: FastifyInstance, store: IdempotencyStore): void {
  fastify.addHook('onSend', async (req: WithReservation, reply, payload) => {
    const r = req[RESERVED];
    if (!r) return payload;
    req[RESERVED] = undefined;
    if (reply.statusCode < 400 && (typeof payload === 'string' || payload === null || payload === undefined)) {
      const type = reply.getHeader('content-type');
      await store.complete(r.principalId, r.key, reply.statusCode, typeof type === 'string' ? type : null, (payload as string | null) ?? '');
    } else {
      await store.release(r.principalId, r.key);
    }
    return payload;
  });
}
