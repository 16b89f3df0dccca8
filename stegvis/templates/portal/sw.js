{% autoescape off %}// Stegvis's service worker, version {{ version }} (stegvis/portal/app.py says what it keeps).
"use strict";
const SHELL = "stegvis-shell-{{ version }}";
const KEPT = {{ shell }};
const OFFLINE = {{ offline }};
const HELP = {{ help }};
const ICON = {{ icon }};
const LANGUAGES = {{ languages }};
const DEFAULT_LANGUAGE = {{ default_language }};
// How long a page may take before the phone shows what it keeps (a kept form: three times
// as long, since it may carry a photo; the crisis lines a fifth): a connection that claims
// to be there but carries nothing is treated as none.
const PATIENCE = {{ patience_ms }};
// The language Stegvis was last read in on this phone, for the pages kept in each language.
const READING = "stegvis-reading";

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
      .then((names) => Promise.all(names.filter((name) => name !== SHELL && name !== READING).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

function patiently(answer, patience) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer")), patience);
    answer.then(
      (found) => { clearTimeout(timer); resolve(found); },
      (error) => { clearTimeout(timer); reject(error); }
    );
  });
}

let language = "";

function remember(answer) {
  const spoken = answer.headers.get("Content-Language") || "";
  if (LANGUAGES.includes(spoken) && spoken !== language) {
    language = spoken;
    caches.open(READING).then((cache) => cache.put("/language", new Response(spoken)));
  }
  return answer;
}

async function readingLanguage() {
  if (!language) {
    const kept = await caches.match("/language", { cacheName: READING });
    language = kept ? await kept.text() : "";
  }
  if (language) return language;
  // Never read here yet: the phone's own language, if Stegvis speaks it.
  const phone = (self.navigator.languages || [self.navigator.language])
    .map((tag) => tag.toLowerCase().split("-")[0])
    .map((code) => (code === "no" || code === "nn" ? "nb" : code));
  return phone.find((code) => LANGUAGES.includes(code)) || DEFAULT_LANGUAGE;
}

async function keptPage(path) {
  const found = await caches.match(`${path}?lang=${await readingLanguage()}`, { cacheName: SHELL });
  return found || caches.match(`${path}?lang=${DEFAULT_LANGUAGE}`, { cacheName: SHELL });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    if (url.pathname === OFFLINE) {
      // Holds no one's data, so always the kept one (in the language last read).
      event.respondWith(keptPage(OFFLINE));
      return;
    }
    const sent = request.method !== "GET";
    if (sent && !url.searchParams.has("kept")) {
      return; // a form the phone did not keep goes as the browser sends it
    }
    // A page always comes from the network, so nobody's data is ever kept here; without a
    // connection, the crisis lines if asked for (soon: they must not wait), else the
    // offline page. A kept form that could not be sent leads to the offline page, where it
    // waits (core/js/app.js).
    const help = url.pathname === HELP;
    const patience = sent ? 3 * PATIENCE : help ? PATIENCE / 5 : PATIENCE;
    event.respondWith(
      patiently(fetch(request), patience)
        .then(remember)
        .catch(() => (sent ? Response.redirect(OFFLINE, 303) : keptPage(help ? HELP : OFFLINE)))
    );
    return;
  }
  if (request.method === "GET" && KEPT.includes(url.pathname)) {
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
