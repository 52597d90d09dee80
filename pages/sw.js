// The service worker: the app shell is precached (cache-first, so the app opens offline) under a versioned
// cache name; API calls go to the network first. Public knowledge-base GETs fall back to their last
// answer when offline; calls with credentials are never cached here (the app keeps the user's data in
// IndexedDB, per user). SHELL (every file of pages/ but this one and _headers) and VERSION (a hash of the
// shell's contents) are written by `node scripts/shell-version.mjs --write`, and tests/e2e/shell.test.mjs
// fails when they are stale: a changed shell file gets a new cache name, and the new worker installs the
// new shell and deletes the old cache.
const VERSION = '01a59ec953ee47f9';
const CACHE = 'nuzantara-shell-' + VERSION;
const API_CACHE = 'nuzantara-api-' + VERSION;
const SHELL = [
  '/',
  '/app.css',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/icon.svg',
  '/icons/maskable-512.png',
  '/js/api.js',
  '/js/dom.js',
  '/js/i18n.js',
  '/js/i18n/id.js',
  '/js/i18n/it.js',
  '/js/idb.js',
  '/js/main.js',
  '/js/markdown.js',
  '/js/sse.js',
  '/js/text.js',
  '/js/views/charts.js',
  '/js/views/chat-outbox.js',
  '/js/views/chat-render.js',
  '/js/views/chat.js',
  '/js/views/crm-common.js',
  '/js/views/crm.js',
  '/js/views/dashboard.js',
  '/js/views/documents.js',
  '/js/views/login.js',
  '/js/views/memory.js',
  '/js/views/portal.js',
  '/js/views/practice-forms.js',
  '/js/views/search.js',
  '/js/views/whatsapp-list.js',
  '/manifest.webmanifest',
];
const API = /^\/(api|bali-zero|crm|v1|health|metrics|openapi\.json)(\/|$)/;
const PUBLIC_API = /^\/api\/(collections|documents\/)/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' })))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('nuzantara-') && name !== CACHE && name !== API_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (API.test(url.pathname)) {
    if (req.headers.has('Authorization') || !PUBLIC_API.test(url.pathname) || url.searchParams.has('raw')) return; // network only
    event.respondWith(networkFirst(req));
    return;
  }
  // Navigations get the shell (routes live in the hash); assets come from the cache, then the network.
  const route = req.mode === 'navigate' && !/\.\w+$/.test(url.pathname);
  event.respondWith(route ? shell(req) : cacheFirst(req));
});

async function shell(req) {
  const cached = await caches.match('/', { cacheName: CACHE });
  if (cached) return cached;
  return fetch(req);
}

async function cacheFirst(req) {
  const cached = await caches.match(req, { cacheName: CACHE, ignoreSearch: true });
  if (cached) return cached;
  const res = await fetch(req);
  if (res.ok && res.type === 'basic') {
    const copy = res.clone();
    caches.open(CACHE).then((c) => c.put(req, copy));
  }
  return res;
}

async function networkFirst(req) {
  try {
    const res = await fetch(req);
    if (res.ok) {
      const copy = res.clone();
      caches.open(API_CACHE).then((c) => c.put(req, copy));
    }
    return res;
  } catch (e) {
    const cached = await caches.match(req, { cacheName: API_CACHE });
    if (cached) return cached;
    throw e;
  }
}
