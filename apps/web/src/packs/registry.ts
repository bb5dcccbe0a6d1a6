/**
 * The solution packs the web app renders: the shell takes their routes and menu entries from here
 * only. A build without packs (CRM_WEB_PACKS=none, see vite.config.ts) swaps `./installed` for `./none`.
 */
import { WEB_PACKS } from './installed';
import type { PackMenuItem, PackRecordLink, WebPack } from './web-pack';

export function webPacks(): readonly WebPack[] {
  return WEB_PACKS;
}

export function packMenu(): PackMenuItem[] {
  return WEB_PACKS.flatMap((p) => p.menu);
}

/** The pack buttons for a record of `objectKey`. */
export function packRecordLinks(objectKey: string): PackRecordLink[] {
  return WEB_PACKS.flatMap((p) => p.recordLinks ?? []).filter((l) => l.appliesTo(objectKey));
}
