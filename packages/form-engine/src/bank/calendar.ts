/** Calendar checks shared by the bank validators, delegated to ajv-formats' RFC 3339 date check. */
import formatsModule from 'ajv-formats/dist/formats.js';

const fullFormats = (formatsModule as unknown as { fullFormats: typeof formatsModule.fullFormats }).fullFormats;
const dateFormat = fullFormats.date as { validate: (s: string) => boolean };

/** True when `YYYY-MM-DD` names a real calendar day (leap years included). */
export function isCalendarDate(isoDate: string): boolean {
  return dateFormat.validate(isoDate);
}

/** Today's date (`YYYY-MM-DD`) in China Standard Time, where the bank's business day is counted. */
export function chinaDate(now: Date): string {
  return chinaDateParts(now).iso;
}

const CHINA_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
});

export function chinaDateParts(now: Date): { yyyy: string; MM: string; dd: string; iso: string } {
  const parts: Record<string, string> = {};
  for (const p of CHINA_DAY.formatToParts(now)) parts[p.type] = p.value;
  const yyyy = parts.year ?? '';
  const MM = parts.month ?? '';
  const dd = parts.day ?? '';
  return { yyyy, MM, dd, iso: `${yyyy}-${MM}-${dd}` };
}
