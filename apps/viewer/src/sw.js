// Keeps the viewer working offline once it has been loaded: every file of this origin (the page,
// its script, the WebAssembly binaries, the model) is fetched from the network when it can be and
// kept; without a network the kept copy is used.
const CACHE = 'cxr-viewer-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (error) {
        const kept = await cache.match(request, { ignoreSearch: false });
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
