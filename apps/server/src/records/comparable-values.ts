/**
 * What a filter or cursor value must look like for each comparable kind (a field type's server
 * descriptor names its kind), and the SQL cast it is bound with. The filter compiler looks rules up
 * here instead of switching on the kind.
 */
import type { Comparable } from '@crm/form-engine';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
export const NUM_RE = /^-?\d{1,30}(\.\d{1,10})?$/;

/** A filter value was refused. */
export const REFUSED = Symbol('refused');

export interface ComparableRule {
  /** Cast of a bound value (and of each element of a bound array). */
  cast: string;
  /** What a filter value must be, for the error message: `<field> needs …`. */
  needs: string;
  /** The value to bind for a filter operand, or REFUSED; undefined when nothing but $null applies. */
  filterValue?(v: unknown): unknown;
  /** Whether a keyset cursor value (from the client) fits the column. */
  cursorOk(v: unknown): boolean;
}

const isDate = (v: unknown): v is string => typeof v === 'string' && DATE_RE.test(v) && !Number.isNaN(Date.parse(v));
const isTimestamp = (v: unknown): v is string => typeof v === 'string' && TS_RE.test(v) && !Number.isNaN(Date.parse(v));
const isNumber = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && NUM_RE.test(v));
const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);
const never = () => false;

const textRule: ComparableRule = {
  cast: 'text',
  needs: 'a string',
  filterValue: (v) => (typeof v === 'string' && v.length <= 1000 ? v : typeof v === 'number' ? String(v) : REFUSED),
  cursorOk: (v) => typeof v === 'string' && v.length <= 2000,
};

export const COMPARABLE_RULES: Record<Comparable, ComparableRule> = {
  // Numbers are bound as decimal text: a JS float never reaches a numeric comparison.
  number: { cast: 'numeric', needs: 'a number', filterValue: (v) => (isNumber(v) ? String(v) : REFUSED), cursorOk: isNumber },
  date: { cast: 'date', needs: 'a date YYYY-MM-DD', filterValue: (v) => (isDate(v) ? v : REFUSED), cursorOk: isDate },
  timestamp: {
    cast: 'timestamptz',
    needs: 'an ISO 8601 date-time with offset',
    filterValue: (v) => (isTimestamp(v) || isDate(v) ? v : REFUSED),
    cursorOk: isTimestamp,
  },
  boolean: { cast: 'boolean', needs: 'true or false', filterValue: (v) => (typeof v === 'boolean' ? v : REFUSED), cursorOk: (v) => typeof v === 'boolean' },
  uuid: { cast: 'uuid', needs: 'an id (uuid)', filterValue: (v) => (isUuid(v) ? v : REFUSED), cursorOk: isUuid },
  text: textRule,
  // A list column is tested element-wise: its operands are text.
  array: { ...textRule, cursorOk: never },
  json: { cast: 'text', needs: 'nothing but $null', cursorOk: never },
};
