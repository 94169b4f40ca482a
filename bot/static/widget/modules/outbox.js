/*
 * Owns the persistent outbox: messages the visitor typed, each with a client id, kept in
 * localStorage until the hub confirms them, so a drop or reload never loses or doubles one.
 */

import { config } from "./config.js";
import { load, save } from "./storage.js";

export function readOutbox() {
  var items = load(config.outboxKey, []);
  return Array.isArray(items) ? items : [];
}

export function dropFromOutbox(clientId) {
  var items = readOutbox();
  var kept = items.filter(function (i) {
    return i.client_id !== clientId;
  });
  if (kept.length !== items.length) save(config.outboxKey, kept);
}

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}

// Stores a new message first; it is sent only after it is safe in the outbox.
export function enqueue(text) {
  var item = { client_id: newClientId(), text: text, created_at: new Date().toISOString() };
  var items = readOutbox();
  items.push(item);
  save(config.outboxKey, items);
  return item;
}
