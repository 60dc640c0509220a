/** The customer's session token, kept in WeChat storage across launches. */
export const SESSION_KEY = "erpbridge.session";

export interface StoredSession {
  token: string;
  /** ISO instant. */
  expiresAt: string;
}

/** Treat a session as gone a minute before it expires (clock skew, slow requests). */
const MARGIN_MS = 60_000;

export function getSession(now = Date.now()): StoredSession | null {
  let value: unknown;
  try {
    value = wx.getStorageSync(SESSION_KEY);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const { token, expiresAt } = value as Partial<StoredSession>;
  if (typeof token !== "string" || !token || typeof expiresAt !== "string") return null;
  const expires = Date.parse(expiresAt);
  if (!Number.isFinite(expires) || expires - MARGIN_MS <= now) {
    clearSession();
    return null;
  }
  return { token, expiresAt };
}

export function getToken(): string | null {
  return getSession()?.token ?? null;
}

export function saveSession(session: { sessionToken: string; expiresAt: Date | string }): StoredSession {
  const stored: StoredSession = {
    token: session.sessionToken,
    expiresAt: typeof session.expiresAt === "string" ? session.expiresAt : session.expiresAt.toISOString(),
  };
  wx.setStorageSync(SESSION_KEY, stored);
  return stored;
}

export function clearSession(): void {
  try {
    wx.removeStorageSync(SESSION_KEY);
  } catch {
    // nothing stored
  }
}
