import { VariablesViewInterceptor } from './variables-view.interceptor.js';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { ProcessInstancesService } from './process-instances.service.js';
import {
  IncidentQuery, InstanceQuery, MessageBody, SignalBody, VariablesBody,
  type Incident, type Items, type ProcessInstance, type ProcessInstanceSummary, type Unserialized,
} from '@crm/shared';

@Controller('api/process-instances')
@UseInterceptors(VariablesViewInterceptor)
export class ProcessInstancesController {
  constructor(private readonly instances: ProcessInstancesService) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() q: unknown): Promise<Unserialized<Items<ProcessInstanceSummary>>> {
    return this.instances.list(p, parseInput(InstanceQuery, q));
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Unserialized<ProcessInstance>> {
    return this.instances.get(p, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Unserialized<ProcessInstance>> {
    return this.instances.cancel(p, id);
  }

  /** An administrator fixes data (e.g. before retrying an incident). */
  @Put(':id/variables')
  setVariables(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<Unserialized<ProcessInstance>> {
    return this.instances.setVariables(p, id, parseInput(VariablesBody, body).variables);
  }
}

@Controller('api')
@UseInterceptors(VariablesViewInterceptor)
export class WorkflowEventsController {
  constructor(private readonly instances: ProcessInstancesService) {}

  @Post('messages')
  @HttpCode(200)
  message(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.instances.message(p, parseInput(MessageBody, body));
  }

  @Post('signals')
  @HttpCode(200)
  signal(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.instances.signal(p, parseInput(SignalBody, body));
  }

  @Get('incidents')
  incidents(@CurrentUser() p: Principal, @Query() q: unknown): Promise<Unserialized<Items<Incident>>> {
    return this.instances.incidents(p, parseInput(IncidentQuery, q));
  }

  @Post('incidents/:id/retry')
  @HttpCode(200)
  @RequireRight('process.admin')
  retry(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Unserialized<ProcessInstance>> {
    return this.instances.retryIncident(p, id);
  }
}
