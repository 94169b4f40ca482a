// The hub's agent API: same-origin fetch with the session cookie and the CSRF header.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, detail, retryAfter = null) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.retryAfter = retryAfter; // seconds, on 429 (throttled sign-in)
  }
}

export function setCsrf(token) {
  csrfToken = token;
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("application/json")) data = await response.json();
  if (!response.ok) {
    // A refusal with a reason (a closed Zalo or Messenger window) carries it in "message".
    const detail = data && typeof data.detail === "string" ? data.detail
      : data && data.detail && typeof data.detail.message === "string" ? data.detail.message
        : response.statusText;
    const retryAfter = Number(response.headers.get("retry-after")) || null;
    throw new ApiError(response.status, detail, retryAfter);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);

/** Fire-and-forget calls (feedback, analytics): failures must never block an agent. */
export function record(path, body) {
  post(path, body).catch((err) => console.warn("could not record", path, err.message));
}
