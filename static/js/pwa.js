// The installable app on every page (issue 21): registers the service worker, keeps a check-in
// on the phone when offline and sends it when the connection returns, says so to the athlete,
// offers to install the app (Android) or explains Add to Home Screen (iOS), and turns on push
// notifications on the devices page. Without JavaScript the pages work as before.
"use strict";
(function () {
  const Q = window.RTRQueue;
  const text = {
    queued: "Saved on this phone, will send when online.",
    sent: "Sent: your check-in is with your care team.",
    signIn: "A check-in is saved on this phone. Sign in to send it.",
    other: "A check-in saved on this phone for another account is waiting. It will be sent only when that person signs in.",
    refused: "A check-in saved on this phone could not be sent: ",
    missing: "Please answer the questions marked *.",
  };

  function statusBox() {
    let box = document.getElementById("device-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "device-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      const main = document.getElementById("main");
      if (!main) { return null; }
      main.prepend(box);
    }
    return box;
  }

  function say(message, kind, link) {
    const box = statusBox();
    if (!box) { return; }
    box.className = `alert alert-${kind} mb-3`;
    box.dataset.state = kind;
    box.textContent = message;
    if (link) {
      const a = document.createElement("a");
      a.href = link.href; a.textContent = link.text; a.className = "ms-1 alert-link";
      box.append(" ", a);
    }
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function report(outcome) {
    if (!outcome) { return; }
    if (outcome.sent.length) { say(text.sent, "success"); document.body.dataset.queueSent = String(outcome.sent.length); }
    if (outcome.refused.length) {
      // Not saved by the server (e.g. too old a day): the athlete reads why, then removes it.
      const entry = outcome.refused[0];
      say(text.refused + (entry.message || ""), "danger");
      const button = document.createElement("button");
      button.type = "button"; button.className = "btn btn-sm btn-outline-danger ms-2"; button.textContent = "Remove it from this phone";
      button.addEventListener("click", () => Q.remove(entry.client_id).then(() => { statusBox().hidden = true; }));
      statusBox().append(" ", button);
      return;
    }
    if (outcome.signIn) {
      say(text.signIn, "warning", { href: "/accounts/login/?next=/me/", text: "Sign in" });
    } else if (outcome.waiting) {
      say(text.queued, "info");
    } else if (outcome.otherAccount && !outcome.sent.length) {
      say(text.other, "secondary");
    }
  }

  let replaying = null;
  function replay() {
    if (!Q || !window.indexedDB) { return Promise.resolve(); }
    if (!replaying) {
      replaying = Q.replay().then(report).catch(() => undefined).finally(() => { replaying = null; });
    }
    return replaying;
  }

  function unanswered(form) {
    return Array.from(form.querySelectorAll("fieldset.required-answer")).find((set) =>
      !set.closest("[hidden]") && !set.querySelector("input:checked"));
  }

  function checkinForm(form) {
    const id = form.querySelector("input[name=client_id]");
    if (id && !id.value && Q) { id.value = Q.newId(); }
    form.addEventListener("submit", async (event) => {
      if (navigator.onLine !== false || !Q) { return; }  // online: the normal post (the worker catches a drop)
      event.preventDefault();
      const missing = unanswered(form);
      if (missing) { say(text.missing, "danger"); missing.scrollIntoView({ block: "center" }); const input = missing.querySelector("input"); if (input) { input.focus(); } return; }
      await Q.add(new FormData(form).entries());
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then((reg) => reg.sync && reg.sync.register("rtr-checkins")).catch(() => undefined);
      }
      say(text.queued, "info");
      document.body.dataset.queued = "1";
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    });
  }

  function installOffer() {
    const panel = document.querySelector("[data-install]");
    if (!panel) { return; }
    const standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone;
    if (standalone) { return; }
    const ios = /iphone|ipad|ipod/i.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
    if (ios) { panel.hidden = false; panel.querySelector("[data-install-ios]").hidden = false; return; }
    window.addEventListener("beforeinstallprompt", (event) => {
      event.preventDefault();
      const button = panel.querySelector("[data-install-button]");
      panel.hidden = false; button.hidden = false;
      button.addEventListener("click", async () => { button.hidden = true; event.prompt(); await event.userChoice; panel.hidden = true; }, { once: true });
    });
  }

  function urlKey(base64) {
    const padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function pushDevices() {
    const box = document.querySelector("[data-push]");
    if (!box) { return; }
    const key = box.dataset.vapidKey;
    const button = box.querySelector("[data-push-on]");
    const result = box.querySelector("[data-push-result]");
    if (!key || !("serviceWorker" in navigator) || !("PushManager" in window)) {
      box.querySelector("[data-push-unavailable]").hidden = false; return;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        if ((await Notification.requestPermission()) !== "granted") { result.textContent = "Notifications are blocked for this site in your browser's settings."; return; }
        const reg = await navigator.serviceWorker.ready;
        const sub = (await reg.pushManager.getSubscription()) || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlKey(key) }));
        const topics = Array.from(box.querySelectorAll("input[name=topic]:checked"), (i) => i.value);
        const who = await (await fetch("/device/session/", { credentials: "same-origin", cache: "no-store" })).json();
        const response = await fetch(box.dataset.subscribeUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": who.csrf },
          body: JSON.stringify(Object.assign(sub.toJSON(), { topics })),
        });
        const answer = await response.json();
        result.textContent = response.ok ? "Notifications are on for this device." : answer.message;
      } catch (error) { result.textContent = "Notifications could not be turned on on this device."; }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
      navigator.serviceWorker.addEventListener("message", (event) => { if (event.data && event.data.rtr === "replayed") { report(event.data.outcome); } });
    }
    document.querySelectorAll("form[data-checkin-form]").forEach(checkinForm);
    installOffer();
    pushDevices();
    if (new URLSearchParams(location.search).has("queued")) { say(text.queued, "info"); document.body.dataset.queued = "1"; }
    if (navigator.onLine !== false) { replay(); } else if (Q) { Q.all().then((e) => { if (e.length) { say(text.queued, "info"); } }).catch(() => undefined); }
    window.addEventListener("online", replay);
  });
})();
