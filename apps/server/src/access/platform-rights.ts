/** Platform rights (designer, admin.users, admin.roles, audit.read, audit.verify, …) granted by roles. */
import { SetMetadata } from '@nestjs/common';

export const PLATFORM_RIGHTS = ['designer', 'admin.users', 'admin.roles', 'admin.org', 'audit.read', 'audit.verify', 'process.start', 'process.admin'] as const;
export type PlatformRight = (typeof PLATFORM_RIGHTS)[number];

export const REQUIRED_RIGHTS = 'crm:requiredRights';
/** The route needs every one of these platform rights (any role of the caller may grant them). */
export const RequireRight = (...rights: PlatformRight[]) => SetMetadata(REQUIRED_RIGHTS, rights);
