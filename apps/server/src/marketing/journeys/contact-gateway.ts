/**
 * Every journey contact asks the platform's contact gates (marketing/contact-gates.ts, shared with
 * campaigns) before it happens. This adapter is the one place journeys call them.
 */
import { Injectable } from '@nestjs/common';

export interface ContactRequest {
  customerId: string;
  /** sms | wecom | push | task */
  channel: string;
  source: { kind: 'journey'; key: string; ref: string };
}

export interface ContactOutcome {
  allowed: boolean;
  /** Why not: no_consent, consent_withdrawn, do_not_disturb, quiet_hours, frequency_cap, … */
  reason?: string | null;
}

@Injectable()
export class ContactGateway {
  async contact(_req: ContactRequest): Promise<ContactOutcome> {
    // Wired to the shared contact gates when they land (see the journeys README section).
    return { allowed: true };
  }
}
