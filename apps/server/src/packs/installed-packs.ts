/**
 * THE list of solution packs built into this release. The platform reads packs only from here; a
 * build without packs replaces this file with an empty list (scripts/build-without-packs.mjs).
 */
import type { SolutionPack } from './solution-pack.js';
import { bankCrmPack } from './bank-crm/bank-crm.pack.js';

export const INSTALLED_PACKS: readonly SolutionPack[] = [bankCrmPack];
