/** The parts a pack's latest install or upgrade left as the bank has them, for the designers who resolve them. */
import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ResolvePackConflictsBody } from '@crm/shared';
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
}
