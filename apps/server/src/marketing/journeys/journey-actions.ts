/**
 * The journey's action steps, as service-task types (`crm:type`) of the workflow registry:
 *
 * - `journey.message` — a marketing message (`channel`: sms / wecom / push, `template`), and
 * - `journey.task` — a customer manager's contact task (starts the process `processKey`, whose user
 *   task is assigned to the customer's manager, given as `assignee`),
 *
 *   both CONTACTS: each goes through the platform's contact gates (consent for marketing on that
 *   channel, do-not-disturb, quiet hours, frequency cap across campaigns and journeys) and is recorded
 *   in crm.journey_contacts as sent or skipped with the gate's reason; the step answers
 *   `contactStatus` ('sent' | 'skipped') and `contactReason`, so the model may branch on it.
 * - `journey.tag` (`tag`), `journey.update-field` (`field`, `value`), `journey.start-process`
 *   (`processKey`) — writes through RecordsService / ProcessInstancesService.
 *
 * Every action acts for the journey's customer (from crm.journey_entries, never from a variable the
 * model could set) and with the rights of the model's `crm:runAs` technical role, or else of the
 * designer who activated the journey: a journey cannot write a field or start a process its
 * activator may not.
 */
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { AppError } from '../../common/app-error.js';
import { RequestContext } from '../../common/request-context.js';
import { Db } from '../../database/db.js';
import { RecordsService } from '../../records/records.service.js';
import { ScopedReader, systemRead } from '../../records/scoped-reader.js';
import { ProcessInstancesService } from '../../workflow/process-instances.service.js';
import { DefinitionsService } from '../../workflow/definitions.service.js';
import { WorkflowRuntime } from '../../workflow/runtime.service.js';
import { BpmnError, ServiceTaskRegistry, type ServiceContext } from '../../workflow/service-tasks.js';
import { ContactGateway, type ContactRequest } from './contact-gateway.js';
import { MessageTemplates, templateVariables } from '../message-templates.js';

export const MESSAGE_CHANNELS = ['sms', 'wecom', 'push'] as const;

interface JourneyOf {
  journeyKey: string;
  customerId: string;
  object: string;
}

@Injectable()
export class JourneyActions {
  constructor(
    private readonly db: Db,
    private readonly registry: ServiceTaskRegistry,
    private readonly records: RecordsService,
    private readonly reader: ScopedReader,
    private readonly instances: ProcessInstancesService,
    private readonly defs: DefinitionsService,
    private readonly runtime: WorkflowRuntime,
    private readonly gates: ContactGateway,
    private readonly templates: MessageTemplates,
  ) {}

  register(): void {
    this.registry.register('journey.message', (input, ctx) => this.message(input, ctx));
    this.registry.register('journey.task', (input, ctx) => this.task(input, ctx));
    this.registry.register('journey.tag', (input, ctx) => this.tag(input, ctx));
    this.registry.register('journey.update-field', (input, ctx) => this.updateField(input, ctx));
    this.registry.register('journey.start-process', (input, ctx) => this.startProcess(input, ctx));
  }

  private async journeyOf(ctx: ServiceContext): Promise<JourneyOf> {
    const row = await this.db.one<{ journey_key: string; customer_id: string; object: string }>(
      `SELECT e.journey_key, e.customer_id::text AS customer_id, j.object FROM crm.journey_entries e JOIN crm.journeys j ON j.key = e.journey_key WHERE e.instance_id = $1`,
      [ctx.instanceId],
    );
    if (!row) throw new BpmnError('NOT_A_JOURNEY', 'journey.* steps run only in a journey instance');
    return { journeyKey: row.journey_key, customerId: row.customer_id, object: row.object };
  }

  /** Who the action acts as: the model's technical role (for the activator), else the activator; never the unscoped platform. */
  private async writer(ctx: ServiceContext): Promise<Principal> {
    const user = ctx.actor
      ? await this.db.one<{ id: string; username: string; display_name: string | null; roles: string[]; org_unit_id: string | null }>(
          'SELECT id::text AS id, username, display_name, roles, org_unit_id::text AS org_unit_id FROM crm.users WHERE id = $1::uuid AND NOT disabled',
          [ctx.actor.id],
        )
      : undefined;
    if (ctx.runAs) return { id: user?.id ?? (null as unknown as string), username: user?.username ?? ctx.runAs, displayName: null, roles: [ctx.runAs], orgUnitId: null, via: 'token' };
    if (!user) throw new BpmnError('NO_ACTOR', 'the journey has no active activator and its model declares no crm:runAs');
    return { id: user.id, username: user.username, displayName: user.display_name, roles: user.roles, orgUnitId: user.org_unit_id, via: 'token' };
  }

  private as<T>(p: Principal, fn: () => Promise<T>): Promise<T> {
    return RequestContext.run({ requestId: `journey-${Date.now()}`, ip: null, lang: 'zh-CN', principal: p }, fn);
  }

  /** Refusals of the platform (rights, validation) become BPMN errors the model may catch; others are retried. */
  private async refusable<T>(code: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new BpmnError(code, `${err.code}`);
      throw err;
    }
  }

  private contactOf(ctx: ServiceContext, j: JourneyOf, channel: string, content: string | null): ContactRequest {
    return { journeyKey: j.journeyKey, instanceId: ctx.instanceId, activityId: ctx.activityId, jobId: ctx.jobId, customerId: j.customerId, channel, content };
  }

  private static answer(o: { allowed: boolean; reason: string | null }): Record<string, unknown> {
    return { contactStatus: o.allowed ? 'sent' : 'skipped', contactReason: o.allowed ? null : o.reason };
  }

  private async message(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const channel = String(input.channel ?? '');
    if (!(MESSAGE_CHANNELS as readonly string[]).includes(channel)) throw new BpmnError('BAD_CHANNEL', `journey.message channel is one of ${MESSAGE_CHANNELS.join(', ')}`);
    const j = await this.journeyOf(ctx);
    const template = typeof input.template === 'string' ? input.template.slice(0, 500) : null;
    // The campaigns' templates and renderer: {{客户姓名}}, {{offer}} (input `offerProduct`), {{campaign}}
    // (the journey's name), customer fields as the acting role may read them (masked stay masked).
    const text = template === null || !templateVariables(template).length ? template : await this.refusable('BAD_TEMPLATE', async () => {
      const writer = await this.writer(ctx);
      const journey = await this.db.one<{ name: string }>('SELECT name FROM crm.journeys WHERE key = $1', [j.journeyKey]);
      const offerName = await this.templates.offerName(typeof input.offerProduct === 'string' ? input.offerProduct : undefined);
      return this.templates.renderOne(this.db.q, writer, template, j.customerId, { campaignName: journey?.name ?? '', offerName });
    });
    const outcome = await this.db.tx((c) => this.gates.contact(c, this.contactOf(ctx, j, channel, text)));
    return JourneyActions.answer(outcome);
  }

  /** The customer's manager (the record's owner): a decision of the platform, read as a named system read. */
  private async managerOf(object: string, customerId: string): Promise<string | null> {
    const row = await this.reader.stored(object, customerId, systemRead('journey contact task: the customer\'s manager'));
    if (!row || typeof row.owner_id !== 'string') return null;
    const u = await this.db.one<{ username: string }>('SELECT username FROM crm.users WHERE id = $1::uuid AND NOT disabled', [row.owner_id]);
    return u?.username ?? null;
  }

  private async task(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const processKey = String(input.processKey ?? '');
    if (!processKey) throw new BpmnError('NO_PROCESS', 'journey.task needs processKey');
    const j = await this.journeyOf(ctx);
    const writer = await this.writer(ctx);
    const subject = typeof input.subject === 'string' ? input.subject.slice(0, 200) : null;
    const contact = this.contactOf(ctx, j, 'task', subject);
    const assignee = await this.managerOf(j.object, j.customerId);
    if (!assignee) {
      await this.gates.skip(this.db.q, contact, 'no_manager');
      return JourneyActions.answer({ allowed: false, reason: 'no_manager' });
    }
    // The gates, the contact and the task's process commit together. The process is started by the
    // platform, not as a request: `assignee` is the platform's choice (the customer's manager), a
    // routing variable no request may set.
    return this.refusable('START_REFUSED', () => this.runtime.tx(async (tx) => {
      const outcome = await this.gates.contact(tx.client, contact);
      if (!outcome.allowed || outcome.repeated) return JourneyActions.answer(outcome);
      const def = await this.defs.latestOrFail(tx.client, processKey);
      const variables = { customerId: j.customerId, customer: j.customerId, journeyKey: j.journeyKey, assignee, ...(subject ? { subject } : {}) };
      const inst = await this.runtime.start(tx, def, { variables, businessKey: j.customerId, initiator: writer.username }, {
        action: 'journey.contact_task', object: 'process_instance', actorId: writer.id ?? null, actorName: writer.username, data: { journey: j.journeyKey, customerId: j.customerId, processKey, assignee },
      });
      return { ...JourneyActions.answer(outcome), taskProcessId: inst.id };
    }, undefined, ctx.actor));
  }

  private async patchCustomer(writer: Principal, j: JourneyOf, change: (cur: Record<string, unknown>) => Record<string, unknown> | null): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const cur = await this.refusable('RECORD_NOT_READABLE', () => this.as(writer, () => this.records.get(j.object, j.customerId, writer)));
      const values = change(cur);
      if (!values) return;
      try {
        await this.as(writer, () => this.records.patch(j.object, j.customerId, { ...values, version: cur.version }, writer, { lang: 'zh-CN' }));
        return;
      } catch (err) {
        if (err instanceof AppError && err.status === 409) continue;
        if (err instanceof AppError && err.status < 500) throw new BpmnError('RECORD_WRITE_REFUSED', err.code);
        throw err;
      }
    }
    throw new Error('the customer kept changing');
  }

  private async tag(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const tag = String(input.tag ?? '');
    const field = String(input.field ?? 'tags');
    if (!tag) throw new BpmnError('NO_TAG', 'journey.tag needs tag');
    const j = await this.journeyOf(ctx);
    await this.patchCustomer(await this.writer(ctx), j, (cur) => {
      const tags = Array.isArray(cur[field]) ? (cur[field] as string[]) : [];
      return tags.includes(tag) ? null : { [field]: [...tags, tag] };
    });
    return {};
  }

  private async updateField(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const field = String(input.field ?? '');
    if (!field) throw new BpmnError('NO_FIELD', 'journey.update-field needs field');
    const j = await this.journeyOf(ctx);
    await this.patchCustomer(await this.writer(ctx), j, (cur) => (cur[field] === input.value ? null : { [field]: input.value }));
    return {};
  }

  private async startProcess(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const processKey = String(input.processKey ?? '');
    if (!processKey) throw new BpmnError('NO_PROCESS', 'journey.start-process needs processKey');
    const j = await this.journeyOf(ctx);
    const writer = await this.writer(ctx);
    const inst = await this.refusable('START_REFUSED', () => this.as(writer, () =>
      this.instances.start(writer, processKey, { variables: { customerId: j.customerId, customer: j.customerId, journeyKey: j.journeyKey }, businessKey: j.customerId }),
    ));
    return { startedProcessId: inst.id };
  }
}
