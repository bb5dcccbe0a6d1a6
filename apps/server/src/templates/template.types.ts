/** The shape of a solution template bundle (`<key>/template.json` plus the BPMN / DMN files it names). */
import type { FieldDef, FormDefinition, LocalizedText } from '@crm/form-engine';
import type { Permission } from '../access/permission.types.js';

export interface TemplateObject {
  key: string;
  label: LocalizedText;
  description?: string;
  app?: string;
  icon?: string;
  titleField?: string;
  /** PIPL: the relation field that makes the object's records belong to a data subject. */
  subjectField?: string;
  fields: FieldDef[];
}

export interface TemplateRole {
  key: string;
  name: string;
  description?: string;
  platform: string[];
  /** Permissions on the template's objects; a role's permissions on other objects are kept. */
  permissions: Permission[];
}

export interface TemplateParameter {
  env?: string;
  default: string;
  pattern?: string;
  description?: string;
}

export interface TemplateBundle {
  key: string;
  version: string;
  name: LocalizedText;
  description?: string;
  parameters?: Record<string, TemplateParameter>;
  objects: TemplateObject[];
  forms: (Omit<FormDefinition, 'version'> & { key: string })[];
  roles: TemplateRole[];
  /** Seed records, matched on `key` (a field holding a business key) so re-installs update instead of duplicating. */
  records: { object: string; key: string; items: Record<string, unknown>[] }[];
  decisions: string[];
  processes: { key: string; file: string }[];
  triggers: { processKey: string; object: string; on: 'created' | 'updated'; condition?: string }[];
  views?: Record<string, unknown>[];
  tags?: Record<string, unknown>[];
  segments?: Record<string, unknown>[];
  /** Reports (`/api/reports` definitions) installed after the objects they read. */
  reports?: Record<string, unknown>[];
  /** Dashboards (`/api/dashboards` definitions) over the pack's reports, shared with its roles. */
  dashboards?: Record<string, unknown>[];
  /** Insight models (`/api/models` definitions) over the pack's objects; installed once, then the bank's to change. */
  models?: Record<string, unknown>[];
  /** Sample campaigns (drafts created by the marketing module when missing, matched on `key`; `offerProductCode` names a product record by its code). */
  campaigns?: Record<string, unknown>[];
  /** Journeys (`/api/journeys` definitions) over the pack's processes, created and activated when missing. */
  journeys?: Record<string, unknown>[];
}
