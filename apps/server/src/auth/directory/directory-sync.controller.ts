/** User administrators run the directory check now (the same pass the timer runs). */
import { Controller, HttpCode, Post } from '@nestjs/common';
import type { DirectorySyncResult } from '@crm/shared';
import { RequireRight } from '../../access/platform-rights.js';
import { AppError } from '../../common/app-error.js';
import { DirectoryAccounts } from './directory-accounts.js';
import { DirectoryUnavailable } from './ldap-directory.js';

@Controller('api/admin/directory')
@RequireRight('admin.users')
export class DirectorySyncController {
  constructor(private readonly accounts: DirectoryAccounts) {}

  /** → `{ checked, disabled: [username], busy }`; 404 when no directory is configured. */
  @Post('sync')
  @HttpCode(200)
  async sync(): Promise<DirectorySyncResult> {
    if (!(await this.accounts.directory())) throw new AppError(404, 'common.not_found');
    try {
      return await this.accounts.sync();
    } catch (err) {
      if (err instanceof DirectoryUnavailable) throw new AppError(503, 'auth.directory_unavailable');
      throw err;
    }
  }
}
