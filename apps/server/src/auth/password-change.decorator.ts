import { SetMetadata } from '@nestjs/common';

export const WHILE_PASSWORD_CHANGE = 'crm:whilePasswordChange';
/** The route stays open to a user who signed in with a temporary password (every other route is 403). */
export const AllowWhilePasswordChange = () => SetMetadata(WHILE_PASSWORD_CHANGE, true);
