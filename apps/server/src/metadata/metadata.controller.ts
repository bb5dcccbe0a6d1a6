import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CreateObjectBody, FieldBody, FieldPatchBody, Key, PurgeQuery, UpdateObjectBody, type Field, type Items, type ObjectDefinition } from '@crm/shared';
import type { FieldDef } from '@crm/form-engine';
import { MetadataService } from './metadata.service.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { RequestContext } from '../common/request-context.js';
import { AppError } from '../common/app-error.js';
import type { ObjectMeta } from './metadata.types.js';

const KeyParam = Key;

export function objectView(o: ObjectMeta): ObjectDefinition {
  return { key: o.key, label: o.label, description: o.description, app: o.app, icon: o.icon, titleField: o.titleField, subjectField: o.subjectField, fields: o.fields, deletedFields: o.deletedFields.map((f) => f.key), rules: o.rules, defaultForms: o.defaultForms };
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
  async list(): Promise<Items<ObjectDefinition>> {
    return { items: (await this.meta.objects()).map(objectView) };
  }

  @Post()
  @RequireRight('designer')
  async create(@Body() body: unknown): Promise<ObjectDefinition> {
    const input = parseInput(CreateObjectBody, body);
    return objectView(await this.meta.createObject({ ...input, fields: input.fields as FieldDef[] | undefined }, lang()));
  }

  @Get(':object')
  async get(@Param('object') object: string): Promise<ObjectDefinition> {
    return objectView(await this.meta.object(key(object, 'object')));
  }

  @Patch(':object')
  @RequireRight('designer')
  async update(@Param('object') object: string, @Body() body: unknown): Promise<ObjectDefinition> {
    return objectView(await this.meta.updateObject(key(object, 'object'), parseInput(UpdateObjectBody, body), undefined, lang()));
  }

  @Delete(':object')
  @RequireRight('designer')
  @HttpCode(204)
  async remove(@Param('object') object: string, @Query() q: unknown) {
    await this.meta.deleteObject(key(object, 'object'), parseInput(PurgeQuery, q).purge === 'true');
  }

  @Post(':object/fields')
  @RequireRight('designer')
  addField(@Param('object') object: string, @Body() body: unknown): Promise<Field> {
    return this.meta.addField(key(object, 'object'), parseInput(FieldBody, body) as unknown as FieldDef, lang());
  }

  @Patch(':object/fields/:field')
  @RequireRight('designer')
  updateField(@Param('object') object: string, @Param('field') field: string, @Body() body: unknown): Promise<Field> {
    const patch = parseInput(FieldPatchBody, body) as Partial<FieldDef>;
    if ('key' in patch && patch.key !== field) throw new AppError(400, 'meta.invalid_field', {}, [{ path: '/key', code: 'immutable', message: 'a field key cannot change' }]);
    return this.meta.updateField(key(object, 'object'), key(field, 'field'), patch, lang());
  }

  @Delete(':object/fields/:field')
  @RequireRight('designer')
  @HttpCode(204)
  async removeField(@Param('object') object: string, @Param('field') field: string, @Query() q: unknown) {
    await this.meta.deleteField(key(object, 'object'), key(field, 'field'), parseInput(PurgeQuery, q).purge === 'true');
  }
}
