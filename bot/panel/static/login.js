// The sign-in card and the language switch (shared with the top bar). What happens after a
// successful sign-in is the controller's (panel.js), which it registers with onSignIn.

import { post } from "./api.js";
import { fill, h } from "./dom.js";
import { getLang, setLang, t } from "./i18n.js";
import { lotus } from "./icons.js";
import { el } from "./panel_app.js";

let signedIn = () => {};

/** The function that starts the workspace once the hub accepts a sign-in. */
export function onSignIn(handler) {
  signedIn = handler;
}

// ---- sign-in -----------------------------------------------------------------------------
export function langSwitch(onChange) {
  return h("div", { class: "lang-switch", role: "group", "aria-label": t("language") },
    ["vi", "en"].map((code) => h("button", {
      class: `btn btn-xs${getLang() === code ? " on" : ""}`, "data-lang": code,
      onclick: () => { setLang(code); onChange(); },
    }, code.toUpperCase())));
}

export function showLogin(message) {
  const error = h("p", { class: "form-error", role: "alert" }, message || "");
  const form = h("form", { class: "login-card", id: "login-form" },
    h("div", { class: "login-brand" }, lotus(40), h("div", {}, h("strong", {}, t("bank")), h("span", {}, "Tandem"))),
    h("h1", {}, t("sign_in_title")),
    h("label", { class: "field" }, h("span", {}, t("username")), h("input", { name: "username", autocomplete: "username", required: true })),
    h("label", { class: "field" }, h("span", {}, t("password")), h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    error,
    h("button", { class: "btn btn-primary btn-block", type: "submit" }, t("sign_in")),
    langSwitch(() => showLogin()));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    try {
      const data = await post("/api/auth/login", { username: values.username.trim(), password: values.password });
      signedIn(data.user, data.csrf_token);
    } catch (err) {
      if (err.status === 401) error.textContent = t("wrong_login");
      else if (err.status === 429) error.textContent = t("too_many_attempts", { seconds: err.retryAfter || 1 });
      else error.textContent = t("error", { detail: err.message });
    }
  });
  document.body.className = "login";
  fill(el("app"), h("main", { class: "login-wrap" }, form));
  form.querySelector("input").focus();
}
