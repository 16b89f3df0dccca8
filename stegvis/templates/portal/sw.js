{% autoescape off %}// Stegvis's service worker, version {{ version }} (stegvis/portal/app.py says what it keeps).
"use strict";
const SHELL = "stegvis-shell-{{ version }}";
const KEPT = {{ shell }};
const OFFLINE = {{ offline }};
const HELP = {{ help }};
const ICON = {{ icon }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL)
      // Asked for as by someone signed out: what is kept holds no one's name, count or token.
      .then((cache) => cache.addAll(KEPT.map((url) => new Request(url, { credentials: "omit" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  // An older version's shell goes: one version is kept at a time.
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== SHELL).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    // A page always comes from the network, so nobody's data is ever kept here; without a
    // connection, the crisis lines if asked for, else the offline page.
    const kept = url.pathname === HELP ? HELP : OFFLINE;
    event.respondWith(fetch(request).catch(() => caches.match(kept)));
    return;
  }
  if (KEPT.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((found) => found || fetch(request)));
  }
});

// A notification (Web Push): the message says only that something new is waiting, and
// which page of Stegvis to open. One at a time: a newer one replaces the one shown.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  const url = typeof message.url === "string" && message.url.startsWith("/") && !message.url.startsWith("//") ? message.url : "/";
  event.waitUntil(
    self.registration.showNotification(message.title || "Stegvis", {
      body: message.body || "",
      icon: ICON,
      badge: ICON,
      tag: "stegvis",
      renotify: true,
      data: { url },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data.url || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === target);
      return open ? open.focus() : self.clients.openWindow(target);
    })
  );
});
{% endautoescape %}
