/**
 * A report's answer as a file: CSV (UTF-8 with BOM, opens in Excel) or XLSX (exceljs). Dimension
 * values carry their display labels, totals follow the rows, and no cell can start a spreadsheet
 * formula. Money and decimals are written as the decimal text of the answer, never through a float.
 */
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import type { Lang } from '@crm/form-engine';
import type { ReportAnswer } from '@crm/shared';
import { safeCell } from '../records/records-export.js';

export type ExportFormat = 'csv' | 'xlsx';

/** The header and the cells of every row (details, then subtotals and totals). */
export function table(answer: Pick<ReportAnswer, 'columns' | 'rows' | 'totals'>, lang: Lang): string[][] {
  const header = answer.columns.map((c) => c.label);
  const cell = (row: Record<string, unknown>, key: string): string => {
    const c = answer.columns.find((x) => x.key === key)!;
    const v = row[key];
    if (c.role === 'dimension' && Array.isArray(row.$collapsed) && row.$collapsed.includes(key)) return lang === 'en' ? 'Total' : '合计';
    const shown = v !== null && v !== undefined && c.labels?.[String(v)] !== undefined ? c.labels[String(v)] : v;
    return safeCell(shown);
  };
  const lines = [...answer.rows, ...(answer.totals ?? [])].map((r) => answer.columns.map((c) => cell(r, c.key)));
  return [header, ...lines];
}

export async function exportFile(answer: Pick<ReportAnswer, 'columns' | 'rows' | 'totals'>, format: ExportFormat, name: string, lang: Lang): Promise<{ body: Buffer; contentType: string; filename: string }> {
  const cells = table(answer, lang);
  if (format === 'csv') {
    return { body: Buffer.from(stringify(cells, { bom: true })), contentType: 'text/csv; charset=utf-8', filename: `${name}.csv` };
  }
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(name.slice(0, 31));
  for (const line of cells) sheet.addRow(line);
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  const body = Buffer.from(await book.xlsx.writeBuffer());
  return { body, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: `${name}.xlsx` };
}
