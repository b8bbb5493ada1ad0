// The demo customer's front end: asks its own backend route for a verification, then embeds <idv-capture>.
const slot = document.getElementById('verification');
const log = document.getElementById('log');
const events = [
  'idv-ready',
  'idv-step-change',
  'idv-capture',
  'idv-upload-progress',
  'idv-complete',
  'idv-error',
  'idv-cancel',
];

function note(line) {
  log.textContent += `${line}\n`;
}

document.getElementById('start').addEventListener('click', async () => {
  const res = await fetch('/demo/api/verifications', { method: 'POST' });
  if (!res.ok) {
    note(`could not start: HTTP ${res.status}`);
    return;
  }
  const { token } = await res.json();
  await import('/sdk/idv-capture.js');
  const el = document.createElement('idv-capture');
  el.setAttribute('token', token);
  for (const name of events) el.addEventListener(name, (e) => note(`${name} ${JSON.stringify(e.detail)}`));
  slot.replaceChildren(el);
});
