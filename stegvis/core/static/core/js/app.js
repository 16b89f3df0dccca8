// Stegvis as an app: the service worker (/sw.js, stegvis/portal/app.py) keeps the shell and
// the offline and crisis pages on the phone; a form marked data-keep-offline (the check-in)
// is kept on the phone when there is no connection, shown as waiting, and sent when the
// connection returns. Each form carries its submission id, so a form sent twice makes one
// row (stegvis/core/idempotency.py). Signing out wipes what is kept (Clear-Site-Data).
// Without scripts or service workers, the pages work as they are.
"use strict";

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}

const outbox = {
  name: "stegvis-outbox",
  store: "forms",
  open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(this.name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(this.store, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  },
  async run(mode, act) {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(this.store, mode);
      const request = act(transaction.objectStore(this.store));
      transaction.oncomplete = () => { db.close(); resolve(request && request.result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    });
  },
  keep(entry) { return this.run("readwrite", (store) => store.put(entry)); },
  all() { return this.run("readonly", (store) => store.getAll()); },
  drop(key) { return this.run("readwrite", (store) => store.delete(key)); },
};

const waiting = document.getElementById("waiting-to-send");
const conflict = document.getElementById("kept-conflict");

// Whose the kept forms are: the signed-in person of this page, or on the offline page (kept
// for everyone alike) the one last signed in on this phone. Signing out wipes both.
const person = document.body.dataset.person || "";
if (person) {
  localStorage.setItem("stegvis-person", person);
  localStorage.setItem("stegvis-patient", "patient" in document.body.dataset ? "1" : "");
}
const owner = person || localStorage.getItem("stegvis-person") || "";
const ownKept = async () => (await outbox.all()).filter((entry) => entry.owner === owner);

async function showWaiting(note) {
  if (!waiting || !("indexedDB" in window)) return;
  const kept = await ownKept();
  const count = kept.filter((entry) => !entry.conflict && !entry.sent).length;
  const text = count === 1 ? waiting.dataset.one : waiting.dataset.many.replace("{count}", count);
  waiting.textContent = note || (count ? text : "");
  waiting.hidden = !waiting.textContent;
  // Compared only on a page of hers, signed in: the offline page has no token to send it.
  if (conflict) conflict.hidden = !person || !kept.some((entry) => entry.conflict);
}

// A change the server refused because a newer version was saved meanwhile is never sent
// over it: the person compares the two. "Compare" sends it once more as a plain form, and
// the server answers with both versions side by side and the kept text in the form.
if (conflict) {
  conflict.querySelector("button").addEventListener("click", async () => {
    const entry = (await ownKept()).find((kept) => kept.conflict);
    if (!entry) return;
    const form = document.createElement("form");
    form.method = "post";
    form.action = entry.action;
    form.hidden = true;
    withToken(entry.fields).forEach(([name, value]) => {
      if (typeof value !== "string") return;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    });
    document.body.append(form);
    // Kept until the server says it arrived, like any form sent (settle, below).
    await outbox.keep({ ...entry, conflict: false, sent: true });
    form.submit();
  });
}

// The crisis rules travel with the page (json_script "crisis-words", and for a questionnaire
// "crisis-items": an item whose answer above a value opens the crisis lines), so the crisis
// lines show at once with no connection; the flag is raised when the form arrives.
function mentionsCrisis(form) {
  const words = document.getElementById("crisis-words");
  const items = document.getElementById("crisis-items");
  const text = Array.from(form.querySelectorAll("textarea, input[type=text]"))
    .map((field) => field.value.replace(/\u2019/g, "'").toLowerCase()).join(" ");
  const said = words && JSON.parse(words.textContent).some((word) => {
    const escaped = word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s+");
    return new RegExp("(?<![\\p{L}\\p{N}_])" + escaped, "u").test(text);
  });
  const answered = items && JSON.parse(items.textContent).some((rule) => {
    const field = form.elements[rule.field];
    return field && field.value !== "" && Number(field.value) > rule.above;
  });
  return Boolean(said || answered);
}

function showKept(form) {
  form.hidden = true;
  form.insertAdjacentHTML("afterend", '<p class="card" role="status"></p>');
  form.nextElementSibling.textContent = form.dataset.keptText;
  form.nextElementSibling.dataset.keptNote = form.elements.submission_id.value;
}

// Once a kept form has left, this page stops saying it waits; one the server refused comes
// back as she wrote it, to be put right and sent again (its key was released).
function keptFormSettled(key, refused) {
  const note = Array.from(document.querySelectorAll("[data-kept-note]")).find((found) => found.dataset.keptNote === key);
  if (!note) return;
  const form = note.previousElementSibling;
  note.remove();
  if (refused && form) {
    form.hidden = false;
    delete form.dataset.kept;
  }
}

// A form to keep is written to the phone before it leaves, every time. With no connection
// it stays there and waits. With one, the browser sends it as usual, marked as kept, and the
// page that answers says it arrived (the stegvis-arrived cookie, core/idempotency.py); if
// the connection only claimed to be there (on a train's Wi-Fi), the service worker answers
// a kept form it could not send with the offline page, where it waits like one written
// offline. A phone that cannot keep it (storage full) sends it as a plain form.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form[data-keep-offline]") || !("indexedDB" in window) || !owner) return;
  event.preventDefault();
  if (form.dataset.kept) return; // a second tap while the first is on its way
  form.dataset.kept = "1";
  const submitter = event.submitter;
  const online = navigator.onLine && Boolean(person);
  let crisis;
  try {
    // Text, and the files chosen (a message's attachments): an empty file field is not kept.
    const fields = Array.from(new FormData(form, submitter).entries())
      .filter(([, value]) => typeof value === "string" || value.size > 0);
    crisis = mentionsCrisis(form);
    await outbox.keep({ key: form.elements.submission_id.value, action: actionOf(form).href,
                        fields, owner, crisis, sent: online, savedAt: Date.now() });
  } catch (error) {
    sendAsForm(form, submitter, false);
    return;
  }
  if (online) {
    sendAsForm(form, submitter, true);
    return;
  }
  if (crisis) {
    window.location.assign(form.dataset.crisisUrl);
    return;
  }
  showKept(form);
  await showWaiting();
});

// The form's address (read as an attribute: a field named "action" would hide the property).
function actionOf(form) {
  return new URL(form.getAttribute("action") || window.location.href, window.location.href);
}

function sendAsForm(form, submitter, kept) {
  if (submitter && submitter.name) {
    const pressed = document.createElement("input");
    pressed.type = "hidden";
    pressed.name = submitter.name;
    pressed.value = submitter.value;
    form.append(pressed);
  }
  if (kept) {
    const action = actionOf(form);
    action.searchParams.set("kept", "1"); // for the service worker: this one waits if it fails
    form.setAttribute("action", action.pathname + action.search);
  }
  HTMLFormElement.prototype.submit.call(form); // no second submit event
}

// Back to a page from the browser's history: its forms may be sent again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) document.querySelectorAll("form[data-kept]").forEach((form) => delete form.dataset.kept);
});

function cookie(name) {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)).replace(/^"|"$/g, "") : "";
}

function forgetArrived() {
  document.cookie = "stegvis-arrived=; Max-Age=0; path=/; SameSite=Lax";
}

// What was sent as the last page left: dropped if the server says it arrived; otherwise it
// never did (the offline page answered), and it waits like anything written offline, with
// the crisis lines shown at once if it asked for them.
async function settle() {
  const arrived = cookie("stegvis-arrived");
  if (arrived) {
    await outbox.drop(arrived);
    forgetArrived();
  }
  const unsent = (await ownKept()).filter((entry) => entry.sent);
  for (const entry of unsent) await outbox.keep({ ...entry, sent: false });
  const crisis = unsent.find((entry) => entry.crisis);
  const help = document.querySelector("form[data-crisis-url]");
  if (crisis && help && !person) window.location.assign(help.dataset.crisisUrl);
}

// Sent with this page's token: a form kept on the offline page has none of its own.
function withToken(fields) {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const others = fields.filter(([name]) => name !== "csrfmiddlewaretoken");
  return token ? [...others, ["csrfmiddlewaretoken", token.value]] : fields;
}

let sending = false;

// Only from a page of the person who wrote it, who is signed in: the offline page waits.
async function sendWaiting() {
  if (sending || !navigator.onLine || !person || !("indexedDB" in window)) return;
  sending = true;
  let failed = false;
  let sent = 0;
  try {
    for (const entry of (await ownKept()).filter((kept) => !kept.conflict && !kept.sent)) {
      const body = new FormData();
      withToken(entry.fields).forEach(([name, value]) => body.append(name, value));
      let answer;
      try {
        answer = await fetch(entry.action, { method: "POST", body, credentials: "same-origin", redirect: "manual" });
      } catch (error) {
        break; // still no connection: everything stays for the next time
      }
      // Arrived only if the server says so: a redirect may be to the sign-in page.
      const arrived = cookie("stegvis-arrived") === new Map(entry.fields).get("submission_id");
      if (arrived) forgetArrived();
      if (answer.status === 409 && answer.headers.get("Stegvis-Conflict")) {
        await outbox.keep({ ...entry, conflict: true });
      } else if (arrived && (answer.type === "opaqueredirect" || answer.ok)) {
        await outbox.drop(entry.key);
        keptFormSettled(entry.key, false);
        sent += 1;
      } else if (arrived || [400, 404, 413, 422].includes(answer.status)) {
        await outbox.drop(entry.key); // refused: what it said cannot be saved as it is
        keptFormSettled(entry.key, true);
        failed = true;
      } else {
        break; // not arrived (signed out, a server error): everything stays for the next time
      }
    }
  } finally {
    sending = false;
  }
  const note = failed ? "failed" : sent ? "sent" : "";
  await showWaiting(note && waiting ? waiting.dataset[note] : "");
}

// The offline page offers a blank check-in where a patient is signed in on this phone,
// with a submission id of its own each time (the page itself is the same for everyone).
const offlineCheckin = document.getElementById("offline-checkin");
if (offlineCheckin && !person && localStorage.getItem("stegvis-patient") && "indexedDB" in window) {
  offlineCheckin.querySelector("[name=submission_id]").value = crypto.randomUUID();
  offlineCheckin.hidden = false;
}

// Back online on the offline page: the home page sends what waits, signed in. The browser
// may say it is online when it is not, so the offline page asks the server first.
async function reachable() {
  try {
    return (await fetch("/health/", { cache: "no-store" })).ok;
  } catch (error) {
    return false;
  }
}

// Home when the server answers, unless she is writing a check-in here. Asked now and then
// too: on a connection that only claimed to be there, "online" never comes again.
let writing = false;
async function homeIfReachable() {
  if (!writing && (await reachable())) window.location.assign("/");
}

window.addEventListener("online", () => {
  if (person) sendWaiting();
  else if (offlineCheckin) homeIfReachable();
});
if (offlineCheckin && !person) {
  offlineCheckin.addEventListener("input", () => { writing = true; });
  offlineCheckin.addEventListener("submit", () => { writing = false; });
  setInterval(async () => { if ((await ownKept()).length) homeIfReachable(); }, 30_000);
}
window.addEventListener("load", () => {
  if (!("indexedDB" in window)) return;
  settle().then(showWaiting).then(sendWaiting);
});

// Notifications on this device (Web Push). The settings page's form is shown where the
// browser can be notified; once the person allows it, the browser's subscription is posted
// and the server encrypts each message for this device alone. A message says only that
// something new is waiting (the service worker shows it).
const deviceForm = document.querySelector("form[data-push-subscribe]");

function deviceName() {
  const platform = navigator.userAgentData ? navigator.userAgentData.platform : "";
  const match = /Android|iPhone|iPad|Windows|Macintosh|Linux/.exec(navigator.userAgent);
  return (platform || (match ? match[0] : "")).slice(0, 80);
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (character) => character.charCodeAt(0));
}

if (deviceForm && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window) {
  const status = deviceForm.querySelector("[data-push-status]");
  deviceForm.hidden = false;
  deviceForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = status.dataset.denied;
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = (await registration.pushManager.getSubscription())
        || (await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(deviceForm.dataset.key),
        }));
      const json = subscription.toJSON();
      deviceForm.elements.endpoint.value = json.endpoint;
      deviceForm.elements.p256dh.value = json.keys.p256dh;
      deviceForm.elements.auth.value = json.keys.auth;
      deviceForm.elements.device.value = deviceName();
      deviceForm.submit();
    } catch (error) {
      status.textContent = status.dataset.failed;
    }
  });
}
