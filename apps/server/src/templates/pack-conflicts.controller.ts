/** The parts a pack's latest install or upgrade left as the bank has them, for the designers who resolve them. */
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ResolvePackConflictsBody, type InstallResult } from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { RequestContext } from '../common/request-context.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { TemplatesService } from './templates.service.js';

@Controller('api/admin/packs')
export class PackConflictsController {
  constructor(private readonly templates: TemplatesService) {}

  /** Same right as installing: whoever may upgrade a pack sees what the upgrade did not apply. */
  @Get(':key/conflicts')
  @RequireRight('designer')
  conflicts(@Param('key') key: string) {
    return this.templates.conflicts(key);
  }

  /** The bank keeps its own version of the named parts: later installs keep it silently until the pack changes the part again. */
  @Post(':key/conflicts/resolve')
  @RequireRight('designer')
  resolve(@Param('key') key: string, @Body() body: unknown) {
    const { parts } = parseInput(ResolvePackConflictsBody, body);
    return this.templates.resolveConflicts(key, parts);
  }

  /** What upgrading to the bundled version would change, before it is applied (nothing is written). */
  @Post(':key/preview')
  @HttpCode(200)
  @RequireRight('designer')
  preview(@CurrentUser() p: Principal, @Param('key') key: string): Promise<InstallResult> {
    return this.templates.preview(key, p, RequestContext.current()?.lang ?? 'zh-CN');
  }
}
