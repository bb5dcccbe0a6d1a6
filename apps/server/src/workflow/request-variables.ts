/**
 * What a request may put into a process: only the variables its element declares (`crm:inputs` on
 * a start or catch event, `crm:outputs` on a user task) or its form names; never an identity the
 * engine sets (`initiator`, `…By`) nor a variable an assignment reads (who works a task). A record
 * id in a relation field of the form, or in a name declared `name:object`, must name a record the
 * caller may read (through the scoped record reader).
 */
import { Injectable } from '@nestjs/common';
import { declaredNames, isReservedVariable, routingVariables, type ElementDef, type ProcessModel } from '@crm/workflow-engine';
import { AppError, type ErrorDetail } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { FormsService } from '../metadata/forms.service.js';
import { ScopedReader } from '../records/scoped-reader.js';
import type { Principal } from '../auth/principal.js';

type Vars = Record<string, unknown>;

@Injectable()
export class RequestVariables {
  private readonly routing = new WeakMap<ProcessModel, Set<string>>();

  constructor(
    private readonly forms: FormsService,
    private readonly reader: ScopedReader,
  ) {}

  private routingOf(model: ProcessModel): Set<string> {
    let r = this.routing.get(model);
    if (!r) {
      r = routingVariables(model);
      this.routing.set(model, r);
    }
    return r;
  }

  /** Refuses names the engine owns (and, given a model, names its assignments read). */
  assertNotReserved(given: Vars | undefined, model?: ProcessModel): void {
    const routing = model ? this.routingOf(model) : new Set<string>();
    const reserved = Object.keys(given ?? {}).filter((n) => isReservedVariable(n) || routing.has(n));
    if (reserved.length) throw new AppError(400, 'workflow.reserved_variables', { names: reserved.join(', ') }, reserved.map((n) => ({ path: `/variables/${n}`, code: 'reserved', message: n })));
  }

  /** Refuses names the engine owns or routing reads, then names the element does not declare (besides `also`). */
  assertDeclared(model: ProcessModel, el: ElementDef | undefined, given: Vars, also: readonly string[] = []): void {
    const names = Object.keys(given);
    this.assertNotReserved(given, model);
    const allowed = new Set([...declaredNames(el), ...also]);
    const undeclared = names.filter((n) => !allowed.has(n));
    if (undeclared.length) throw new AppError(400, 'workflow.undeclared_variables', { names: undeclared.join(', ') }, undeclared.map((n) => ({ path: `/variables/${n}`, code: 'undeclared', message: n })));
  }

  /**
   * Checks a start or task completion of element `el` by `p` and returns the variables to set: the
   * declared ones as given, the form's as its published version validates them.
   */
  async accept(p: Principal, model: ProcessModel, el: ElementDef | undefined, variables: Vars | undefined, formKey?: string | null): Promise<Vars | undefined> {
    const given = variables ?? {};
    const form = formKey ? await this.forms.version(formKey, 'latest') : undefined;
    const formFields = new Set((form?.fields ?? []).map((f) => f.key));
    this.assertDeclared(model, el, given, [...formFields]);
    const refs = Object.entries(el?.declaredRefs ?? {}).map(([key, target]) => ({ key, type: 'relation', target }));
    await this.assertReadableReferences(p, refs, given);
    if (!form) return Object.keys(given).length ? given : variables;
    const formPart: Vars = {};
    const rest: Vars = {};
    for (const [k, v] of Object.entries(given)) (formFields.has(k) ? formPart : rest)[k] = v;
    const values = await this.validateForm(form.key, formPart);
    await this.assertReadableReferences(p, form.fields, values);
    return { ...rest, ...values };
  }

  private async validateForm(formKey: string, values: Vars): Promise<Vars> {
    const lang = RequestContext.current()?.lang ?? 'zh-CN';
    const res = await this.forms.validateSubmission(formKey, values, lang);
    if (!res.ok) {
      const details: ErrorDetail[] = res.errors.map((e) => ({ path: e.path, code: e.code, message: e.message }));
      throw new AppError(400, 'workflow.form_invalid', {}, details);
    }
    // Only what the form accepts becomes process variables (hidden fields dropped, computed ones set).
    return res.value;
  }

  /** A relation value must be a record the caller may read (through the scoped reader). */
  private async assertReadableReferences(p: Principal, fields: { key: string; type: string; target?: string }[], values: Vars): Promise<void> {
    for (const f of fields) {
      const v = values[f.key];
      if (f.type !== 'relation' || !f.target || v === null || v === undefined) continue;
      for (const id of Array.isArray(v) ? v : [v]) {
        if (!(await this.mayRead(p, f.target, id))) {
          throw new AppError(400, 'workflow.unreadable_reference', { field: f.key }, [{ path: `/variables/${f.key}`, code: 'reference', message: f.key }]);
        }
      }
    }
  }

  /**
   * A record as the process's business data, the shape a record trigger gives (`record`, each field,
   * `object`, `recordId`): read as the caller may see it (404 outside their scope, masked values stay masked).
   */
  async recordVariables(p: Principal, object: string, id: string): Promise<Vars> {
    const record = await this.reader.get(object, id, p);
    return { ...record, record, object, recordId: id };
  }

  /** A live record of `object` within the caller's read scope (a deleted or out-of-scope one: false). */
  mayRead(p: Principal, object: string, id: unknown): Promise<boolean> {
    return this.reader.mayRead(p, object, id);
  }
}
