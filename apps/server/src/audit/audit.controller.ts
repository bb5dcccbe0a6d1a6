import { Controller, Get, Query } from '@nestjs/common';
import { AuditListQuery, type AuditPage, type AuditVerifyResult, type Unserialized } from '@crm/shared';
import { AuditService } from './audit.service.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { AuditView } from './audit-view.js';

@Controller('api/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly view: AuditView,
  ) {}

  @Get()
  @RequireRight('audit.read')
  async list(@Query() query: unknown, @CurrentUser() p: Principal): Promise<Unserialized<AuditPage>> {
    const page = await this.audit.list(parseInput(AuditListQuery, query));
    return { ...page, items: await this.view.forReader(page.items, p) };
  }

  @Get('verify')
  @RequireRight('audit.verify')
  verify(): Promise<AuditVerifyResult> {
    return this.audit.verify();
  }
}
