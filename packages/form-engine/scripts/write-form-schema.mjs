// Writes engine-specs/forms/form-definition.schema.json from the schema constant the engine uses
// (run after a build: `pnpm --filter @crm/form-engine write-schema`). A test keeps the two equal.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formDefinitionSchema } from '../dist/index.js';

const target = fileURLToPath(new URL('../../../engine-specs/forms/form-definition.schema.json', import.meta.url));
writeFileSync(target, JSON.stringify(formDefinitionSchema, null, 2) + '\n');
console.log(`wrote ${target}`);
