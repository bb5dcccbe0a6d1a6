/**
 * Drill-down state of one report (the viewer, a dashboard widget): the steps clicked, a breadcrumb back,
 * and what a click does — one level down a drill hierarchy (the server shows the next level), the next
 * row dimension, or, at the last level, the records list filtered to exactly the rows behind the cell
 * (`POST /api/reports/:key/cell-filter`, whose total equals the cell).
 */
import { useState } from 'react';
import { App } from 'antd';
import { useNavigate } from 'react-router';
import type { Report, ReportAnswer } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { errorText } from '../../components/common';
import { type AnswerRow, formatCell } from './reportModel';
import { useObjects } from '../../lib/meta';

export type DrillValue = string | number | boolean | null;
export type Drill = { field: string; value: DrillValue }[];
interface Step { field: string; value: DrillValue; label: string; text: string }

/** The row and column dimension keys of a report (its pivot layout, else every dimension on rows); a hierarchy's dimension shows the level its answer says. */
export function layoutOf(report: Pick<Report, 'dimensions' | 'pivot'>, answer?: Pick<ReportAnswer, 'hierarchies'>): { rowKeys: string[]; colKeys: string[] } {
  const rename = (k: string) => answer?.hierarchies?.find((h) => h.base === k)?.current ?? k;
  const keys = (report.dimensions ?? []).map((d) => d.key ?? d.field);
  const colKeys = report.pivot?.columns ?? [];
  return { rowKeys: keys.filter((k) => !colKeys.includes(k)).map(rename), colKeys: colKeys.map(rename) };
}

export function useDrill(report: Report | undefined, base: { filter?: Record<string, unknown>; drill?: Drill } = {}) {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const { message } = App.useApp();
  const [steps, setSteps] = useState<Step[]>([]);
  const drill: Drill = steps.map(({ field, value }) => ({ field, value }));
  const empty = t('（空）', '(empty)');
  // A report over a source that is no object (campaign members) has no records list behind its cells.
  const objects = useObjects();
  const listable = !!report && (objects.data ?? []).some((o) => o.key === report.object);

  /** Opens the records list of the rows behind a cell (its dimension values). */
  const openRecords = async (values: AnswerRow) => {
    if (!report || !listable) return;
    const cell = Object.fromEntries(Object.entries(values).filter(([k]) => !drill.some((x) => x.field === k))) as Record<string, DrillValue>;
    const hide = message.loading(t('正在打开明细…', 'Opening the records…'), 0);
    try {
      const f = await api.reports.cellFilter(report.key, { ...(base.filter ? { filter: base.filter } : {}), drill: [...(base.drill ?? []), ...drill], cell });
      nav(`/records/${f.object}?filter=${encodeURIComponent(JSON.stringify(f.filter))}&from=${encodeURIComponent(l(report.name, report.key))}`);
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      hide();
    }
  };

  /** A click on a bar, slice, row or cell. */
  const pick = (values: AnswerRow, answer: ReportAnswer, rowKeys: string[], chartLike: boolean) => {
    const next = rowKeys.find((k) => !drill.some((x) => x.field === k) && k in values);
    if (!next) return void openRecords(values);
    const col = answer.columns.find((c) => c.key === next);
    const step: Step = { field: next, value: values[next] as DrillValue, label: col?.label ?? next, text: formatCell(col, values[next], empty) };
    const h = answer.hierarchies?.find((x) => x.current === next);
    if (h) {
      // The last level of a hierarchy lists the records; any other goes one level down.
      if (h.depth >= h.levels.length - 1) return void openRecords(values);
      setSteps([...steps, step]);
      return;
    }
    const depth = drill.filter((x) => rowKeys.includes(x.field)).length;
    if (chartLike && depth + 1 >= rowKeys.length) return void openRecords(values);
    setSteps([...steps, step]);
  };

  const crumbs = [
    { title: <a onClick={() => setSteps([])} data-testid="crumb-0">{t('全部', 'All')}</a> },
    ...steps.map((s, i) => ({
      title: <a onClick={() => setSteps(steps.slice(0, i + 1))} data-testid={`crumb-${i + 1}`}>{s.label}: {s.text}</a>,
    })),
  ];
  return { drill, depth: steps.length, pick, openRecords, listable, crumbs, reset: () => setSteps([]) };
}
