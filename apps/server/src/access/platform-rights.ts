/** `@RequireRight(...)`: the platform rights a route needs (the list itself is the shared contract's). */
import { SetMetadata } from '@nestjs/common';
import type { PlatformRight } from '@crm/shared';

export { PLATFORM_RIGHTS, type PlatformRight } from '@crm/shared';

export const REQUIRED_RIGHTS = 'crm:requiredRights';
/** The route needs every one of these platform rights (any role of the caller may grant them). */
export const RequireRight = (...rights: PlatformRight[]) => SetMetadata(REQUIRED_RIGHTS, rights);
