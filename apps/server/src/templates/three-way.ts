/**
 * The three-way rule of a pack upgrade, per part: compare what the pack last installed (base), what
 * the bank has now (current) and what the new pack version brings (want), all as fingerprints of the
 * part's canonical JSON. The bank's own changes are never overwritten; a part the bank deleted is not
 * re-created.
 */
import { createHash } from 'node:crypto';
import { stable } from './stable-json.js';

/** SHA-256 of the canonical JSON (sorted keys) of a part. */
export function fingerprint(canonical: unknown): string {
  return createHash('sha256').update(stable(canonical)).digest('hex');
}

export type PartDecision =
  /** The pack never installed it and it is not there: add it. */
  | 'create'
  /** Already what the pack brings. */
  | 'in_sync'
  /** Unchanged by the bank since the pack installed it: take the pack's new version. */
  | 'take_pack'
  /** Changed by the bank, not by the pack: keep the bank's. */
  | 'keep_bank'
  /** Changed on both sides: keep the bank's and report it. */
  | 'changed_on_both_sides'
  /** The pack installed it and the bank deleted it: do not re-create it. */
  | 'deleted_by_bank'
  /** Changed, and nothing tells what the pack installed (an install older than fingerprints): keep the bank's and report it. */
  | 'no_baseline';

/**
 * `base` null: the pack has no record of installing this part. `firstInstall`: the pack was never
 * installed, so a part already there with the pack's key is taken over (the installer asked for it).
 */
export function decide(base: string | null, current: string | null, want: string, firstInstall: boolean): PartDecision {
  if (current === null) {
    if (base === null) return 'create';
    // The bank confirmed the deletion of this very version of the part: it stays deleted, unreported.
    return base === acknowledgedDeletion(want) ? 'keep_bank' : 'deleted_by_bank';
  }
  if (current === want) return 'in_sync';
  if (base === null) return firstInstall ? 'take_pack' : 'no_baseline';
  if (current === base) return 'take_pack';
  if (want === base) return 'keep_bank';
  return 'changed_on_both_sides';
}

/** What the baseline records when the bank confirms it deleted the pack's version `packFingerprint` of a part. */
export function acknowledgedDeletion(packFingerprint: string): string {
  return `deleted:${packFingerprint}`;
}

/** The decisions that leave a part as the bank has it and are reported (listed as conflicts or skipped parts). */
export const REPORTED: ReadonlySet<PartDecision> = new Set(['changed_on_both_sides', 'deleted_by_bank', 'no_baseline']);
