/// <reference lib="webworker" />
/**
 * Compiles a form's data validator off the main thread: Ajv's compile of a large schema takes far
 * longer than a frame. The result is the engine's standalone validator module, as source text.
 */
import { FormDefinitionError, generateStandaloneValidatorModule, type FieldDef, type FormDefinition } from '@crm/form-engine';

interface Request { id: number; fields: FieldDef[]; form: FormDefinition; runtimeImport: string }

self.onmessage = (e: MessageEvent<Request>) => {
  const { id, fields, form, runtimeImport } = e.data;
  try {
    const code = generateStandaloneValidatorModule(fields, form, { runtimeImport });
    self.postMessage({ id, code });
  } catch (err) {
    self.postMessage({ id, error: (err as Error).message, issues: err instanceof FormDefinitionError ? err.issues : undefined });
  }
};
