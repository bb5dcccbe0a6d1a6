/**
 * The declared settings form of each connector kind fits the kind's config schema: a form filled with
 * every field (defaults, or a sample) converts to a config the schema accepts, and back to the same
 * form values; hidden and empty fields are left out; a field the schema does not know would fail.
 */
import { describe, it, expect } from '@jest/globals';
import { CONNECTOR_KINDS, CONNECTOR_SETTINGS, ConnectorCreateBody, connectorSettingsFromForm, connectorSettingsToForm, type ConnectorKind } from './connectors.js';

const SAMPLE: Record<ConnectorKind, Record<string, string | number>> = {
  http: { baseUrl: 'http://127.0.0.1:9/core', 'auth.type': 'basic', 'auth.username': 'crm', headers: 'x-channel=crm\nx-branch = 0101' },
  'sql-pull': { query: 'SELECT * FROM holdings', keyColumn: 'id', watermarkColumn: 'updated_at', object: 'holding', keyField: 'external_id', mapping: 'id=external_id\namount=amount' },
  wecom: { corpId: 'ww01', agentId: 1000002 },
  sms: { url: 'https://sms.bank.example/send', 'auth.type': 'hmac', extra: 'sign=银行' },
};

describe('connector settings forms', () => {
  it.each(CONNECTOR_KINDS)('%s: the form gives a config the schema accepts, and shows it back', (kind) => {
    const values = { ...connectorSettingsToForm(kind, null), ...SAMPLE[kind] };
    const config = connectorSettingsFromForm(kind, values);
    const parsed = ConnectorCreateBody.safeParse({ key: 'k', name: 'n', kind, config });
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    const back = connectorSettingsToForm(kind, config);
    for (const f of CONNECTOR_SETTINGS[kind].fields) {
      const shown = !f.showIf || f.showIf.in.includes(String(values[f.showIf.key]));
      const v = values[f.key];
      expect(back[f.key]).toEqual(!shown || v === undefined ? undefined : f.type === 'map' ? String(v).split('\n').map((l) => l.replace(/\s*=\s*/, '=').trim()).join('\n') : v);
    }
  });

  it('leaves out hidden and empty fields, nests paths and reads numbers and name=value lines', () => {
    expect(connectorSettingsFromForm('http', { baseUrl: ' http://h/x ', 'auth.type': 'bearer', 'auth.username': 'hidden', headers: '', timeoutMs: '5000' }))
      .toEqual({ baseUrl: 'http://h/x', auth: { type: 'bearer' }, timeoutMs: 5000 });
    expect(connectorSettingsFromForm('sms', { url: 'http://h', extra: 'a=1\n\n b = x=y ' })).toEqual({ url: 'http://h', extra: { a: '1', b: 'x=y' } });
  });

  it('every declared field is a property of the kind\'s config', () => {
    for (const kind of CONNECTOR_KINDS) {
      for (const f of CONNECTOR_SETTINGS[kind].fields) {
        const values = { ...SAMPLE[kind], [f.key]: f.type === 'number' ? 1 : 'x', ...(f.showIf ? { [f.showIf.key]: f.showIf.in[0] } : {}) };
        const config = connectorSettingsFromForm(kind, values);
        const issues = ConnectorCreateBody.safeParse({ key: 'k', name: 'n', kind, config }).error?.issues ?? [];
        // A wrong value may fail its own check, never as an unknown key.
        expect(issues.filter((i) => i.code === 'unrecognized_keys')).toEqual([]);
      }
    }
  });
});
