/** `POST /api/reports/:key/forecast`: a report's time series continued, with intervals and the backtest that chose the method. */
import { z } from 'zod';
import { Key } from './common.js';
import { ReportFilter } from './reports.js';

export const FORECAST_METHODS = ['seasonal_naive', 'holt', 'holt_winters_additive'] as const;

export const ReportForecastBody = z
  .object({
    /** Future periods to forecast (months or quarters, as the report's time dimension buckets). */
    horizon: z.number().int().min(1).max(36),
    /** The measure forecast (default: the report's first). */
    measure: Key.optional(),
    filter: ReportFilter.optional(),
  })
  .strict();
export type ReportForecastRequest = z.input<typeof ReportForecastBody>;

/** Values are decimal strings rounded to two places: a forecast is an estimate, never an amount booked. */
const Amount = z.string().regex(/^-?\d+(\.\d+)?$/);

export const ForecastPointSchema = z.object({ period: z.string(), value: Amount, lo80: Amount, hi80: Amount, lo95: Amount, hi95: Amount }).strict();
export const ForecastHistorySchema = z.object({ period: z.string(), value: Amount }).strict();

const ForecastOfSeries = {
  method: z.enum(FORECAST_METHODS),
  /** Mean absolute percentage error (percent) of the chosen method on the last periods held out; null when they are all zero or too few. */
  backtestMape: z.number().nullable(),
  /** Every method compared in the backtest. */
  candidates: z.array(z.object({ method: z.enum(FORECAST_METHODS), backtestMape: z.number().nullable() }).strict()),
  history: z.array(ForecastHistorySchema),
  points: z.array(ForecastPointSchema),
};

export const ReportForecastSchema = z
  .object({
    report: z.object({ key: z.string(), version: z.number().int() }).strict(),
    measure: z.string(),
    bucket: z.enum(['month', 'quarter', 'year']),
    ...ForecastOfSeries,
    /** With a second dimension (e.g. branch): one forecast per value; the top level is their total. */
    series: z.array(z.object({ key: z.string().nullable(), label: z.string(), ...ForecastOfSeries }).strict()).optional(),
  })
  .strict();
export type ReportForecast = z.infer<typeof ReportForecastSchema>;
