/**
 * JSON Schema (2020-12) of a form definition and of a field definition ($defs/field). The copy in
 * engine-specs/forms/form-definition.schema.json is written from this constant
 * (`pnpm --filter @crm/form-engine write-schema`) and a test keeps the two equal.
 */
import { FIELD_TYPES } from '../types.js';

export const FORM_DEFINITION_SCHEMA_ID = 'https://crm.local/schemas/form-definition.schema.json';

const fieldRef = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}(\\.[a-z][a-z0-9_]{0,62})?$' };
const fieldList = { type: 'array', items: fieldRef, uniqueItems: true };

export const formDefinitionSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: FORM_DEFINITION_SCHEMA_ID,
  title: 'Form definition',
  description:
    'A form of the no-code CRM: which fields of an object it shows and where (layout), FEEL rules that ' +
    'show, hide, require, lock or set fields, and computed fields. Layout containers: section and columns ' +
    '(items are layout items), tabs and steps (items are panes { title, items }), group (a repeating group ' +
    'bound to a json field of the object: `fields` declares the row fields inline, `items` optionally lays them out).',
  type: 'object',
  required: ['key', 'object', 'title', 'layout'],
  additionalProperties: false,
  properties: {
    key: { $ref: '#/$defs/key' },
    object: { $ref: '#/$defs/key' },
    version: { type: 'integer', minimum: 1 },
    title: { $ref: '#/$defs/localizedText' },
    description: { $ref: '#/$defs/localizedText' },
    layout: { type: 'array', minItems: 1, items: { $ref: '#/$defs/layoutItem' } },
    rules: { type: 'array', items: { $ref: '#/$defs/rule' } },
    computed: {
      type: 'object',
      propertyNames: { $ref: '#/$defs/key' },
      additionalProperties: { $ref: '#/$defs/feel' },
    },
  },
  $defs: {
    key: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
    feel: { type: 'string', minLength: 1 },
    localizedText: {
      anyOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
          additionalProperties: false,
          minProperties: 1,
        },
      ],
    },
    fieldItem: {
      type: 'object',
      required: ['field'],
      additionalProperties: false,
      properties: {
        field: { $ref: '#/$defs/key' },
        label: { $ref: '#/$defs/localizedText' },
        placeholder: { $ref: '#/$defs/localizedText' },
        help: { $ref: '#/$defs/localizedText' },
      },
    },
    containerItem: {
      type: 'object',
      required: ['type', 'items'],
      additionalProperties: false,
      properties: {
        type: { enum: ['section', 'columns'] },
        title: { $ref: '#/$defs/localizedText' },
        columns: { type: 'integer', minimum: 1, maximum: 4 },
        items: { type: 'array', items: { $ref: '#/$defs/layoutItem' } },
      },
    },
    pane: {
      type: 'object',
      required: ['title', 'items'],
      additionalProperties: false,
      properties: {
        title: { $ref: '#/$defs/localizedText' },
        items: { type: 'array', items: { $ref: '#/$defs/layoutItem' } },
      },
    },
    panesItem: {
      type: 'object',
      required: ['type', 'items'],
      additionalProperties: false,
      properties: {
        type: { enum: ['tabs', 'steps'] },
        title: { $ref: '#/$defs/localizedText' },
        items: { type: 'array', minItems: 1, items: { $ref: '#/$defs/pane' } },
      },
    },
    groupItem: {
      type: 'object',
      required: ['type', 'field', 'fields'],
      additionalProperties: false,
      properties: {
        type: { const: 'group' },
        field: { $ref: '#/$defs/key' },
        title: { $ref: '#/$defs/localizedText' },
        columns: { type: 'integer', minimum: 1, maximum: 4 },
        fields: { type: 'array', minItems: 1, items: { $ref: '#/$defs/field' } },
        items: { type: 'array', items: { $ref: '#/$defs/fieldItem' } },
        minItems: { type: 'integer', minimum: 0 },
        maxItems: { type: 'integer', minimum: 1 },
      },
    },
    // A layout item is a placed field (no "type") or a container chosen by its "type".
    layoutItem: {
      type: 'object',
      if: { required: ['type'] },
      then: {
        properties: { type: { enum: ['section', 'columns', 'tabs', 'steps', 'group'] } },
        allOf: [
          { if: { properties: { type: { enum: ['section', 'columns'] } } }, then: { $ref: '#/$defs/containerItem' } },
          { if: { properties: { type: { enum: ['tabs', 'steps'] } } }, then: { $ref: '#/$defs/panesItem' } },
          { if: { properties: { type: { const: 'group' } } }, then: { $ref: '#/$defs/groupItem' } },
        ],
      },
      else: { $ref: '#/$defs/fieldItem' },
    },
    rule: {
      type: 'object',
      required: ['when'],
      additionalProperties: false,
      minProperties: 2,
      properties: {
        when: { $ref: '#/$defs/feel' },
        show: fieldList,
        hide: fieldList,
        require: fieldList,
        readOnly: fieldList,
        set: { type: 'object', propertyNames: { $ref: '#/$defs/key' }, additionalProperties: { $ref: '#/$defs/feel' } },
      },
    },
    choice: {
      type: 'object',
      required: ['value', 'label'],
      additionalProperties: false,
      properties: { value: { type: 'string', minLength: 1, maxLength: 100 }, label: { $ref: '#/$defs/localizedText' } },
    },
    field: {
      type: 'object',
      required: ['key', 'label', 'type'],
      additionalProperties: false,
      properties: {
        key: { $ref: '#/$defs/key' },
        label: { $ref: '#/$defs/localizedText' },
        type: { enum: [...FIELD_TYPES] },
        required: { type: 'boolean' },
        unique: { type: 'boolean' },
        options: {
          type: 'object',
          properties: {
            choices: { type: 'array', minItems: 1, items: { $ref: '#/$defs/choice' } },
            precision: { type: 'integer', minimum: 1, maximum: 38 },
            scale: { type: 'integer', minimum: 0, maximum: 38 },
            maxLength: { type: 'integer', minimum: 1, maximum: 100000 },
            minLength: { type: 'integer', minimum: 0 },
            pattern: { type: 'string', minLength: 1 },
            patternMessage: { $ref: '#/$defs/localizedText' },
            minimum: { type: 'number' },
            maximum: { type: 'number' },
            currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            allowLandline: { type: 'boolean' },
            maxItems: { type: 'integer', minimum: 1 },
            expression: { $ref: '#/$defs/feel' },
            mask: { anyOf: [{ enum: ['name', 'none', 'last4'] }, { type: 'string', maxLength: 40, pattern: '^(#{0,6})([ *-]*\\*[ *-]*)(#{0,6})$' }] },
          },
        },
        default: true,
        sensitivity: { type: 'integer', minimum: 1, maximum: 5 },
        target: { $ref: '#/$defs/key' },
      },
      allOf: [
        {
          if: { properties: { type: { enum: ['select', 'multiselect'] } } },
          then: { required: ['options'], properties: { options: { required: ['choices'] } } },
        },
        {
          if: { properties: { type: { const: 'decimal' } } },
          then: { required: ['options'], properties: { options: { required: ['precision', 'scale'] } } },
        },
        { if: { properties: { type: { const: 'relation' } } }, then: { required: ['target'] } },
        {
          if: { properties: { type: { const: 'auto_number' } } },
          then: { required: ['options'], properties: { options: { required: ['pattern'] } } },
        },
        {
          if: { properties: { type: { const: 'computed' } } },
          then: { required: ['options'], properties: { options: { required: ['expression'] } } },
        },
      ],
    },
  },
} as const;
