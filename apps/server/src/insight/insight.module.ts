/** Insight: models as metadata — training, scoring into ordinary fields, exact per-feature explanations. */
import { Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RecordsModule } from '../records/records.module.js';
import { JobRegistry } from '../jobs/job-registry.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ModelsController } from './models.controller.js';
import { ModelsService } from './models.service.js';
import { ModelJobs } from './model-jobs.js';
import { MlPool } from './ml-pool.js';
import { MODEL_SCHEDULE_CLOCK, NightlyScoring, systemClock } from './nightly-scoring.js';
import './models.messages.js';

@Module({
  imports: [AuditModule, RecordsModule, JobsModule],
  providers: [ModelsService, ModelJobs, MlPool, NightlyScoring, { provide: MODEL_SCHEDULE_CLOCK, useValue: systemClock }],
  controllers: [ModelsController],
  exports: [ModelsService],
})
export class InsightModule implements OnModuleInit {
  constructor(
    private readonly registry: JobRegistry,
    private readonly jobs: ModelJobs,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.jobs.train);
    this.registry.register(this.jobs.score);
    this.registry.register(this.jobs.changes);
  }
}
