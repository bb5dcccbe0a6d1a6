/** THE list of solution packs built into the web app. */
import type { WebPack } from './web-pack';
import { bankCrmWebPack } from './bank-crm';

export const WEB_PACKS: readonly WebPack[] = [bankCrmWebPack];
