import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { AuditService } from './audit.service.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';

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
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequireRight('audit.read')
  list(@Query() query: unknown) {
    return this.audit.list(parseInput(AuditQuery, query));
  }

  @Get('verify')
  @RequireRight('audit.verify')
  verify() {
    return this.audit.verify();
  }
}
