// PWA entry: shows the service health until the full app lands.
const view = document.getElementById('view');
const status = document.getElementById('status');

async function boot() {
  try {
    const res = await fetch('/health', { headers: { Accept: 'application/json' } });
    const body = await res.json();
    status.textContent = body.status === 'ok' ? 'online' : 'degraded';
    view.innerHTML = '';
    const card = document.createElement('div');
    card.className = 'card';
    card.innerHTML = '<h2>Nuzantara</h2><p>Visas, KITAS, PT PMA, tax, KBLI and licensing answers for Bali Zero.</p>';
    view.append(card);
  } catch {
    status.textContent = 'offline';
  }
}
boot();
