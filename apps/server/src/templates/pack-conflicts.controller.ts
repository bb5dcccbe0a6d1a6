/** The parts a pack's latest install or upgrade left as the bank has them, for the designers who resolve them. */
import { Controller, Get, Param } from '@nestjs/common';
import { RequireRight } from '../access/platform-rights.js';
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
}
