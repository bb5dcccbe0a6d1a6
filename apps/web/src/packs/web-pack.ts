/** What a solution pack adds to the web app: pages under the shell and entries in its menu. */
import type { ReactNode } from 'react';
import type { RouteObject } from 'react-router';
import type { Requirement } from '../lib/rights';

export interface PackMenuItem {
  /** The path the entry opens; also the menu key (pages under it keep the entry selected). */
  path: string;
  icon: ReactNode;
  label: { 'zh-CN': string; en: string };
  /** The rights the entry (and its pages) need; none: every signed-in user. */
  need?: Requirement;
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
