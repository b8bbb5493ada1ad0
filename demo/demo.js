// The demo customer's front end. Its own backend route (POST /demo/api/verifications) creates the account with the
// demo client's credentials; the page then runs the verification in one of the three ways idv-capture embeds.
const slot = document.getElementById('verification');
const log = document.getElementById('log');
const result = document.getElementById('result');
const localeSelect = document.getElementById('locale');
const darkToggle = document.getElementById('dark');
const livenessSelect = document.getElementById('liveness');
const tabs = [...document.querySelectorAll('[role="tab"]')];
const events = [
  'idv-ready',
  'idv-step-change',
  'idv-capture',
  'idv-upload-progress',
  'idv-complete',
  'idv-error',
  'idv-cancel',
];

const MODES = {
  embed: {
    text: 'The widget runs inside this page: one script tag and one element.',
    snippet: (origin) =>
      `<script type="module" src="${origin}/sdk/idv-capture.js"></script>\n<idv-capture token="…"></idv-capture>`,
  },
  iframe: {
    text: 'The hosted page runs in an iframe; this page hears the outcome through postMessage.',
    snippet: (origin) =>
      `import { mountVerification } from '${origin}/sdk/embed.js';\nmountVerification(container, webHref, { onComplete, onError });`,
  },
  redirect: {
    text: 'The whole window goes to the hosted page and comes back to our success or error URL.',
    snippet: () => 'location.assign(webHref); // back at /demo/?acquisitionStatus=SUCCESS&accountId=…',
  },
};

const settings = {
  mode: sessionStorage.getItem('demo-mode') ?? 'embed',
  locale: localStorage.getItem('demo-locale') ?? 'en',
  dark: localStorage.getItem('demo-dark') === 'true',
  liveness: localStorage.getItem('demo-liveness') ?? 'none',
};

function note(line) {
  log.textContent += `${line}\n`;
}

function showResult(text, ok) {
  result.textContent = text;
  result.dataset.outcome = ok ? 'success' : 'error';
  result.hidden = false;
}

function applySettings() {
  document.documentElement.dataset.theme = settings.dark ? 'dark' : 'light';
  document.documentElement.lang = settings.locale;
  localeSelect.value = settings.locale;
  darkToggle.checked = settings.dark;
  livenessSelect.value = settings.liveness;
  for (const tab of tabs) {
    const selected = tab.dataset.mode === settings.mode;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected) document.getElementById('how').setAttribute('aria-labelledby', tab.id);
  }
  document.getElementById('how-text').textContent = MODES[settings.mode].text;
  document.getElementById('snippet').textContent = MODES[settings.mode].snippet(location.origin);
  // A running widget follows the switches too.
  for (const el of slot.querySelectorAll('idv-capture, idv-handoff')) {
    el.setAttribute('locale', settings.locale);
    el.setAttribute('theme', settings.dark ? 'dark' : 'light');
  }
}

/** web.href with our locale and theme: the hosted page takes both from its query. */
function hostedHref(webHref) {
  const url = new URL(webHref);
  url.searchParams.set('locale', settings.locale);
  url.searchParams.set('theme', settings.dark ? 'dark' : 'light');
  return url.href;
}

async function startVerification() {
  // Our backend picks the workflow: with a liveness check it starts 10013 in the chosen mode.
  const res = await fetch('/demo/api/verifications', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ liveness: settings.liveness }),
  });
  if (!res.ok) {
    note(`could not start: HTTP ${res.status}`);
    return undefined;
  }
  return res.json();
}

function onComplete({ accountId, workflowExecutionId }) {
  showResult(`Thanks! Verification ${workflowExecutionId} was sent (account ${accountId}).`, true);
}

async function runEmbedded({ token }) {
  await import('/sdk/idv-capture.js');
  const el = document.createElement('idv-capture');
  el.setAttribute('token', token);
  el.setAttribute('locale', settings.locale);
  el.setAttribute('theme', settings.dark ? 'dark' : 'light');
  for (const name of events) el.addEventListener(name, (e) => note(`${name} ${JSON.stringify(e.detail)}`));
  el.addEventListener('idv-complete', (e) => {
    // This page shows its own thank-you instead of going to the success URL.
    e.preventDefault();
    onComplete(e.detail);
  });
  slot.replaceChildren(el);
}

async function runIframe({ webHref }) {
  const { mountVerification } = await import('/sdk/embed.js');
  slot.replaceChildren();
  mountVerification(slot, hostedHref(webHref), {
    className: 'hosted-frame',
    onEvent: (message) => note(`message ${JSON.stringify(message)}`),
    onComplete,
    onError: ({ code, recoverable }) => {
      if (!recoverable) showResult(`The verification stopped (${code}).`, false);
    },
    onCancel: ({ reason }) => showResult(`Verification cancelled (${reason}).`, false),
  });
}

/** Cross-device: a QR code and a short link for the phone; this page follows along and finishes with it. */
async function runOnPhone({ token }) {
  await import('/sdk/handoff.js');
  const el = document.createElement('idv-handoff');
  el.setAttribute('token', token);
  el.setAttribute('locale', settings.locale);
  el.setAttribute('theme', settings.dark ? 'dark' : 'light');
  el.addEventListener('idv-handoff-complete', (e) => {
    note(`idv-handoff-complete ${JSON.stringify(e.detail)}`);
    onComplete(e.detail);
  });
  el.addEventListener('idv-handoff-error', (e) => {
    note(`idv-handoff-error ${JSON.stringify(e.detail)}`);
    showResult(`The verification stopped (${e.detail.code}).`, false);
  });
  el.addEventListener('idv-handoff-close', () => void runEmbedded({ token }));
  slot.replaceChildren(el);
}

document.getElementById('start').addEventListener('click', async () => {
  const verification = await startVerification();
  if (!verification) return;
  note(`started ${verification.workflowExecutionId} (${settings.mode})`);
  if (settings.mode === 'embed') await runEmbedded(verification);
  else if (settings.mode === 'iframe') await runIframe(verification);
  else location.assign(hostedHref(verification.webHref));
});

document.getElementById('start-phone').addEventListener('click', async () => {
  const verification = await startVerification();
  if (verification) await runOnPhone(verification);
});

for (const tab of tabs) {
  tab.addEventListener('click', () => {
    settings.mode = tab.dataset.mode;
    sessionStorage.setItem('demo-mode', settings.mode);
    applySettings();
  });
  tab.addEventListener('keydown', (event) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    next.focus();
    next.click();
  });
}
localeSelect.addEventListener('change', () => {
  settings.locale = localeSelect.value;
  localStorage.setItem('demo-locale', settings.locale);
  applySettings();
});
livenessSelect.addEventListener('change', () => {
  settings.liveness = livenessSelect.value;
  localStorage.setItem('demo-liveness', settings.liveness);
  applySettings();
});
darkToggle.addEventListener('change', () => {
  settings.dark = darkToggle.checked;
  localStorage.setItem('demo-dark', String(settings.dark));
  applySettings();
});

// Back from the redirect flow: the hosted page sent us to our success or error URL.
const back = new URLSearchParams(location.search);
if (back.get('acquisitionStatus') === 'SUCCESS') {
  onComplete({ accountId: back.get('accountId'), workflowExecutionId: back.get('workflowExecutionId') });
} else if (back.get('acquisitionStatus') === 'ERROR') {
  showResult(`The verification stopped (${back.get('errorCode')}).`, false);
}
if (back.has('acquisitionStatus')) history.replaceState(null, '', location.pathname);
applySettings();
