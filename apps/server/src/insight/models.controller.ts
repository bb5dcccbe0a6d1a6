import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { KEY_PATTERN, ModelBody, ModelPatchBody } from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { RequireRight } from '../access/platform-rights.js';
import { AppError } from '../common/app-error.js';
import { parseInput } from '../common/validation.js';
import { ModelsService } from './models.service.js';

function modelKey(k: string): string {
  if (!KEY_PATTERN.test(k)) throw new AppError(404, 'models.not_found', { model: k.slice(0, 64) });
  return k;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Controller('api/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  async list(@CurrentUser() p: Principal) {
    return { items: await this.models.list(p) };
  }

  @Post()
  @RequireRight('designer')
  create(@Body() body: unknown, @CurrentUser() p: Principal) {
    return this.models.create(parseInput(ModelBody, body), p);
  }

  @Get(':key')
  get(@Param('key') key: string, @CurrentUser() p: Principal) {
    return this.models.get(modelKey(key), p);
  }

  @Get(':key/versions')
  async versions(@Param('key') key: string, @CurrentUser() p: Principal) {
    return { items: await this.models.versions(modelKey(key), p) };
  }

  @Patch(':key')
  @RequireRight('designer')
  update(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return this.models.update(modelKey(key), parseInput(ModelPatchBody, body), p);
  }

  @Delete(':key')
  @HttpCode(204)
  @RequireRight('designer')
  async remove(@Param('key') key: string) {
    await this.models.remove(modelKey(key));
  }

  @Post(':key/train')
  @HttpCode(202)
  @RequireRight('designer')
  train(@Param('key') key: string, @CurrentUser() p: Principal) {
    return this.models.startTraining(modelKey(key), p);
  }

  @Post(':key/score')
  @HttpCode(202)
  @RequireRight('designer')
  score(@Param('key') key: string, @CurrentUser() p: Principal) {
    return this.models.startScoring(modelKey(key), p);
  }

  @Get(':key/explain/:recordId')
  explain(@Param('key') key: string, @Param('recordId') recordId: string, @CurrentUser() p: Principal) {
    if (!UUID.test(recordId)) throw new AppError(404, 'models.record_not_found');
    return this.models.explain(modelKey(key), recordId, p);
  }
}
