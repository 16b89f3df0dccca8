// Stegvis as an app: the service worker (/sw.js, stegvis/portal/app.py) keeps the shell and
// the offline and crisis pages on the phone. Without service workers, the pages work as they are.
"use strict";
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}
