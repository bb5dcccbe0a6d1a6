/**
 * A local draft of a form being filled: what the user typed is kept in this tab's sessionStorage
 * (keyed by user, form and record; never a token), offered back with 「恢复草稿」 after a reload or a
 * new sign-in, and removed when the form is submitted. Closing the tab drops it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Space } from 'antd';
import dayjs from 'dayjs';
import type { FormController } from '../components/form/controller';
import { useAuth } from './api';
import { useT } from './i18n';

interface Draft {
  values: Record<string, unknown>;
  savedAt: number;
}

const SAVE_DELAY_MS = 400;

function read(key: string): Draft | null {
  try {
    const d = JSON.parse(sessionStorage.getItem(key) ?? 'null') as Draft | null;
    return d && typeof d === 'object' && d.values && typeof d.values === 'object' ? d : null;
  } catch {
    return null;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Keeps `ctrl`'s values as a draft under `scope` (e.g. `form:<key>:new`, `record:<object>:<id>`).
 * Render `banner` above the form; call `clear()` after a successful submit.
 */
export function useFormDraft(ctrl: FormController, scope: string): { banner: React.ReactNode; clear(): void } {
  const t = useT();
  const userId = useAuth((s) => s.user?.id ?? '');
  const key = `crm.draft:${userId}:${scope}`;
  // The draft found when the form opened (offered once), and the values the form started with.
  const [offered, setOffered] = useState<Draft | null>(null);
  const start = useMemo(() => ({ ...ctrl.values }), [ctrl]);
  // After a submit the draft is gone for good: a save still pending (or set off by the submit's own
  // validation touching the values) must not write it back.
  const submitted = useRef(false);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    const found = read(key);
    setOffered(found && Object.entries(found.values).some(([k, v]) => !same(v, start[k])) ? found : null);
    const save = () => {
      if (submitted.current) return;
      const changed = Object.fromEntries(Object.entries(ctrl.values).filter(([k, v]) => !same(v, start[k])));
      if (Object.keys(changed).length === 0) return;
      try {
        sessionStorage.setItem(key, JSON.stringify({ values: changed, savedAt: Date.now() } satisfies Draft));
      } catch {
        // Storage full or refused: the form still works, only without a draft.
      }
    };
    const off = ctrl.subscribeAll(() => {
      if (submitted.current) return;
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(save, SAVE_DELAY_MS);
    });
    return () => {
      off();
      window.clearTimeout(timer.current);
    };
  }, [ctrl, key, start]);

  const restore = () => {
    if (offered) for (const [k, v] of Object.entries(offered.values)) if (ctrl.fields.some((f) => f.key === k)) ctrl.setValue(k, v);
    setOffered(null);
  };
  const discard = () => {
    sessionStorage.removeItem(key);
    setOffered(null);
  };
  const banner = offered ? (
    <Alert
      type="info"
      showIcon
      style={{ marginBottom: 16 }}
      data-testid="draft-banner"
      title={t(`有一份未提交的草稿（${dayjs(offered.savedAt).format('MM-DD HH:mm')} 保存）`, `An unsubmitted draft from ${dayjs(offered.savedAt).format('MM-DD HH:mm')}`)}
      action={
        <Space>
          <Button size="small" type="primary" onClick={restore} data-testid="draft-restore">{t('恢复草稿', 'Restore the draft')}</Button>
          <Button size="small" onClick={discard} data-testid="draft-discard">{t('丢弃', 'Discard')}</Button>
        </Space>
      }
    />
  ) : null;
  const clear = () => {
    submitted.current = true;
    window.clearTimeout(timer.current);
    sessionStorage.removeItem(key);
  };
  return { banner, clear };
}
