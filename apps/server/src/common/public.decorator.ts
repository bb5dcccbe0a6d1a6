import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'crm:isPublic';
/** Marks a route as reachable without a token. Every other route is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
