// Interface strings in Vietnamese and English. Customer data is never translated here.
// This module owns the look-up (language choice, t, label, loc); the tables themselves are
// in strings_vi.js and strings_en.js.

import { EN } from "./strings_en.js";
import { VI } from "./strings_vi.js";

// A fresh object: addStrings replaces a language's table here, never the imported ones.
const STRINGS = { vi: VI, en: EN };

let lang = localStorage.getItem("tandem.lang") || "vi";

export function getLang() {
  return lang;
}

export function setLang(value) {
  lang = STRINGS[value] ? value : "vi";
  localStorage.setItem("tandem.lang", lang);
  document.documentElement.lang = lang;
}

/** Add a screen's own strings ({vi: {...}, en: {...}}); existing keys are kept. */
export function addStrings(more) {
  for (const [code, strings] of Object.entries(more)) {
    STRINGS[code] = { ...strings, ...(STRINGS[code] || {}) };
  }
}

/** Look up a string and fill {placeholders}; unknown keys fall back to English, then the key. */
export function t(key, vars = {}) {
  const template = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** The locale for dates and times in the interface language. */
export function locale() {
  return lang === "vi" ? "vi-VN" : "en-GB";
}

/** Text the hub sends in both languages ({vi, en}): the interface language first. */
export function loc(value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return String(value);
  return value[lang] || value.en || value.vi || Object.values(value).find(Boolean) || "";
}

/** A label for a code (reason_x, code_x) or the raw code when there is no translation.
 * The labels of codes the hub sends (reasons, intents, slots, products...) are in labels.js. */
export function label(prefix, code) {
  if (!code) return "";
  const key = `${prefix}_${code}`;
  return STRINGS[lang][key] ?? STRINGS.en[key] ?? String(code).replace(/_/g, " ");
}

export const RESOLUTION_CODES = [
  "answered", "card_blocked", "dispute_opened", "complaint", "callback_scheduled",
  "referred_branch", "sale_made", "no_response", "other",
];
export const TEAMS = ["cards", "fraud", "loans", "premium"];

// A call-back window on the bank's clock (the customer's time), as the reminder shows it.
export function windowOf(startIso, endIso) {
  if (!startIso) return "";
  const zone = { timeZone: "Asia/Ho_Chi_Minh" };
  const time = { ...zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  const start = new Date(startIso);
  const end = endIso ? new Date(endIso).toLocaleTimeString(locale(), time) : "";
  return `${start.toLocaleTimeString(locale(), time)}–${end} ${start.toLocaleDateString(locale(), zone)}`;
}
