/** What a solution pack adds to the web app: pages under the shell and entries in its menu. */
import type { ReactNode } from 'react';
import type { RouteObject } from 'react-router';

export interface PackMenuItem {
  /** The path the entry opens; also the menu key (pages under it keep the entry selected). */
  path: string;
  icon: ReactNode;
  label: { 'zh-CN': string; en: string };
  /**
   * What the entry needs, as the server's guard of its page does: a platform right, and/or an object
   * action (checked when the signed-in user's answer lists object actions). No entry without it.
   */
  requires?: { platform?: string; object?: { key: string; action: string } };
}

/** A button on a record's page leading to a pack page about that record. */
export interface PackRecordLink {
  appliesTo(objectKey: string): boolean;
  to(recordId: string): string;
  icon: ReactNode;
  label: { 'zh-CN': string; en: string };
}

export interface WebPack {
  key: string;
  /** Child routes of the shell (relative paths, e.g. `customers/:id`). */
  routes: RouteObject[];
  /** Entries shown after "My tasks". */
  menu: PackMenuItem[];
  recordLinks?: PackRecordLink[];
}
