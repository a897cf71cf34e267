// The notifications inbox's unread count, for the header's bell: loaded on sign-in, then
// kept by the live messages of user:{id} (each stored notification carries `unread`, and
// marking read elsewhere sends identity.notifications_read with the new count).
import { ref } from "./vue.js";
import { api } from "./api.js";

export const unread = ref(null);
const listeners = new Set();

export async function loadUnread() {
  const answer = await api.get("/api/v1/me/notifications/unread", { quiet: true }).catch(() => null);
  if (answer) unread.value = answer.unread;
}

export function forgetUnread() {
  unread.value = null;
}

// A message of user:{id}: a new stored notification, or "read elsewhere".
export function applyInbox(data) {
  if (data.notification_id) {
    unread.value = data.unread;
    for (const listener of listeners) listener(data);
  } else if (data.type === "identity.notifications_read") {
    unread.value = data.unread;
    for (const listener of listeners) listener(data);
  }
}

// The inbox page hears new notifications while it is open.
export function onInbox(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
