/**
 * One install's bookkeeping of the three-way rule: judges each part against what the pack last
 * installed, collects the new fingerprints of what the pack installs now and the parts left as the
 * bank has them. The installer applies a part only when told `apply`.
 */
import { decide, fingerprint, REPORTED, type PartDecision } from './three-way.js';
import type { PackConflict } from './pack-parts.store.js';

export class UpgradeLedger {
  /** Part → fingerprint of what the pack installs now (or found already equal to it). */
  readonly installed = new Map<string, string>();
  readonly conflicts: PackConflict[] = [];

  constructor(
    private readonly baseline: ReadonlyMap<string, string>,
    private readonly packVersion: string,
    private readonly firstInstall: boolean,
  ) {}

  /**
   * `current`: the part's canonical JSON as the bank has it now, or null when it is not there;
   * `deleted`: it is not there because someone deleted it (a soft-deleted field), which only the bank does.
   */
  judge(part: string, current: unknown, want: unknown, deleted = false): { apply: boolean; decision: PartDecision } {
    const wantFp = fingerprint(want);
    const currentFp = current === null ? null : fingerprint(current);
    const base = this.baseline.get(part) ?? null;
    // A soft-deleted part was deleted by the bank even when nothing records that the pack installed it.
    const decision = deleted && currentFp === null && base === null ? 'deleted_by_bank' : decide(base, currentFp, wantFp, this.firstInstall);
    if (decision === 'create' || decision === 'take_pack' || decision === 'in_sync') this.installed.set(part, wantFp);
    if (REPORTED.has(decision)) {
      this.conflicts.push({
        part, reason: decision as PackConflict['reason'], packVersion: this.packVersion,
        // A seed record's values may be personal data: the hash of the bank's copy is not kept nor shown.
        baseFingerprint: base, bankFingerprint: part.startsWith('record:') ? null : currentFp, packFingerprint: wantFp,
      });
    }
    return { apply: decision === 'create' || decision === 'take_pack', decision };
  }

}
