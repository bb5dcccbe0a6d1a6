/**
 * Process variables leave the server only as the reader may see them. A process started from a
 * record (trigger) holds the record in clear; when a person reads the instance or a task, the
 * record's fields — and every variable an expression of the model computed from them (script and
 * decision results, mappings) — are hidden or masked by the reader's own rights on that record: a derived
 * value takes the strictest rule of the fields it was computed from. Shown sensitive values (level
 * ≥ 3, in clear) are audited like any unmasked read.
 */
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { maskedWithoutUnmask, maskValue } from '@crm/form-engine';
import { derivedFrom, sourcesOf, type ProcessModel } from '@crm/workflow-engine';
import { AccessService } from '../access/access.service.js';
import { AuditService } from '../audit/audit.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { Principal } from '../auth/principal.js';
import { Db } from '../database/db.js';
import { DefinitionsService } from './definitions.service.js';
import { RequestVariables } from './request-variables.js';

type Vars = Record<string, unknown>;

/** Variables that describe where the process came from, not what the record holds. */
const ORIGIN = new Set(['object', 'recordId', 'record', 'previous', 'changed', 'formKey', 'initiator', 'businessKey']);
/** What a derived value shows when one of its sources is masked for the reader. */
const MASKED = '****';

@Injectable()
export class VariablesViewInterceptor implements NestInterceptor {
  private readonly graphs = new WeakMap<ProcessModel, Map<string, Set<string>>>();

  constructor(
    private readonly access: AccessService,
    private readonly meta: MetadataService,
    private readonly inputs: RequestVariables,
    private readonly defs: DefinitionsService,
    private readonly audit: AuditService,
    private readonly db: Db,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const p = ctx.switchToHttp().getRequest<FastifyRequest>().principal ?? null;
    return next.handle().pipe(mergeMap((body) => from(this.filterBody(body, p))));
  }

  private async filterBody(body: unknown, p: Principal | null): Promise<unknown> {
    if (!p || typeof body !== 'object' || body === null) return body;
    const b = body as { variables?: unknown; items?: unknown; definitionId?: unknown; processInstanceId?: unknown; id?: unknown };
    // Variables that name no record object have nothing to hide (view() returns them as they are):
    // the model is not even looked up — the common case of a started process's answer.
    if (isVars(b.variables)) return fromRecord(b.variables) ? { ...b, variables: await this.view(b.variables, p, await this.modelOf(b)) } : body;
    if (Array.isArray(b.items)) {
      return { ...b, items: await Promise.all(b.items.map(async (it) => (isVars((it as Vars)?.variables) && fromRecord((it as Vars).variables as Vars) ? { ...(it as Vars), variables: await this.view((it as Vars).variables as Vars, p, await this.modelOf(it as Vars)) } : it))) };
    }
    return body;
  }

  /** The model of the instance a body shows (an instance carries its definition id, a task its instance id). */
  private async modelOf(b: { definitionId?: unknown; processInstanceId?: unknown }): Promise<ProcessModel | undefined> {
    let defId = typeof b.definitionId === 'string' ? b.definitionId : undefined;
    if (!defId && typeof b.processInstanceId === 'string') {
      defId = (await this.db.one<{ definition_id: string }>('SELECT definition_id FROM crm.wf_instances WHERE id = $1', [b.processInstanceId]))?.definition_id;
    }
    return defId ? this.defs.model(this.db.q, defId) : undefined;
  }

  /** What each variable is computed from; decisions as currently deployed (so not cached when the model has any). */
  private async graphOf(model: ProcessModel | undefined): Promise<Map<string, Set<string>>> {
    if (!model) return new Map();
    const cached = this.graphs.get(model);
    if (cached) return cached;
    const resolve = await this.defs.resolverFor(this.db.q, model);
    const g = derivedFrom(model, resolve);
    if (!resolve) this.graphs.set(model, g);
    return g;
  }

  async view(vars: Vars, p: Principal, model?: ProcessModel): Promise<Vars> {
    const object = typeof vars.object === 'string' ? vars.object : null;
    if (!object) return vars;
    let fields;
    try {
      fields = (await this.meta.object(object)).fields;
    } catch {
      return vars;
    }
    const acc = await this.access.forObject(p, object);
    const readable = acc.can('read') && (await this.inputs.mayRead(p, object, vars.recordId));
    const modeOf = (key: string) => (readable ? acc.fieldMode(key) : 'none');
    const hidden = (f: (typeof fields)[number]) => modeOf(f.key) === 'masked' || (maskedWithoutUnmask(f) && !acc.unmask);
    const shownInClear = new Set<string>();
    const filter = (src: Vars): Vars => {
      const out: Vars = { ...src };
      for (const f of fields) {
        if (!(f.key in out)) continue;
        if (modeOf(f.key) === 'none') delete out[f.key];
        else if (out[f.key] !== null && hidden(f)) out[f.key] = maskValue(f, out[f.key]);
        else if (out[f.key] !== null && (f.sensitivity ?? 0) >= 3) shownInClear.add(f.key);
      }
      return out;
    };
    const out = filter(vars);
    for (const nested of ['record', 'previous']) if (isVars(out[nested])) out[nested] = filter(out[nested] as Vars);
    // Values computed from the record's fields: the strictest rule among their sources.
    const graph = await this.graphOf(model);
    const byKey = new Map(fields.map((f) => [f.key, f]));
    for (const name of Object.keys(out)) {
      if (byKey.has(name) || ORIGIN.has(name)) continue;
      const sources = sourcesOf(graph, name);
      const all = sources.has('record') || sources.has('previous') || sources.has('*');
      const from = all ? fields : fields.filter((f) => sources.has(f.key));
      if (!from.length || out[name] === null || out[name] === undefined) continue;
      if (from.some((f) => modeOf(f.key) === 'none')) delete out[name];
      else if (from.some(hidden)) out[name] = MASKED;
      else if (from.some((f) => (f.sensitivity ?? 0) >= 3)) from.filter((f) => (f.sensitivity ?? 0) >= 3).forEach((f) => shownInClear.add(f.key));
    }
    if (shownInClear.size && typeof vars.recordId === 'string') {
      await this.audit.record({ action: 'record.read_unmasked', object, recordId: vars.recordId, data: { fields: [...shownInClear].sort(), via: 'process' } });
    }
    return out;
  }
}

function fromRecord(vars: Vars): boolean {
  return typeof vars.object === 'string';
}

function isVars(v: unknown): v is Vars {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
