/**
 * @crm/form-engine — form definitions, derived data schemas, FEEL rules and computed fields, and
 * the bank's own field types. The same code validates on the server and gives instant feedback in
 * the browser.
 */
export * from './types.js';
export { pickText } from './localized-text.js';

export { validateFieldDefinition, RESERVED_KEYS } from './definition/validate-field-definition.js';
export { validateFormDefinition } from './definition/validate-form-definition.js';
export { placedFields } from './definition/layout-walk.js';
export { formDefinitionSchema, FORM_DEFINITION_SCHEMA_ID } from './definition/form-definition.schema.js';
export { deriveDataSchema } from './schema/derive-data-schema.js';

export { compileForm, clearCompiledFormCache } from './compile-form.js';
export type { CompiledForm, CompileOptions, DataValidator } from './compile-form.js';
export { FormDefinitionError } from './rules/rule-plan.js';
export { createFormRuntime } from './runtime/form-runtime.js';
export type { FormRuntime, RuntimeState, RuntimeOptions } from './runtime/form-runtime.js';

export { isValidCnIdNumber, cnIdNumberProblem, cnIdNumberCheckChar } from './bank/cn-id-number.js';
export { isValidUscc, usccProblem, usccCheckChar } from './bank/uscc.js';
export { isValidBankCard, bankCardProblem } from './bank/bank-card.js';
export { isMainlandMobile, isMainlandPhone } from './bank/phone.js';
export { isMoney, isDecimalString, decimalPattern } from './bank/decimal.js';
export { formatAutoNumber, autoNumberPrefix, parseAutoNumberPattern, AutoNumberPatternError } from './bank/auto-number.js';

export { maskValue, maskShape, maskedWithoutUnmask, MASK_SHAPE } from './mask.js';
export { amountsToFeel, decimalToFeel } from './rules/feel-values.js';

// The field-type registry: one folder per type (field-types/<type>), looked up by every part.
export {
  registerFieldType, fieldType, fieldTypes, fieldTypeNames, isFieldType, registryVersion, UnknownFieldTypeError,
  BUILTIN_FIELD_TYPES,
} from './field-types/index.js';
export type {
  FieldTypeDescriptor, EngineDescriptor, ServerDescriptor, WebDescriptor, MaskPolicy, FeelKind, Comparable, CodecKey,
  FilterOperator, DesignerProperty, DisplayKey, JsonSchema, Text as FieldTypeText, MessageInput,
} from './field-types/descriptor.js';
export { generateStandaloneValidatorModule } from './standalone.js';
export type { StandaloneOptions } from './standalone.js';
export { toIssues } from './validation/issues.js';

// Imported by generated standalone validator modules.
export { formats } from './validation/formats.js';
export { standaloneRuntime } from './validation/standalone-runtime.js';

// An object's validation rules (enforced by the server on every write) and the FEEL names of its fields.
export { checkFormFeel, checkObjectRules, evaluateObjectRules, feelNamesOf } from './rules/object-rules.js';
export type { ObjectRule, RuleIssue } from './rules/object-rules.js';
