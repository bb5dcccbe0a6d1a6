/** Objects, fields and forms (`/api/meta/*`). Field and form definitions are checked in depth by the form engine. */
import { z } from 'zod';
import { Label } from './common.js';

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

export const ObjectSchema = z.object({
  key: z.string(),
  label: Label,
  description: z.string().nullable().optional(),
  app: z.string().nullable().optional(),
  icon: z.string().nullable().optional(),
  titleField: z.string().nullable().optional(),
  fields: z.array(FieldBody),
  deletedFields: z.array(z.string()),
});
