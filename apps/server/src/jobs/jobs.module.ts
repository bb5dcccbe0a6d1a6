import { Global, Module } from '@nestjs/common';
import { JobRegistry } from './job-registry.js';
import { JobsService } from './jobs.service.js';
import { JobRunner } from './job-runner.js';
import { JobsController } from './jobs.controller.js';

/** Background jobs: global, so every capability can register handlers and enqueue work. */
@Global()
@Module({ providers: [JobRegistry, JobsService, JobRunner], controllers: [JobsController], exports: [JobRegistry, JobsService] })
export class JobsModule {}
