import { Controller, Get, Query } from '@nestjs/common';
import { DirectoryQuery, type DirectoryUser, type Items } from '@crm/shared';
import { AccessService } from '../access/access.service.js';
import { AppError } from '../common/app-error.js';
import { parseInput } from '../common/validation.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { AdminService } from './admin.service.js';

/** Who may look people up by name: whoever picks an assignee or candidate (designers, process starters) or manages users. */
const DIRECTORY_READERS = ['designer', 'process.start', 'process.admin', 'admin.users'];

/**
 * The read-only staff directory behind the pickers (a task's assignee, excluded users, user fields):
 * active people's names only — no roles, org unit, sign-in data or service accounts.
 */
@Controller('api/directory')
export class DirectoryController {
  constructor(
    private readonly admin: AdminService,
    private readonly access: AccessService,
  ) {}

  @Get('users')
  async users(@CurrentUser() p: Principal, @Query() q: unknown): Promise<Items<DirectoryUser>> {
    const rights = await this.access.platformRights(p.roles);
    if (!DIRECTORY_READERS.some((r) => rights.has(r))) throw new AppError(403, 'common.forbidden');
    return this.admin.directory(parseInput(DirectoryQuery, q));
  }
}
