import { create } from 'zustand';
import { ApiError, createClient, type CurrentUser, type UserSummary } from '@crm/shared';
import { currentLang } from './i18n';

/**
 * The session in the browser: the access token lives in memory only (never in Web Storage, where any
 * script could read it); the session itself is the server's HttpOnly refresh cookie. A page load asks
 * the server for a token with that cookie; an expired token is renewed on the 401 and the request sent
 * again; while the user works the token is renewed ahead of time; after the idle timeout without any
 * input the app signs out. Only the user's name and roles are kept across reloads (no secret).
 */
const USER = 'crm.user';
/** Where earlier versions kept the token: removed at start. */
const OLD_TOKEN = 'crm.token';

interface AuthState {
  token: string | null;
  user: (UserSummary & Partial<CurrentUser>) | null;
  /** The page just loaded and the session cookie is being tried. */
  restoring: boolean;
  /** Why the user was signed out (shown on the login page), e.g. after the idle timeout. */
  notice: string | null;
  signIn(token: string, user: UserSummary, expiresAt?: string): void;
  setUser(user: CurrentUser): void;
  /** Ends the session (on the server too); `notice` says why on the login page. */
  signOut(notice?: string | null): void;
}

function storedUser(): UserSummary | null {
  try {
    return JSON.parse(localStorage.getItem(USER) ?? 'null') as UserSummary | null;
  } catch {
    return null;
  }
}

localStorage.removeItem(OLD_TOKEN);

/** Renewal and idle bookkeeping (milliseconds). */
const session = { idleMs: 30 * 60_000, tokenMs: 30 * 60_000, renewedAt: Date.now(), activeAt: Date.now() };

function tokenIssued(expiresAt?: string) {
  const now = Date.now();
  const until = expiresAt ? Date.parse(expiresAt) : NaN;
  if (Number.isFinite(until) && until > now) session.tokenMs = until - now;
  session.renewedAt = now;
  session.activeAt = Math.max(session.activeAt, now - 1);
}

export const useAuth = create<AuthState>((set, get) => ({
  token: null,
  user: storedUser(),
  restoring: storedUser() !== null,
  notice: null,
  signIn(token, user, expiresAt) {
    localStorage.setItem(USER, JSON.stringify(user));
    tokenIssued(expiresAt);
    session.activeAt = Date.now();
    // What is known of the same user (rights from /api/auth/me) stays; another user's never does.
    const known = get().user;
    set({ token, user: known?.id === user.id ? { ...known, ...user } : user, restoring: false, notice: null });
  },
  setUser(user) {
    localStorage.setItem(USER, JSON.stringify(user));
    set({ user });
  },
  signOut(notice = null) {
    if (get().token) void api.logout().catch(() => undefined);
    localStorage.removeItem(USER);
    set({ token: null, user: null, restoring: false, notice });
  },
}));

let renewing: Promise<boolean> | null = null;

/** Asks the server for a new access token with the session cookie (one request at a time); false: the session ended. */
export function renewSession(): Promise<boolean> {
  renewing ??= api.refresh().then(
    (res) => {
      session.idleMs = res.idleTimeoutSeconds * 1000;
      const { user } = useAuth.getState();
      useAuth.getState().signIn(res.accessToken, { ...user, ...res.user }, res.expiresAt);
      return true;
    },
    (e: unknown) => {
      const was = useAuth.getState();
      // A page load without a session is no news; a session that ended (idle, maximum, elsewhere) is.
      const ended = e instanceof ApiError && e.status === 401 && (was.token !== null || e.code !== 'auth.session_missing');
      localStorage.removeItem(USER);
      useAuth.setState({ token: null, user: null, restoring: false, notice: ended ? (e as ApiError).message : was.notice });
      return false;
    },
  ).finally(() => {
    renewing = null;
  });
  return renewing;
}

/** The one client the whole web app talks to the server through. */
export const api = createClient({
  baseUrl: '',
  getToken: () => useAuth.getState().token,
  getLanguage: () => currentLang(),
  refresh: () => (useAuth.getState().token || useAuth.getState().restoring ? renewSession() : Promise.resolve(false)),
  onUnauthorized: () => {
    if (useAuth.getState().token) useAuth.getState().signOut();
  },
});

// The page just loaded: the session cookie (if any) gives this tab its token.
if (useAuth.getState().restoring) void renewSession();

const IDLE_CHECK_MS = 15_000;
const MIN_RENEW_MS = 30_000;
const idleText = () => (currentLang() === 'en' ? 'Signed out after a period of inactivity; sign in again' : '长时间未操作，已自动退出，请重新登录');

function activity() {
  session.activeAt = Date.now();
}
for (const type of ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const) window.addEventListener(type, activity, { passive: true, capture: true });

// While the user works, the token is renewed ahead of its expiry (which also tells the server the
// session is in use); without input for the idle timeout, the app signs out.
window.setInterval(() => {
  const { token } = useAuth.getState();
  if (!token) return;
  const now = Date.now();
  if (now - session.activeAt >= session.idleMs) {
    useAuth.getState().signOut(idleText());
    return;
  }
  const every = Math.max(MIN_RENEW_MS, Math.min(session.idleMs, session.tokenMs) / 3);
  if (session.activeAt > session.renewedAt && now - session.renewedAt >= every) void renewSession();
}, IDLE_CHECK_MS);

export function hasRole(user: { roles?: string[] } | null, ...roles: string[]): boolean {
  return !!user?.roles?.some((r) => roles.includes(r));
}
