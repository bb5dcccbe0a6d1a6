/** The pack list of a build without solution packs (CRM_WEB_PACKS=none). */
import type { WebPack } from './web-pack';

export const WEB_PACKS: readonly WebPack[] = [];
