/** Objects, fields and forms (`/api/meta/*`). Field and form definitions are checked in depth by the form engine. */
import { z } from 'zod';
import type { FieldOptions, FieldType } from '@crm/form-engine';
import { Label, LocalizedTextSchema, Timestamp } from './common.js';
import type { FormRule, LayoutItem } from '../form-types.js';

/** A field definition: its key here, every other property checked by the metadata service (per field type). */
export const FieldBody = z.object({ key: z.string().max(63) }).passthrough();
export const FieldPatchBody = z.object({}).passthrough();

export const CreateObjectBody = z.object({
  key: z.string().max(63),
  label: Label,
  description: z.string().max(2000).optional(),
  app: z.string().max(100).optional(),
  icon: z.string().max(100).optional(),
  titleField: z.string().max(63).optional(),
  fields: z.array(FieldBody).max(500).optional(),
}).strict();
export const UpdateObjectBody = z.object({
  label: Label.optional(),
  description: z.string().max(2000).nullable().optional(),
  app: z.string().max(100).nullable().optional(),
  icon: z.string().max(100).nullable().optional(),
  titleField: z.string().max(63).nullable().optional(),
}).strict();
export const PurgeQuery = z.object({ purge: z.enum(['true', 'false']).optional() });

/** A form definition: key and object here, layout, rules and FEEL checked by the form engine. */
export const FormBody = z.object({ key: z.string().max(63), object: z.string().max(63) }).passthrough();
export const FormDraftBody = z.object({ object: z.string().max(63) }).passthrough();

// ---------------------------------------------------------------- answers

/** A field as the server sends it: the form engine's field definition (`FieldDef`), nothing more. */
export const FieldSchema = z.strictObject({
  key: z.string(),
  label: LocalizedTextSchema,
  type: z.custom<FieldType>((v) => typeof v === 'string'),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  options: z.custom<FieldOptions>((v) => typeof v === 'object' && v !== null).optional(),
  default: z.unknown().optional(),
  sensitivity: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]).optional(),
  /** relation: the key of the target object */
  target: z.string().optional(),
});

export const ObjectSchema = z.strictObject({
  key: z.string(),
  label: LocalizedTextSchema,
  description: z.string().nullable().optional(),
  /** The application (menu group) the object belongs to. */
  app: z.string().nullable().optional(),
  icon: z.string().nullable().optional(),
  /** The field that names a record (its title in lists, links and the 360° view). */
  titleField: z.string().nullable().optional(),
  fields: z.array(FieldSchema),
  /** Keys of deleted fields whose data is kept until purged. */
  deletedFields: z.array(z.string()),
});

/** A form in the list of forms (`GET /api/meta/forms`). */
export const FormSummarySchema = z.strictObject({
  key: z.string(),
  object: z.string(),
  title: LocalizedTextSchema,
  /** The latest published version; 0 while the form has never been published. */
  latestVersion: z.number().int(),
  updatedAt: Timestamp,
});

/** A form definition as stored: layout, rules and computed fields are the form engine's types (checked there). */
const formDefinition = {
  key: z.string(),
  object: z.string(),
  title: LocalizedTextSchema,
  layout: z.array(z.custom<LayoutItem>((v) => typeof v === 'object' && v !== null)),
  rules: z.array(z.custom<FormRule>((v) => typeof v === 'object' && v !== null)).optional(),
  computed: z.record(z.string(), z.string()).optional(),
};
export const FormDraftSchema = z.object({ ...formDefinition, latestVersion: z.number().int(), updatedAt: Timestamp }).catchall(z.unknown());
export const PublishedFormSchema = z.object({
  ...formDefinition,
  version: z.number().int(),
  /** The JSON Schema (2020-12) derived from the object's fields and the form's constraints. */
  schema: z.record(z.string(), z.unknown()),
  /** The object's fields as of publication. */
  fields: z.array(FieldSchema),
  publishedAt: Timestamp,
}).catchall(z.unknown());
export const PublishFormResponseSchema = z.strictObject({ version: z.number().int() });
