import { create } from 'zustand';
import { createClient, type CurrentUser, type UserSummary } from '@crm/shared';
import { currentLang } from './i18n';

const TOKEN = 'crm.token';
const USER = 'crm.user';

interface AuthState {
  token: string | null;
  user: (UserSummary & Partial<CurrentUser>) | null;
  signIn(token: string, user: UserSummary): void;
  setUser(user: CurrentUser): void;
  signOut(): void;
}

function storedUser(): UserSummary | null {
  try {
    return JSON.parse(localStorage.getItem(USER) ?? 'null') as UserSummary | null;
  } catch {
    return null;
  }
}

export const useAuth = create<AuthState>((set) => ({
  token: localStorage.getItem(TOKEN),
  user: storedUser(),
  signIn(token, user) {
    localStorage.setItem(TOKEN, token);
    localStorage.setItem(USER, JSON.stringify(user));
    set({ token, user });
  },
  setUser(user) {
    localStorage.setItem(USER, JSON.stringify(user));
    set({ user });
  },
  signOut() {
    localStorage.removeItem(TOKEN);
    localStorage.removeItem(USER);
    set({ token: null, user: null });
  },
}));

/** The one client the whole web app talks to the server through. */
export const api = createClient({
  baseUrl: '',
  getToken: () => useAuth.getState().token,
  getLanguage: () => currentLang(),
  onUnauthorized: () => {
    if (useAuth.getState().token) useAuth.getState().signOut();
  },
});

export function hasRole(user: { roles?: string[] } | null, ...roles: string[]): boolean {
  return !!user?.roles?.some((r) => roles.includes(r));
}
