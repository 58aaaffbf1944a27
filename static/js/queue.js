// The phone's queue of check-ins saved while offline (issue 21), shared by the pages (pwa.js)
// and the service worker (sw.js). Each entry is tagged with the athlete's account id and sent
// only while that same athlete is signed in; an expired session leaves it waiting.
"use strict";
(function (scope) {
  const DB = "rtr-offline";
  const STORE = "checkins";
  const SESSION_URL = "/device/session/";
  const SYNC_URL = "/me/checkin/sync/";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "client_id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(mode, action) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const result = action(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally { db.close(); }
  }

  const put = (entry) => run("readwrite", (store) => store.put(entry));
  const remove = (id) => run("readwrite", (store) => store.delete(id));
  const all = () => run("readonly", (store) => store.getAll());

  function newId() {
    if (scope.crypto && scope.crypto.randomUUID) { return scope.crypto.randomUUID(); }
    const b = scope.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // Keep a check-in on the phone: the form's answers (never the stale CSRF token).
  async function add(fields) {
    const entry = { client_id: "", athlete: "", fields: [], queued_at: new Date().toISOString(), status: "waiting", message: "" };
    for (const [name, value] of fields) {
      if (name === "csrfmiddlewaretoken") { continue; }
      if (name === "client_id") { entry.client_id = String(value); continue; }
      if (name === "athlete") { entry.athlete = String(value); }
      entry.fields.push([name, String(value)]);
    }
    if (!entry.client_id) { entry.client_id = newId(); }
    await put(entry);
    return entry;
  }

  async function session() {
    const response = await fetch(SESSION_URL, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) { throw new Error("session " + response.status); }
    return response.json();
  }

  // Send what waits for the athlete signed in now. Returns what happened, for the page to say.
  async function replay() {
    const outcome = { sent: [], waiting: 0, signIn: false, otherAccount: 0, refused: [], offline: false };
    let entries = await all();
    if (!entries.length) { return outcome; }
    let who;
    try { who = await session(); } catch (error) {
      outcome.offline = true; outcome.waiting = entries.filter((e) => e.status === "waiting").length; return outcome;
    }
    for (const entry of entries) {
      if (entry.status === "refused") { if (entry.athlete === who.athlete) { outcome.refused.push(entry); } continue; }
      if (!who.athlete) { outcome.signIn = true; outcome.waiting += 1; continue; }
      if (entry.athlete !== who.athlete) { outcome.otherAccount += 1; continue; }
      const body = new URLSearchParams(entry.fields);
      body.set("client_id", entry.client_id);
      let response;
      try {
        response = await fetch(SYNC_URL, {
          method: "POST", body, credentials: "same-origin", redirect: "manual",
          headers: { "X-CSRFToken": who.csrf, "Accept": "application/json" },
        });
      } catch (error) { outcome.offline = true; outcome.waiting += 1; continue; }
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        outcome.signIn = true; outcome.waiting += 1; continue;
      }
      if (response.ok) { await remove(entry.client_id); outcome.sent.push(await response.json()); continue; }
      if (response.status === 400 || response.status === 409) {
        let message = "";
        try { message = (await response.json()).message || ""; } catch (error) { message = ""; }
        entry.status = "refused"; entry.message = message; await put(entry); outcome.refused.push(entry); continue;
      }
      outcome.waiting += 1;  // the server is busy or down: try again later
    }
    return outcome;
  }

  scope.RTRQueue = { add, all, remove, replay, newId, SYNC_URL };
})(self);
