import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { TriggersService } from './triggers.service.js';
import { TriggerBody, type Items, type Trigger, type Unserialized } from '@crm/shared';

@Controller('api/process-triggers')
export class TriggersController {
  constructor(private readonly triggers: TriggersService) {}

  @Post()
  @RequireRight('designer')
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<Unserialized<Trigger>> {
    return this.triggers.create(p, parseInput(TriggerBody, body));
  }

  @Get()
  @RequireRight('designer')
  list(): Promise<Unserialized<Items<Trigger>>> {
    return this.triggers.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRight('designer')
  async remove(@CurrentUser() p: Principal, @Param('id') id: string) {
    await this.triggers.remove(p, id);
  }
}
