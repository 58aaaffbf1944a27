{% load static %}// RTR's service worker (issue 21), served at /sw.js for the whole site. It keeps on the phone
// only the look of the pages, the offline page, and the signed-in athlete's own today page,
// written plan and history (marked by the server with X-RTR-Offline). Staff pages, and any page
// of someone who is not that athlete, are never kept; an athlete's pages are dropped as soon as
// anyone else (or no one) is signed in. A check-in that cannot reach the server is kept in
// IndexedDB (queue.js) and sent when the connection returns (Background Sync, and page loads).
"use strict";
importScripts("{{ queue_js }}");

const SHELL = "rtr-shell-{{ version }}";
const SHELL_URLS = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const PAGES = "rtr-pages";
const OWNER_KEY = "/__rtr_owner__";
const OFFLINE_URL = "{% url 'pwa:offline' %}";
const SUBMIT_URL = "{% url 'checkins:submit' %}";
const HOME_URL = "{% url 'athlete_home' %}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("rtr-shell-") && name !== SHELL) { await caches.delete(name); }
    }
    await self.clients.claim();
  })());
});

async function owner() {
  const cache = await caches.open(PAGES);
  const response = await cache.match(OWNER_KEY);
  return response ? response.text() : null;
}

// Learn from each page whose it is: keep the athlete's own marked pages, drop everything kept
// when anyone else is signed in.
async function learn(request, response) {
  const who = response.headers.get("X-RTR-Who");
  if (!who) { return; }
  if (!who.startsWith("athlete:")) { await caches.delete(PAGES); return; }
  const athlete = who.slice("athlete:".length);
  if ((await owner()) !== athlete) {
    await caches.delete(PAGES);
    await (await caches.open(PAGES)).put(OWNER_KEY, new Response(athlete));
  }
  if (response.ok && response.headers.get("X-RTR-Offline") === "keep") {
    const url = new URL(request.url); url.search = "";
    await (await caches.open(PAGES)).put(url.href, response);
  }
}

async function page(event) {
  try {
    const response = await fetch(event.request);
    event.waitUntil(learn(event.request, response.clone()));
    return response;
  } catch (error) {
    const url = new URL(event.request.url); url.search = "";
    const pages = await caches.open(PAGES);
    return (await pages.match(url.href)) || (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

// A check-in posted while the connection drops: kept on the phone, then the today page says so.
async function submit(event) {
  const copy = event.request.clone();
  try {
    return await fetch(event.request);
  } catch (error) {
    const entry = await RTRQueue.add((await copy.formData()).entries());
    if (self.registration.sync) { try { await self.registration.sync.register("rtr-checkins"); } catch (e) { /* not allowed */ } }
    return Response.redirect(HOME_URL + "?queued=" + encodeURIComponent(entry.client_id), 303);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && request.method === "POST" && url.pathname === SUBMIT_URL) {
    event.respondWith(submit(event));
  } else if (request.mode === "navigate" && request.method === "GET") {
    event.respondWith(page(event));
  } else if (request.method === "GET" && url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
  // Everything else (forms, htmx, JSON) goes to the network only, never kept.
});

self.addEventListener("sync", (event) => {
  if (event.tag === "rtr-checkins") {
    event.waitUntil(RTRQueue.replay().then(async (outcome) => {
      for (const client of await self.clients.matchAll()) { client.postMessage({ rtr: "replayed", outcome }); }
      if (outcome.waiting && !outcome.signIn) { throw new Error("still waiting"); }  // retried by the browser
    }));
  }
});

self.addEventListener("push", (event) => {
  let data = { title: "RTR", body: "You have a new notice in RTR", url: "/" };
  try { data = Object.assign(data, event.data ? event.data.json() : {}); } catch (error) { /* keep the default */ }
  event.waitUntil(self.registration.showNotification(data.title, {
    body: data.body, icon: "{% static 'img/icon-192.png' %}", data: { url: data.url },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) { return; }
  event.waitUntil(self.clients.openWindow(target.href));
});
