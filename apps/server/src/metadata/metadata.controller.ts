import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import type { FieldDef } from '@crm/form-engine';
import { MetadataService } from './metadata.service.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { RequestContext } from '../common/request-context.js';
import { AppError } from '../common/app-error.js';
import type { ObjectMeta } from './metadata.types.js';

const Label = z.union([z.string().min(1).max(200), z.object({ 'zh-CN': z.string().max(200).optional(), en: z.string().max(200).optional() }).strict()]);
const KeyParam = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/);
const FieldShape = z.object({ key: z.string().max(63) }).passthrough();
const CreateObject = z.object({
  key: z.string().max(63),
  label: Label,
  description: z.string().max(2000).optional(),
  app: z.string().max(100).optional(),
  icon: z.string().max(100).optional(),
  titleField: z.string().max(63).optional(),
  fields: z.array(FieldShape).max(500).optional(),
}).strict();
const UpdateObject = z.object({
  label: Label.optional(),
  description: z.string().max(2000).nullable().optional(),
  app: z.string().max(100).nullable().optional(),
  icon: z.string().max(100).nullable().optional(),
  titleField: z.string().max(63).nullable().optional(),
}).strict();
const Purge = z.object({ purge: z.enum(['true', 'false']).optional() });

export function objectView(o: ObjectMeta) {
  return { key: o.key, label: o.label, description: o.description, app: o.app, icon: o.icon, titleField: o.titleField, fields: o.fields, deletedFields: o.deletedFields.map((f) => f.key) };
}

function lang() {
  return RequestContext.current()?.lang ?? 'zh-CN';
}

function key(v: string, what: 'object' | 'field'): string {
  if (!KeyParam.safeParse(v).success) throw new AppError(404, what === 'object' ? 'meta.object_not_found' : 'meta.field_not_found', { object: v.slice(0, 64), field: v.slice(0, 64) });
  return v;
}

@Controller('api/meta/objects')
export class MetadataController {
  constructor(private readonly meta: MetadataService) {}

  /** Any signed-in user may read object metadata (the app menu is built from it); changes need `designer`. */
  @Get()
  async list() {
    return { items: (await this.meta.objects()).map(objectView) };
  }

  @Post()
  @RequireRight('designer')
  async create(@Body() body: unknown) {
    const input = parseInput(CreateObject, body);
    return objectView(await this.meta.createObject({ ...input, fields: input.fields as FieldDef[] | undefined }, lang()));
  }

  @Get(':object')
  async get(@Param('object') object: string) {
    return objectView(await this.meta.object(key(object, 'object')));
  }

  @Patch(':object')
  @RequireRight('designer')
  async update(@Param('object') object: string, @Body() body: unknown) {
    return objectView(await this.meta.updateObject(key(object, 'object'), parseInput(UpdateObject, body)));
  }

  @Delete(':object')
  @RequireRight('designer')
  @HttpCode(204)
  async remove(@Param('object') object: string, @Query() q: unknown) {
    await this.meta.deleteObject(key(object, 'object'), parseInput(Purge, q).purge === 'true');
  }

  @Post(':object/fields')
  @RequireRight('designer')
  addField(@Param('object') object: string, @Body() body: unknown) {
    return this.meta.addField(key(object, 'object'), parseInput(FieldShape, body) as unknown as FieldDef, lang());
  }

  @Patch(':object/fields/:field')
  @RequireRight('designer')
  updateField(@Param('object') object: string, @Param('field') field: string, @Body() body: unknown) {
    const patch = parseInput(z.object({}).passthrough(), body) as Partial<FieldDef>;
    if ('key' in patch && patch.key !== field) throw new AppError(400, 'meta.invalid_field', {}, [{ path: '/key', code: 'immutable', message: 'a field key cannot change' }]);
    return this.meta.updateField(key(object, 'object'), key(field, 'field'), patch, lang());
  }

  @Delete(':object/fields/:field')
  @RequireRight('designer')
  @HttpCode(204)
  async removeField(@Param('object') object: string, @Param('field') field: string, @Query() q: unknown) {
    await this.meta.deleteField(key(object, 'object'), key(field, 'field'), parseInput(Purge, q).purge === 'true');
  }
}
