import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { AuditService } from './audit.service.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { AuditView } from './audit-view.js';

const AuditQuery = z.object({
  actor: z.string().max(100).optional(),
  object: z.string().max(100).optional(),
  recordId: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d{1,19}$/).optional(),
});

@Controller('api/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly view: AuditView,
  ) {}

  @Get()
  @RequireRight('audit.read')
  async list(@Query() query: unknown, @CurrentUser() p: Principal) {
    const page = await this.audit.list(parseInput(AuditQuery, query));
    return { ...page, items: await this.view.forReader(page.items, p) };
  }

  @Get('verify')
  @RequireRight('audit.verify')
  verify() {
    return this.audit.verify();
  }
}
