/*
 * Owns localStorage access: JSON values that survive a reload (outbox, resume token,
 * language, open/closed). Private browsing can make localStorage throw; the widget then
 * still works for this page view.
 */

export function load(key, fallback) {
  try {
    var raw = localStorage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch (e) {
    return fallback;
  }
}

export function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    /* storage full or disabled: the widget still works for this page view */
  }
}
