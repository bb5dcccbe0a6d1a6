/** `GET /api/jobs/:id`: the state of long work, for its starter and for administrators. */
import { Controller, Get, Param } from '@nestjs/common';
import type { JobView } from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { AccessService } from '../access/access.service.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { JobsService } from './jobs.service.js';

/** Platform rights that see every job (operations: users' and processes' administrators). */
const SEES_ALL_JOBS = ['admin.users', 'process.admin'];

@Controller('api/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService, private readonly access: AccessService) {}

  @Get(':id')
  async get(@CurrentUser() p: Principal, @Param('id') id: string): Promise<JobView> {
    const job = await this.jobs.get(id, RequestContext.current()?.lang ?? 'zh-CN');
    // Someone else's job is answered exactly like a missing one: ids are not probed.
    if (!job) throw new AppError(404, 'job.not_found');
    if (job.createdBy !== p.id) {
      const rights = await this.access.platformRights(p.roles);
      if (!SEES_ALL_JOBS.some((r) => rights.has(r))) throw new AppError(404, 'job.not_found');
    }
    return job;
  }
}
