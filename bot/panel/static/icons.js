// Inline SVG icons and flags, drawn here so the panel needs no image files or icon fonts.

import { s } from "./dom.js";

function svg(size, viewBox, ...children) {
  return s("svg", { width: size, height: size, viewBox, "aria-hidden": "true", class: "icon" }, ...children);
}

export function flag(language) {
  if (language === "vi") {
    return s(
      "svg", { width: 20, height: 14, viewBox: "0 0 30 20", class: "flag", role: "img", "aria-label": "VI" },
      s("rect", { width: 30, height: 20, fill: "#da251d", rx: 2 }),
      s("polygon", {
        fill: "#ffff00",
        points: "15,4 16.76,9.41 22.45,9.41 17.85,12.76 19.61,18.16 15,14.82 10.39,18.16 12.15,12.76 7.55,9.41 13.24,9.41",
      }),
    );
  }
  // A simplified Union Jack: readable at 20 px, which is all a queue row needs.
  return s(
    "svg", { width: 20, height: 14, viewBox: "0 0 30 20", class: "flag", role: "img", "aria-label": "EN" },
    s("rect", { width: 30, height: 20, fill: "#012169", rx: 2 }),
    s("path", { d: "M0,0 L30,20 M30,0 L0,20", stroke: "#fff", "stroke-width": 4 }),
    s("path", { d: "M0,0 L30,20 M30,0 L0,20", stroke: "#c8102e", "stroke-width": 1.5 }),
    s("path", { d: "M15,0 V20 M0,10 H30", stroke: "#fff", "stroke-width": 6 }),
    s("path", { d: "M15,0 V20 M0,10 H30", stroke: "#c8102e", "stroke-width": 3 }),
  );
}

export function channelIcon(channel) {
  if (channel === "telegram") {
    return svg(16, "0 0 24 24",
      s("title", {}, "Telegram"),
      s("path", { d: "M21.5 3.5 2.8 10.8c-1 .4-1 1.8.1 2.1l4.7 1.5 1.8 5.6c.3.9 1.4 1.1 2 .4l2.6-2.6 4.8 3.5c.8.6 1.9.1 2.1-.9l3-15.3c.2-1.1-.9-2-2.4-1.6Z", fill: "#229ed9" }),
      s("path", { d: "m8 14.2 9.7-7.4-7.6 8.7", fill: "none", stroke: "#fff", "stroke-width": 1.4 }),
    );
  }
  return svg(16, "0 0 24 24",
    s("title", {}, channel === "web" ? "Web chat" : String(channel)),
    s("rect", { x: 2, y: 4, width: 20, height: 14, rx: 2, fill: "none", stroke: "currentColor", "stroke-width": 2 }),
    s("path", { d: "M8 21h8M12 18v3", stroke: "currentColor", "stroke-width": 2 }),
    s("path", { d: "M6 9h8M6 13h5", stroke: "currentColor", "stroke-width": 2, "stroke-linecap": "round" }),
  );
}

export function lotus(size = 28) {
  return svg(size, "0 0 32 32",
    s("path", { d: "M16 5c3 3.5 4 7.5 0 14-4-6.5-3-10.5 0-14Z", fill: "#f5b82e" }),
    s("path", { d: "M16 19C12 16 9 12 4 11c1 6 5 10 12 10s11-4 12-10c-5 1-8 5-12 8Z", fill: "#e8a317" }),
    s("path", { d: "M6 24h20", stroke: "#f5b82e", "stroke-width": 2, "stroke-linecap": "round" }),
  );
}

export function alertIcon() {
  return svg(14, "0 0 24 24",
    s("path", { d: "M12 3 2 21h20L12 3Z", fill: "currentColor" }),
    s("path", { d: "M12 10v5M12 17.5v.5", stroke: "#fff", "stroke-width": 2, "stroke-linecap": "round" }),
  );
}

export function clockIcon() {
  return svg(12, "0 0 24 24",
    s("circle", { cx: 12, cy: 12, r: 9, fill: "none", stroke: "currentColor", "stroke-width": 2.4 }),
    s("path", { d: "M12 7v5l3 2", fill: "none", stroke: "currentColor", "stroke-width": 2.4, "stroke-linecap": "round" }),
  );
}
