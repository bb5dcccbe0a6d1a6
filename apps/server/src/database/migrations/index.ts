/** Every platform migration, in order. Add new ones at the end; never edit one that has shipped. */
import { Foundation0001 } from './0001-foundation.js';
import { Audit0002 } from './0002-audit.js';

export const migrations = [Foundation0001, Audit0002];
