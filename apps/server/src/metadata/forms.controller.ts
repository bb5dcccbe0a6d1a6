import { Body, Controller, Get, Header, Param, ParseIntPipe, Post, Put } from '@nestjs/common';
import {
  FormBody, FormDraftBody, FormValidatorBody, KEY_PATTERN, type FormDraft, type FormValidatorModule, type FormSummary, type Items, type PublishedForm, type RecordData, type Unserialized,
} from '@crm/shared';
import type { FieldDef, FormDefinition } from '@crm/form-engine';
import { FormsService, type PublishedVersion } from './forms.service.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { RequestContext } from '../common/request-context.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import { RecordsService } from '../records/records.service.js';
import { Public } from '../common/public.decorator.js';
import { ValidatorModules } from './validator-modules.js';

/** A module addressed by its version or content never changes: the browser keeps it. */
const IMMUTABLE = 'private, max-age=31536000, immutable';

const KEY = KEY_PATTERN;

function lang() {
  return RequestContext.current()?.lang ?? 'zh-CN';
}
function formKey(k: string): string {
  if (!KEY.test(k)) throw new AppError(404, 'meta.form_not_found', { form: k.slice(0, 64) });
  return k;
}

/** A published version on the wire: its definition, version, derived JSON Schema, field snapshot and date. */
function publishedAnswer(pf: PublishedVersion): Unserialized<PublishedForm> {
  return { ...pf.definition, version: pf.version, schema: pf.schema, fields: pf.fields, publishedAt: pf.publishedAt };
}

@Controller('api/meta/forms')
export class FormsController {
  constructor(private readonly forms: FormsService) {}

  @Get()
  async list(): Promise<Items<Unserialized<FormSummary>>> {
    return { items: await this.forms.list() };
  }

  @Post()
  @RequireRight('designer')
  create(@Body() body: unknown): Promise<Unserialized<FormDraft>> {
    return this.forms.createDraft(parseInput(FormBody, body) as unknown as FormDefinition, lang());
  }

  @Get(':key')
  get(@Param('key') key: string): Promise<Unserialized<FormDraft>> {
    return this.forms.draft(formKey(key));
  }

  @Put(':key')
  @RequireRight('designer')
  update(@Param('key') key: string, @Body() body: unknown): Promise<Unserialized<FormDraft>> {
    const def = parseInput(FormDraftBody, body) as unknown as FormDefinition;
    return this.forms.updateDraft(formKey(key), def, lang());
  }

  @Post(':key/publish')
  @RequireRight('designer')
  publish(@Param('key') key: string, @CurrentUser() p: Principal): Promise<{ version: number }> {
    return this.forms.publish(formKey(key), lang(), p.id);
  }

  /** The published definition with its derived JSON Schema and the field snapshot it validates with. */
  @Get(':key/versions/:version')
  async version(@Param('key') key: string, @Param('version', ParseIntPipe) version: number): Promise<Unserialized<PublishedForm>> {
    return publishedAnswer(await this.forms.version(formKey(key), version));
  }

  /** The latest published version (what staff fill in). */
  @Get(':key/published')
  async latest(@Param('key') key: string): Promise<Unserialized<PublishedForm>> {
    return publishedAnswer(await this.forms.version(formKey(key), 'latest'));
  }

  /** The standalone validator (ES module) generated at publish time, for the browser under a strict CSP. */
  @Get(':key/versions/:version/validator.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', IMMUTABLE)
  validator(@Param('key') key: string, @Param('version', ParseIntPipe) version: number) {
    return this.forms.validatorModule(formKey(key), version);
  }
}

@Controller('api/forms')
export class FormSubmitController {
  constructor(
    private readonly forms: FormsService,
    private readonly records: RecordsService,
    private readonly validators: ValidatorModules,
  ) {}

  /** Compiles the data validator of a form (a draft in the designer, or a published one) for the browser. */
  @Post('validators')
  validator(@Body() body: unknown): Promise<Unserialized<FormValidatorModule>> {
    const { fields, form } = parseInput(FormValidatorBody, body);
    return this.validators.compile(fields as unknown as FieldDef[], form as unknown as FormDefinition, lang());
  }

  /** The compiled module, by its content address (see ValidatorModules: no token needed, nothing disclosed). */
  @Public()
  @Get('validators/:file')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', IMMUTABLE)
  validatorModule(@Param('file') file: string): Promise<string> {
    return this.validators.source(file);
  }

  /** Validates with the latest published version and writes the record in one transaction. */
  @Post(':key/submit')
  async submit(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal): Promise<RecordData> {
    const { form, compiled } = await this.forms.compiled(formKey(key), 'latest');
    return this.records.create(form.object, body ?? {}, p, { lang: lang(), form: { key: form.key, version: form.version, compiled } });
  }
}
