// The one toast system: pages and live messages push short notes; they slide in and go.
import { reactive } from "./vue.js";

export const toasts = reactive([]);
let next = 1;

// `badge`: a badge id, whose icon is drawn before the message.
export function toast(message, { tone = "info", timeout = 5000, action = null, badge = null } = {}) {
  const id = next++;
  toasts.push({ id, message, tone, action, badge });
  if (timeout) setTimeout(() => dismiss(id), timeout);
  return id;
}

export function dismiss(id) {
  const index = toasts.findIndex((item) => item.id === id);
  if (index >= 0) toasts.splice(index, 1);
}
