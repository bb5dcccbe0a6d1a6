/**
 * Process variables leave the server only as the reader may see them. A process started from a
 * record (trigger) runs as the platform and holds the record in clear; when a person reads the
 * instance or a task, the fields of that record are hidden or masked by the reader's own rights
 * on its object — the same rules as the records API.
 */
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { maskValue } from '@crm/form-engine';
import { AccessService } from '../access/access.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { Principal } from '../auth/principal.js';
import { RecordsService } from '../records/records.service.js';
import { Db } from '../database/db.js';
import { tableOf } from '../metadata/field-types.js';

type Vars = Record<string, unknown>;

@Injectable()
export class VariablesViewInterceptor implements NestInterceptor {
  constructor(
    private readonly access: AccessService,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly db: Db,
  ) {}

  /** Whether the reader may read the record the variables came from (its row scope included). */
  private async mayReadRecord(objectKey: string, recordId: unknown, p: Principal): Promise<boolean> {
    const acc = await this.access.forObject(p, objectKey);
    if (!acc.can('read')) return false;
    if (typeof recordId !== 'string' || !/^[0-9a-f-]{36}$/i.test(recordId)) return true;
    const o = await this.meta.object(objectKey);
    const params: unknown[] = [recordId];
    const scope = this.records.scopeSql(o, acc, 'read', p, params);
    return !!(await this.db.one(`SELECT 1 FROM ${tableOf(o.key)} t WHERE t.id = $1::uuid AND ${scope}`, params));
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const p = ctx.switchToHttp().getRequest<FastifyRequest>().principal ?? null;
    return next.handle().pipe(mergeMap((body) => from(this.filterBody(body, p))));
  }

  private async filterBody(body: unknown, p: Principal | null): Promise<unknown> {
    if (!p || typeof body !== 'object' || body === null) return body;
    const b = body as { variables?: unknown; items?: unknown };
    if (isVars(b.variables)) return { ...b, variables: await this.view(b.variables, p) };
    if (Array.isArray(b.items)) {
      return { ...b, items: await Promise.all(b.items.map(async (it) => (isVars((it as Vars)?.variables) ? { ...(it as Vars), variables: await this.view((it as Vars).variables as Vars, p) } : it))) };
    }
    return body;
  }

  async view(vars: Vars, p: Principal): Promise<Vars> {
    const object = typeof vars.object === 'string' ? vars.object : null;
    if (!object) return vars;
    let fields;
    try {
      fields = (await this.meta.object(object)).fields;
    } catch {
      return vars;
    }
    const acc = await this.access.forObject(p, object);
    const readable = await this.mayReadRecord(object, vars.recordId, p);
    const filter = (src: Vars): Vars => {
      const out: Vars = { ...src };
      for (const f of fields) {
        if (!(f.key in out)) continue;
        const mode = readable ? acc.fieldMode(f.key) : 'none';
        if (mode === 'none') delete out[f.key];
        else if (out[f.key] !== null && (mode === 'masked' || ((f.sensitivity ?? 0) >= 3 && !acc.unmask))) out[f.key] = maskValue(f, out[f.key]);
      }
      return out;
    };
    const out = filter(vars);
    for (const nested of ['record', 'previous']) if (isVars(out[nested])) out[nested] = filter(out[nested] as Vars);
    return out;
  }
}

function isVars(v: unknown): v is Vars {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
