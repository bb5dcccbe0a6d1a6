/**
 * The attack on masked resident ID numbers (GB 11643): from a masked number and the fields a viewer
 * sees in clear next to it (district → 6-digit region code, birth date, gender), list every ID number
 * consistent with all of it. 18 characters: region (6) + birth date (8) + sequence (3, odd = male) +
 * check character. A mask holds only when every record keeps many candidates.
 */
import { PLACES } from '../../apps/server/src/packs/bank-crm/demo/names.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** Public administrative division codes (GB/T 2260) by district name: what an attacker looks up. */
export const REGION_CODES: Map<string, string> = new Map(Object.values(PLACES).flat().map((p) => [p[2], p[3]]));

export interface SeenInClear {
  /** District name, or an address that contains it. */
  district?: string | null;
  address?: string | null;
  birthDate?: string | null;
  gender?: string | null;
}

function regionsFor(seen: SeenInClear): string[] {
  const text = `${seen.district ?? ''} ${seen.address ?? ''}`;
  const named = [...REGION_CODES].filter(([name]) => text.includes(name)).map(([, code]) => code);
  return named.length ? named : [...REGION_CODES.values()];
}

/** Does `candidate` show through `masked` (every non-* character of the mask in place)? */
function fits(masked: string, candidate: string): boolean {
  if (masked.length !== candidate.length) return false;
  for (let i = 0; i < masked.length; i++) if (masked[i] !== '*' && masked[i] !== candidate[i]) return false;
  return true;
}

/** Every valid ID number consistent with the masked value and what the viewer sees in clear. */
export function idCandidates(masked: string, seen: SeenInClear): string[] {
  if (!seen.birthDate) throw new Error('the enumeration assumes the birth date is seen in clear (the strongest attacker)');
  const birth = seen.birthDate.replace(/-/g, '');
  const parity = seen.gender === 'M' ? 1 : seen.gender === 'F' ? 0 : null;
  const out: string[] = [];
  for (const region of regionsFor(seen)) {
    const head = `${region}${birth}`;
    if (!fits(masked.slice(0, 14), head)) continue;
    let sum = 0;
    for (let i = 0; i < 14; i++) sum += Number(head[i]) * WEIGHTS[i]!;
    for (let seq = parity ?? 0; seq < 1000; seq += parity === null ? 1 : 2) {
      const s = String(seq).padStart(3, '0');
      const check = CHECK[(sum + Number(s[0]) * WEIGHTS[14]! + Number(s[1]) * WEIGHTS[15]! + Number(s[2]) * WEIGHTS[16]!) % 11]!;
      const id = head + s + check;
      if (fits(masked, id)) out.push(id);
    }
  }
  return out;
}

/** The mask this platform used before (first 3 and last 4 kept): `310***********1622`. */
export function oldMask(id: string): string {
  return id.slice(0, 3) + '*'.repeat(id.length - 7) + id.slice(-4);
}
