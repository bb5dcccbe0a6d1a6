import { useMemo, useState } from 'react';
import { Alert, Button, Card, Result, Space } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { placedFields } from '@crm/form-engine';
import { ApiError, localize, type Field, type PublishedForm, type RecordData } from '@crm/shared';
import { api } from '../../lib/api';
import { useLang, useT } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { FormController } from '../../components/form/controller';
import { FormRenderer } from '../../components/form/FormRenderer';
import { useFormDraft } from '../../lib/useFormDraft';

/** Loads a form's latest published version and the fields it is built on. */
export function usePublishedForm(key: string | null | undefined) {
  return useQuery({
    queryKey: ['published-form', key],
    enabled: !!key,
    queryFn: async (): Promise<{ form: PublishedForm; fields: Field[] }> => {
      const form = await api.meta.getPublishedForm(key!);
      return { form, fields: form.fields };
    },
  });
}

export function FormFillPage() {
  const { formKey = '' } = useParams();
  const t = useT();
  const lang = useLang((s) => s.lang);
  const q = usePublishedForm(formKey);
  const [done, setDone] = useState<RecordData | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [params] = useSearchParams();
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorAlert error={q.error} />;
  const { form, fields } = q.data!;
  if (done) {
    return (
      <Result
        status="success"
        title={t('提交成功', 'Submitted')}
        subTitle={titleOf(done, fields)}
        extra={[
          <Link key="r" to={`/records/${form.object}/${done.id}`}><Button type="primary">{t('查看记录', 'Open the record')}</Button></Link>,
          <Button key="a" onClick={() => { setDone(null); setAttempt(attempt + 1); }}>{t('再填一份', 'Fill in another')}</Button>,
          <Link key="l" to={`/records/${form.object}`}><Button>{t('返回列表', 'Back to the list')}</Button></Link>,
        ]}
      />
    );
  }
  return (
    <div>
      <PageHeader title={localize(form.title, lang)} sub={`${t('版本', 'Version')} v${form.version}`} />
      <FillCard key={`${attempt}:${lang}`} form={form} fields={fields} onDone={setDone} initial={prefill(params, form, fields)} />
    </div>
  );
}

/**
 * Values a link puts into the form (`/fill/interaction?customer=<id>&kind=visit` from a customer's
 * 360° view): only fields the form places, of kinds a link can carry as they are (text, a choice, a
 * reference); the rules and the server check them as if typed.
 */
function prefill(params: URLSearchParams, form: PublishedForm, fields: Field[]): Record<string, unknown> {
  const placed = new Set(placedFields(form.layout).fields);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = params.get(f.key);
    if (v === null || !placed.has(f.key) || !['text', 'select', 'relation', 'user', 'org_unit'].includes(f.type)) continue;
    if (f.type === 'select' && !(f.options?.choices ?? []).some((c) => c.value === v)) continue;
    out[f.key] = v;
  }
  return out;
}

/** What a user calls the record just submitted: its first text (never its id). */
function titleOf(r: RecordData, fields: Field[]): string {
  const f = fields.find((x) => (x.type === 'text' || x.type === 'auto_number') && r[x.key]);
  return f ? String(r[f.key]) : '';
}

export function FillCard({ form, fields, onDone, initial }: { form: PublishedForm; fields: Field[]; onDone(r: RecordData): void; initial?: Record<string, unknown> }) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  // (The initial values are read once: the card is keyed by its attempt.)
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const ctrl = useMemo(() => new FormController(fields, form, lang, initial), [fields, form, lang]);
  const draft = useFormDraft(ctrl, `form:${form.key}:new`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<number>(0);
  const submit = async () => {
    setError(null);
    await ctrl.ready;
    const r = ctrl.validateAll();
    if (ctrl.hasBlockingErrors(r)) { setProblems(Math.max(1, ctrl.errorCount())); const u = ctrl.unplacedErrors(r); if (u.length) setError(new Error(u.join('；'))); return; }
    setProblems(0);
    setBusy(true);
    try {
      // A prefilled value is part of the new record though nobody touched it (the controller sends only changes).
      const values = ctrl.submitValues();
      for (const k of Object.keys(initial ?? {})) {
        const snap = ctrl.snap(k);
        if (!(k in values) && !snap.hidden && snap.value !== undefined) values[k] = snap.value;
      }
      const rec = await api.forms.submit(form.key, values);
      draft.clear();
      onDone(rec);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.fieldErrors.length) {
        ctrl.setServerErrors(e.fieldErrors);
        setProblems(ctrl.errorCount() || e.fieldErrors.length);
        if (ctrl.formErrors.length) setError(e);
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card style={{ maxWidth: 1000 }}>
      {draft.banner}
      <ErrorAlert error={error} />
      {ctrl.definitionErrors.length > 0 && (
        <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('该表单定义有问题，请联系表单设计人员', 'This form definition has problems: contact its designer')}
          description={<ul style={{ margin: 0, paddingLeft: 18 }}>{ctrl.definitionErrors.map((d, i) => <li key={i}><code>{d.path || '/'}</code> {d.message}</li>)}</ul>} />
      )}
      {problems > 0 && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t(`还有 ${problems} 处需要修改`, `${problems} problem(s) to fix`)} data-testid="form-problems" />}
      <FormRenderer ctrl={ctrl} layout={form.layout} lang={lang} />
      <Space>
        <Button type="primary" onClick={submit} loading={busy} data-testid="submit-form">{t('提交', 'Submit')}</Button>
      </Space>
    </Card>
  );
}
