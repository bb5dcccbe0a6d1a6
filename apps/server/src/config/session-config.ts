/**
 * Sign-in sessions (CRM_IDLE_TIMEOUT_MINUTES, CRM_SESSION_MAX_HOURS): how long a browser session may
 * sit unused before its refresh token stops being accepted, and the longest a session lasts in all,
 * however busy, before its user signs in again.
 */
import { intVar, type Env } from './config.js';

export interface SessionConfig {
  /** No activity for this long: the session ends (CRM_IDLE_TIMEOUT_MINUTES, 1–1440, default 30). */
  idleMinutes: number;
  /** A session ends this long after its sign-in whatever happens (CRM_SESSION_MAX_HOURS, 1–720, default 12). */
  maxHours: number;
}

export function sessionConfig(env: Env): SessionConfig {
  return {
    idleMinutes: intVar(env, 'CRM_IDLE_TIMEOUT_MINUTES', 30, 1, 1440),
    maxHours: intVar(env, 'CRM_SESSION_MAX_HOURS', 12, 1, 720),
  };
}
