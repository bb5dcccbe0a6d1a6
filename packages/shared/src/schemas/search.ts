/** Global search (`GET /api/search`, the Ctrl+K palette): records the caller may read and their tasks. */
import { z } from 'zod';
import { LocalizedTextSchema } from './common.js';

export const SEARCH_MAX_PER_GROUP = 20;

export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(SEARCH_MAX_PER_GROUP).default(8),
});
export type SearchParams = z.input<typeof SearchQuery>;

export const SearchHitSchema = z.strictObject({
  id: z.string(),
  /** The record's title as the caller may see it (masked when they see the field masked). */
  title: z.string().nullable(),
  /** A second line: the customer number, or the field that matched (shown as the caller may see it). */
  subtitle: z.string().nullable(),
  /** How it matched: `title`, `number` (an auto-number field) or `identifier` (a full ID or mobile number through its keyed hash). */
  match: z.enum(['title', 'number', 'identifier']),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchResultSchema = z.strictObject({
  groups: z.array(z.strictObject({
    object: z.string(),
    label: LocalizedTextSchema,
    items: z.array(SearchHitSchema),
  })),
  tasks: z.array(z.strictObject({ id: z.string(), name: z.string().nullable(), dueAt: z.string().nullable(), contextTitle: z.string().nullable() })),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;
