/**
 * What the screens show for a process variable instead of its name: the label of the form field it
 * comes from (the start form and the user tasks' forms of the model), else of the field of the
 * record the process runs for (its `object`), else the platform's name for the variables the engine
 * sets. A variable none of them names keeps its name.
 */
import { Injectable } from '@nestjs/common';
import type { LocalizedText } from '@crm/form-engine';
import type { ProcessModel } from '@crm/workflow-engine';
import { FormsService } from '../metadata/forms.service.js';
import { MetadataService } from '../metadata/metadata.service.js';

const ORIGIN_LABELS: Record<string, LocalizedText> = {
  object: { 'zh-CN': '业务对象', en: 'Object' },
  recordId: { 'zh-CN': '业务记录', en: 'Record' },
  record: { 'zh-CN': '记录内容', en: 'Record values' },
  previous: { 'zh-CN': '修改前的记录', en: 'Record before the change' },
  changed: { 'zh-CN': '变更的字段', en: 'Changed fields' },
  formKey: { 'zh-CN': '表单', en: 'Form' },
  initiator: { 'zh-CN': '发起人', en: 'Started by' },
  businessKey: { 'zh-CN': '业务编号', en: 'Business key' },
};

@Injectable()
export class VariableLabels {
  constructor(
    private readonly forms: FormsService,
    private readonly meta: MetadataService,
  ) {}

  async of(model: ProcessModel, variables: Record<string, unknown>): Promise<Record<string, LocalizedText>> {
    const names = Object.keys(variables);
    const out: Record<string, LocalizedText> = {};
    const take = (key: string, label: LocalizedText) => {
      if (names.includes(key) && !(key in out)) out[key] = label;
    };
    const formKeys = [...new Set(Object.values(model.elements).map((e) => e.formKey).filter((k): k is string => !!k))];
    for (const key of formKeys) {
      const form = await this.forms.version(key, 'latest').catch(() => null);
      for (const f of form?.fields ?? []) take(f.key, f.label);
    }
    if (typeof variables.object === 'string') {
      const o = await this.meta.object(variables.object).catch(() => null);
      for (const f of o?.fields ?? []) take(f.key, f.label);
    }
    for (const [k, label] of Object.entries(ORIGIN_LABELS)) take(k, label);
    return out;
  }
}
