/*
 * Owns the widget's configuration: what the embedding tag said (site, language hint,
 * signed customer id, message limit) and the constants derived from it (hub addresses,
 * storage keys). Filled once by configure() before any other module reads it.
 */

export const HUMAN_PAYLOAD = "/request_human";
export const POLL_MS = 4000;
export const MAX_BACKOFF_MS = 30000;

export const config = {
  base: "",
  wsBase: "",
  site: "default",
  customerId: "",
  signature: "",
  langHint: "",
  maxChars: 4000,
  prefix: "",
  outboxKey: "",
  resumeKey: "",
};

// attrs comes from the loader, which read the tag's data-* attributes while it ran.
export function configure(attrs) {
  config.base = attrs.base;
  config.wsBase = attrs.base.replace(/^http/, "ws");
  config.site = attrs.site || "default";
  config.customerId = attrs.customerId || "";
  config.signature = attrs.signature || "";
  config.langHint = attrs.lang || "";
  config.maxChars = parseInt(attrs.maxChars || "4000", 10);
  config.prefix = "tandem:" + config.site + ":";
  config.outboxKey = config.prefix + "outbox:" + (config.customerId || "visitor");
  config.resumeKey = config.prefix + "resume";
}
