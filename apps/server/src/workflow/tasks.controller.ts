import { VariablesViewInterceptor } from './variables-view.interceptor.js';
import { Body, Controller, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { TasksService } from './tasks.service.js';
import { CompleteBody, TaskQuery, type CompleteTaskResponse, type Items, type Task, type TaskDetail, type Unserialized } from '@crm/shared';

/**
 * Answers that carry process variables pass the variables view (the reader's field rights); the
 * completion answer carries none (ids and the next tasks), so that hot route runs without it.
 */
@Controller('api/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @UseInterceptors(VariablesViewInterceptor)
  @Get()
  list(@CurrentUser() p: Principal, @Query() q: unknown): Promise<Unserialized<Items<Task>>> {
    const { scope, limit } = parseInput(TaskQuery, q);
    return this.tasks.list(p, scope, limit);
  }

  @UseInterceptors(VariablesViewInterceptor)
  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Unserialized<TaskDetail>> {
    return this.tasks.get(p, id);
  }

  @UseInterceptors(VariablesViewInterceptor)
  @Post(':id/claim')
  @HttpCode(200)
  claim(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Unserialized<Task>> {
    return this.tasks.claim(p, id);
  }

  @Post(':id/complete')
  @HttpCode(200)
  complete(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<Unserialized<CompleteTaskResponse>> {
    return this.tasks.complete(p, id, parseInput(CompleteBody, body).variables);
  }
}
