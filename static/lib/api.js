// The one module that calls the REST API: the session cookie, the one error shape turned
// into a sentence, 401 → the sign-in page, 429 → "slow down" with the wait.
import { t, has } from "./i18n.js";
import { toast } from "./toasts.js";

export class ApiError extends Error {
  constructor(status, code, message, fields = {}, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }

  // A 5xx or a network failure: the page offers "try again".
  get retryable() {
    return this.status === 0 || this.status >= 500;
  }
}

let onUnauthenticated = () => {};
export function whenUnauthenticated(callback) {
  onUnauthenticated = callback;
}

// The sentence for an error code, from the message tables (errors.<code>), else by status.
export function humanMessage(status, code, fallback) {
  if (code && has(`errors.${code}`)) return t(`errors.${code}`);
  if (status === 0 || status >= 500) return t("errors.try_again");
  if (status === 404) return t("errors.not_found");
  if (status === 403) return t("errors.forbidden");
  return fallback || t("errors.generic");
}

// The API's field problems in the reader's language: `codes` (required, too_short…) have a
// sentence each in the message tables (field_errors.<code>); a field with no code or an
// unknown one keeps the API's English wording. A number in that wording ("at least 10
// characters") is the {n} of the sentence.
export function fieldMessages(fields = {}, codes = {}) {
  const shown = {};
  for (const [name, message] of Object.entries(fields)) {
    const code = codes[name];
    const n = String(message).match(/\d+/)?.[0];
    if (code && n && has(`field_errors.${code}_n`)) shown[name] = t(`field_errors.${code}_n`, { n });
    else if (code && has(`field_errors.${code}`)) shown[name] = t(`field_errors.${code}`);
    else shown[name] = message;
  }
  return shown;
}

export async function request(method, path, { body, form, query, headers = {}, quiet = false, raw = false } = {}) {
  let url = path;
  if (query) {
    const search = new URLSearchParams(
      Object.entries(query).filter(([, value]) => value !== undefined && value !== null && value !== ""),
    );
    if (search.toString()) url += `?${search}`;
  }
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  } else if (form !== undefined) {
    // A multipart form (a file upload): the browser writes its Content-Type and boundary;
    // same-origin with the session cookie and the page's Origin, as every other write.
    init.body = form;
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "network", t("errors.try_again"));
  }
  if (response.ok) {
    if (raw) return response;
    if (response.status === 204) return null;
    return response.json();
  }
  let error = {};
  try {
    error = (await response.json()).error || {};
  } catch {
    // not our JSON shape (a proxy's page): the status says enough
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  const failure = new ApiError(
    response.status,
    error.code || `http_${response.status}`,
    humanMessage(response.status, error.code, error.message),
    fieldMessages(error.fields || {}, error.codes || {}),
    retryAfter,
  );
  if (response.status === 429 && !quiet) {
    toast(t("errors.slow_down", { seconds: retryAfter || 1 }), { tone: "warning" });
  }
  if (response.status === 401 && !quiet) onUnauthenticated(failure);
  throw failure;
}

export const api = {
  get: (path, options) => request("GET", path, options),
  post: (path, body, options) => request("POST", path, { ...options, body }),
  put: (path, body, options) => request("PUT", path, { ...options, body }),
  patch: (path, body, options) => request("PATCH", path, { ...options, body }),
  delete: (path, options) => request("DELETE", path, options),
  // A FormData (multipart) POST, for file uploads.
  upload: (path, form, options) => request("POST", path, { ...options, form }),
};

// A fresh Idempotency-Key for a write that may be retried (sign-up, review, vote).
export function idempotencyKey() {
  return { "Idempotency-Key": crypto.randomUUID() };
}
