/**
 * Refuses to start on stored metadata whose field types this build does not know (a field created
 * by a build with an extra type, or edited in the database): every such field is named, rather
 * than treated as text or failing later on the first record that touches it.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { fieldTypeNames } from '@crm/form-engine';
import { Db } from '../database/db.js';

export class UnknownStoredFieldTypes extends Error {
  constructor(readonly fields: { object_key: string; key: string; type: string }[]) {
    super(
      `stored metadata uses field types this release does not register: ${fields.map((f) => `${f.object_key}.${f.key} (${JSON.stringify(f.type)})`).join(', ')}. ` +
        'Install the field type (or the pack that brings it), or change those fields to a known type, then start again',
    );
    this.name = 'UnknownStoredFieldTypes';
  }
}

@Injectable()
export class StoredFieldTypesCheck implements OnModuleInit {
  constructor(private readonly db: Db) {}

  async onModuleInit(): Promise<void> {
    const unknown = await this.db.query<{ object_key: string; key: string; type: string }>(
      'SELECT object_key, key, type FROM crm.fields WHERE NOT (type = ANY($1::text[])) ORDER BY object_key, key LIMIT 20',
      [fieldTypeNames()],
    );
    if (unknown.length) throw new UnknownStoredFieldTypes(unknown);
  }
}
