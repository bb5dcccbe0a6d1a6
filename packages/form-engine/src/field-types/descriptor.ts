/**
 * What one field type is, in one place: its engine part (value schema, string formats, messages,
 * masking, FEEL conversion) and plain-data descriptors the server and the web map to their own code.
 * A type lives in its own folder (field-types/<type>/index.ts) and is indexed by registry.ts.
 */
import type { Format } from 'ajv';
import type { FieldDef, Lang } from '../types.js';

export type JsonSchema = Record<string, unknown>;

/** A message in both languages. */
export interface Text {
  zh: string;
  en: string;
}

export interface MessageInput {
  code: string;
  lang: Lang;
  field?: FieldDef;
  value?: unknown;
  params?: Record<string, unknown>;
  now?: Date;
}

/**
 * How a readable but not unmaskable value is masked (mask.ts holds the policies):
 * amount → ****; year → 1990-**-**; generic → first and last character; phone → first 3 and last 4;
 * bank_card → last 4; email → first character and domain; opaque → ***; list → each element as generic.
 */
export type MaskPolicy = 'amount' | 'year' | 'generic' | 'phone' | 'bank_card' | 'email' | 'opaque' | 'list';

/** How a wire value is seen by FEEL (rules/feel-values.ts converts). */
export type FeelKind = 'decimal' | 'date' | 'datetime' | 'text' | 'value';

/** A problem with a field's settings, at a JSON Pointer inside the field definition. */
export interface DefinitionProblem {
  path: string;
  code: string;
  text: Text;
}

export interface EngineDescriptor {
  /** JSON Schema of one value; `groupRows` is the row schema when a repeating group binds the field. */
  schema(field: FieldDef, groupRows?: JsonSchema): JsonSchema;
  /** Array-valued: "required" also means "not empty", and an empty list is no value. */
  list?: boolean;
  /** Ajv string formats the schema names (shared with the standalone validator modules). */
  formats?: Record<string, Format>;
  /** Domain error codes the schema's `errorMessage` raises, phrased in both languages. */
  messages?: Record<string, (input: MessageInput) => Text>;
  /** Checks of the field's options a JSON Schema cannot express (a pattern that compiles, FEEL that parses …). */
  checkOptions?(options: Record<string, unknown>): DefinitionProblem[];
  /** The server assigns the value (auto numbers, computed fields): a field of this type has no default. */
  serverOwned?: boolean;
  mask: MaskPolicy;
  /** Identifier types: `options.mask: 'none'` never turns their masking off. */
  maskFixed?: boolean;
  /** A field of this type keyed or labelled as a person's name is masked as a name (张*). */
  personName?: boolean;
  feel: FeelKind;
  /** May be a column of a repeating group's rows. */
  inGroup: boolean;
}

/** Values are compared as numbers / dates / text … in filters, sorts and cursors. */
export type Comparable = 'number' | 'text' | 'date' | 'timestamp' | 'boolean' | 'array' | 'uuid' | 'json';

/** How the server's record codec converts a column value (apps/server maps the key to code). */
export type CodecKey = 'plain' | 'json' | 'integer' | 'timestamp';

export interface ServerDescriptor {
  /** PostgreSQL column type. */
  column: string;
  /** The column is numeric(precision, scale) taken from the field's options, with these defaults. */
  numericFromOptions?: { precision: number; scale: number };
  /** Cast of a bound parameter written to the column. */
  cast: string;
  comparable: Comparable;
  /** Index created with the column: btree (foreign keys), gin (arrays searched with @> and &&) or none. */
  index: 'none' | 'btree' | 'gin';
  /** Foreign key: the relation's target object, or a platform table. */
  references?: 'target' | 'crm.users' | 'crm.org_units';
  codec: CodecKey;
  /** An empty list is a value to store (a repeating group with no rows), not "no value". */
  keepsEmptyList?: boolean;
}

/** Operators of the web's filter builder (apps/web/src/pages/records/filters.ts). */
export type FilterOperator = 'eq' | 'ne' | 'contains' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'empty' | 'notEmpty';

/** Properties the designers edit for a field of this type (beyond key, label, required, sensitivity). */
export type DesignerProperty = 'choices' | 'precision' | 'text_limits' | 'target' | 'number_pattern' | 'expression' | 'default';

/** How the web app shows a stored value as text (lists, read-only views). */
export type DisplayKey = 'plain' | 'yes_no' | 'choice' | 'choices' | 'money' | 'percent' | 'datetime' | 'json';

export interface WebDescriptor {
  /** Key of the input component in the web's widget registry. */
  widget: string;
  /** How a stored value is shown as text (default: plain). */
  display?: DisplayKey;
  filterOperators: FilterOperator[];
  designer: {
    /** Palette group of the form designer. */
    group: 'basic' | 'banking' | 'system';
    properties: DesignerProperty[];
    /** Offered for a repeating group's row fields (default: engine.inGroup). */
    rowField?: boolean;
    /** Options a new field of this type starts with. */
    defaultOptions?: Record<string, unknown>;
  };
}

export interface FieldTypeDescriptor {
  type: string;
  label: Text;
  engine: EngineDescriptor;
  server: ServerDescriptor;
  web: WebDescriptor;
}
