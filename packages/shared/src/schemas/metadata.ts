/** Objects, fields and forms (`/api/meta/*`). Field and form definitions are checked in depth by the form engine. */
import { z } from 'zod';
import { isFieldType, MASK_SHAPE } from '@crm/form-engine';
import type {
  Choice, FieldDef, FieldItem, FieldOptions, FieldType, FormDefinition, GroupItem, LayoutItem, LocalizedText, Pane, PanesItem, Rule, SectionItem,
} from '@crm/form-engine';
import { Key, Label, LocalizedTextSchema, Timestamp } from './common.js';

/** A field definition: its key here, every other property checked by the metadata service (per field type). */
export const FieldBody = z.object({ key: z.string().max(63) }).passthrough();
export const FieldPatchBody = z.object({}).passthrough();

/** An object's validation rule: when `when` holds (or always), `require` fields must have values and `assert` must be true. */
export const ObjectRuleSchema = z.strictObject({
  key: Key,
  when: z.string().min(1).max(2000).optional(),
  require: z.array(Key).max(100).optional(),
  assert: z.string().min(1).max(2000).optional(),
  /** Shown to whoever writes a record that breaks the rule, in their language (en falls back to zh-CN). */
  message: z.strictObject({ 'zh-CN': z.string().min(1).max(500), en: z.string().min(1).max(500).optional() }),
}).meta({ id: 'ObjectRule' });
export const ObjectRulesSchema = z.array(ObjectRuleSchema).max(100);
/** The published forms an object's pages use: 新建 (create) and 编辑 (edit, also the detail layout). */
export const DefaultFormsSchema = z.strictObject({ create: Key.optional(), edit: Key.optional() });

export const CreateObjectBody = z.object({
  key: z.string().max(63),
  label: Label,
  description: z.string().max(2000).optional(),
  app: z.string().max(100).optional(),
  icon: z.string().max(100).optional(),
  titleField: z.string().max(63).optional(),
  /** PIPL: the relation field that makes the object's records belong to a data subject (a customer). */
  subjectField: z.string().max(63).optional(),
  fields: z.array(FieldBody).max(500).optional(),
  rules: ObjectRulesSchema.optional(),
  defaultForms: DefaultFormsSchema.optional(),
}).strict();
export const UpdateObjectBody = z.object({
  label: Label.optional(),
  description: z.string().max(2000).nullable().optional(),
  app: z.string().max(100).nullable().optional(),
  icon: z.string().max(100).nullable().optional(),
  titleField: z.string().max(63).nullable().optional(),
  subjectField: z.string().max(63).nullable().optional(),
  rules: ObjectRulesSchema.optional(),
  defaultForms: DefaultFormsSchema.optional(),
}).strict();
export const PurgeQuery = z.object({ purge: z.enum(['true', 'false']).optional() });

/** A form definition: key and object here, layout, rules and FEEL checked by the form engine. */
export const FormBody = z.object({ key: z.string().max(63), object: z.string().max(63) }).passthrough();
export const FormDraftBody = z.object({ object: z.string().max(63) }).passthrough();
/** A form (draft or published) and the fields it places, to compile its data validator on the server. */
export const FormValidatorBody = z.strictObject({
  fields: z.array(z.record(z.string(), z.unknown())).max(2000),
  form: z.object({ object: z.string().max(63) }).passthrough(),
});

// ---------------------------------------------------------------- answers

/** Where the compiled validator module is served (same origin, `text/javascript`). */
export const FormValidatorModuleSchema = z.strictObject({ url: z.string() });
export type FormValidatorModule = z.infer<typeof FormValidatorModuleSchema>;

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
  /** PIPL: the relation field that makes this object's records belong to a data subject (found by `/api/privacy/subjects`). */
  subjectField: z.string().nullable().optional(),
  fields: z.array(FieldSchema),
  /** Keys of deleted fields whose data is kept until purged. */
  deletedFields: z.array(z.string()),
  /** Validation rules the server enforces on every create and update. */
  rules: z.array(ObjectRuleSchema),
  /** The published forms the object's 新建 / 编辑 pages use. */
  defaultForms: DefaultFormsSchema,
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

// ---------------------------------------------------------------- form definitions
//
// The form definition exactly as the form engine's JSON Schema (engine-specs/forms/form-definition.schema.json)
// describes it: every object is closed, keys match the key pattern, FEEL texts are non-empty. The TypeScript
// types are the form engine's own (the annotations below make the compiler check that each schema yields
// them); form-definition.test.ts checks that this schema and the JSON Schema accept the same definitions.

const fieldPath = z.string().regex(/^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$/);
const feel = z.string().min(1);
const unique = <T extends z.ZodType<string>>(item: T) =>
  z.array(item).refine((a) => new Set(a).size === a.length, { message: 'must not repeat an item' });

/** A text in a form definition: a non-empty string, or texts keyed by language tag (at least one). */
export const FormTextSchema: z.ZodType<LocalizedText> = z.union([
  z.string().min(1),
  z.strictObject({ 'zh-CN': z.string().optional(), en: z.string().optional() })
    .refine((o) => Object.keys(o).length > 0, { message: 'must name at least one language' }),
]);

const ChoiceSchema: z.ZodType<Choice> = z.strictObject({ value: z.string().min(1).max(100), label: FormTextSchema });

/** Type-specific settings of a field in a form definition; a type's own further settings are kept. */
const FieldOptionsSchema: z.ZodType<FieldOptions> = z.looseObject({
  choices: z.array(ChoiceSchema).min(1).optional(),
  precision: z.number().int().min(1).max(38).optional(),
  scale: z.number().int().min(0).max(38).optional(),
  maxLength: z.number().int().min(1).max(100000).optional(),
  minLength: z.number().int().min(0).optional(),
  pattern: z.string().min(1).optional(),
  patternMessage: FormTextSchema.optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  allowLandline: z.boolean().optional(),
  maxItems: z.number().int().min(1).optional(),
  expression: feel.optional(),
  /** 'name', 'none', or masked by type: 'last4' or a shape such as '#### **** **** ####' (masked for callers without unmask). */
  mask: z.union([z.enum(['name', 'none', 'last4']), z.string().max(40).regex(MASK_SHAPE, { message: "a mask shape: kept '#'s at each end (up to 6), '*'s between" })]).optional(),
});

/** The settings a field type cannot do without (the JSON Schema's `allOf` of `$defs/field`). */
const REQUIRED_OPTIONS: Record<string, readonly string[]> = {
  select: ['choices'], multiselect: ['choices'], decimal: ['precision', 'scale'], auto_number: ['pattern'], computed: ['expression'],
};

/** A field declared inline (a repeating group's row field): the JSON Schema's `$defs/field`. */
export const FormFieldDefSchema: z.ZodType<FieldDef> = z.strictObject({
  key: Key,
  label: FormTextSchema,
  /** A field type registered with the form engine (the built-in ones, and any an extension adds). */
  type: z.custom<FieldType>((v) => typeof v === 'string' && isFieldType(v), { message: 'unknown field type' }),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  options: FieldOptionsSchema.optional(),
  default: z.unknown().optional(),
  sensitivity: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]).optional(),
  target: Key.optional(),
}).superRefine((f, ctx) => {
  const needed = REQUIRED_OPTIONS[f.type] ?? [];
  if (needed.length && !f.options) ctx.addIssue({ code: 'custom', path: ['options'], message: `type ${f.type} needs options` });
  for (const k of needed) {
    if (f.options && !(k in f.options)) ctx.addIssue({ code: 'custom', path: ['options', k], message: `type ${f.type} needs options.${k}` });
  }
  if (f.type === 'relation' && f.target === undefined) ctx.addIssue({ code: 'custom', path: ['target'], message: 'a relation names its target' });
});

/** A field placed on the form. */
export const FieldItemSchema: z.ZodType<FieldItem> = z.strictObject({
  field: Key,
  label: FormTextSchema.optional(),
  placeholder: FormTextSchema.optional(),
  help: FormTextSchema.optional(),
});

const columns = z.number().int().min(1).max(4);

export const SectionItemSchema: z.ZodType<SectionItem> = z.strictObject({
  type: z.enum(['section', 'columns']),
  title: FormTextSchema.optional(),
  columns: columns.optional(),
  items: z.array(z.lazy(() => LayoutItemSchema)),
});

/** A tab or a wizard step. */
export const PaneSchema: z.ZodType<Pane> = z.strictObject({
  title: FormTextSchema,
  items: z.array(z.lazy(() => LayoutItemSchema)),
});

export const PanesItemSchema: z.ZodType<PanesItem> = z.strictObject({
  type: z.enum(['tabs', 'steps']),
  title: FormTextSchema.optional(),
  items: z.array(PaneSchema).min(1),
});

/** A repeating group bound to a json field of the object; its row fields are declared inline. */
export const GroupItemSchema: z.ZodType<GroupItem> = z.strictObject({
  type: z.literal('group'),
  field: Key,
  title: FormTextSchema.optional(),
  columns: columns.optional(),
  fields: z.array(FormFieldDefSchema).min(1),
  items: z.array(FieldItemSchema).optional(),
  minItems: z.number().int().min(0).optional(),
  maxItems: z.number().int().min(1).optional(),
});

/** A layout item: a placed field (no `type`) or a container. */
export const LayoutItemSchema: z.ZodType<LayoutItem> = z.lazy(() =>
  z.union([FieldItemSchema, SectionItemSchema, PanesItemSchema, GroupItemSchema])).meta({ id: 'FormLayoutItem' });

/** When `when` holds: show / hide / require / lock fields, set values. At least one effect. */
export const FormRuleSchema: z.ZodType<Rule> = z.strictObject({
  when: feel,
  show: unique(fieldPath).optional(),
  hide: unique(fieldPath).optional(),
  require: unique(fieldPath).optional(),
  readOnly: unique(fieldPath).optional(),
  set: z.record(Key, feel).optional(),
}).refine((r) => Object.keys(r).length >= 2, { message: 'a rule needs at least one effect' });

const formDefinition = {
  key: Key,
  object: Key,
  title: FormTextSchema,
  description: FormTextSchema.optional(),
  layout: z.array(LayoutItemSchema).min(1),
  rules: z.array(FormRuleSchema).optional(),
  /** field key → FEEL expression whose result the engine stores in that field */
  computed: z.record(Key, feel).optional(),
};

/** A form definition (the form engine's `FormDefinition`): what the designer writes and the engine runs. */
export const FormDefinitionSchema = z.strictObject({ ...formDefinition, version: z.number().int().min(1).optional() });

// The compiler checks that the schema yields exactly the engine's definition type, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const definitionMatchesEngine: Same<z.infer<typeof FormDefinitionSchema>, FormDefinition> = true;
void definitionMatchesEngine;

/** The current draft of a form (`GET`/`PUT /api/meta/forms/:key`): the definition without a version. */
export const FormDraftSchema = z.strictObject({
  ...formDefinition,
  /** The latest published version; 0 while the form has never been published. */
  latestVersion: z.number().int(),
  updatedAt: Timestamp,
});
/** A published version (`GET /api/meta/forms/:key/published`, `…/versions/:version`). */
export const PublishedFormSchema = z.strictObject({
  ...formDefinition,
  version: z.number().int().min(1),
  /** The JSON Schema (2020-12) derived from the object's fields and the form's constraints. */
  schema: z.record(z.string(), z.unknown()),
  /** The object's fields as of publication. */
  fields: z.array(FieldSchema),
  publishedAt: Timestamp,
});
export const PublishFormResponseSchema = z.strictObject({ version: z.number().int() });
