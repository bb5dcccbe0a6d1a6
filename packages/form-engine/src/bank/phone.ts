/** Mainland China phone numbers: 11-digit mobiles, and landlines with a 0-prefixed area code. */
export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;
export const MAINLAND_LANDLINE = /^0\d{2,3}-?\d{7,8}$/;

export function isMainlandMobile(value: unknown): boolean {
  return typeof value === 'string' && MAINLAND_MOBILE.test(value);
}

export function isMainlandPhone(value: unknown): boolean {
  return typeof value === 'string' && (MAINLAND_MOBILE.test(value) || MAINLAND_LANDLINE.test(value));
}
