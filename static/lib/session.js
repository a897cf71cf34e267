// Who is signed in: the account from GET /api/v1/me, or null. Signing in or out
// reconnects the live module, whose socket carries the session cookie.
import { ref } from "./vue.js";
import { api } from "./api.js";
import { live } from "./live.js";
import { setLanguage } from "./i18n.js";

export const me = ref(null);
export const loaded = ref(false);

export async function loadMe() {
  try {
    me.value = await api.get("/api/v1/me", { quiet: true });
  } catch (error) {
    if (error.status !== 401) throw error;
    me.value = null;
  } finally {
    loaded.value = true;
  }
  return me.value;
}

export async function signIn(email, password) {
  me.value = await api.post("/api/v1/auth/login", { email, password }, { quiet: true });
  live.reconnect();
  return me.value;
}

export async function signOut() {
  await api.post("/api/v1/auth/logout", undefined, { quiet: true }).catch(() => {});
  me.value = null;
  live.reconnect();
}

export function forget() {
  me.value = null;
  live.reconnect();
}

export function adopt(account) {
  me.value = account;
  if (account?.language && !localStorage.getItem("metacult.language")) setLanguage(account.language);
}
