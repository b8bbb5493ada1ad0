/**
 * The test runner's dev server serves npm packages as they are, and `qrcode` is CommonJS (vite converts it in the
 * real build). So that `<idv-handoff>` loads from source in browser tests, this evaluates the package's own browser
 * entry with a minimal CommonJS loader and maps the module URL the dev server rewrites `qrcode` to onto it through
 * an import map. The QR codes are still drawn by the real `qrcode` code.
 */

const ENTRY = '/node_modules/qrcode/lib/browser.js';
/** Where the dev server points `import QRCode from 'qrcode'` (its node entry, which the browser cannot run). */
const REWRITTEN = '/node_modules/qrcode/lib/index.js';
const PACKAGE_MAINS: Record<string, string> = { dijkstrajs: '/node_modules/dijkstrajs/dijkstra.js' };

interface CommonJsModule {
  exports: unknown;
}

function readSource(path: string): string {
  // Synchronous on purpose: CommonJS `require` is synchronous; this only ever runs in tests.
  const request = new XMLHttpRequest();
  request.open('GET', path, false);
  request.send();
  if (request.status !== 200) throw new Error(`${path}: HTTP ${request.status}`);
  return request.responseText;
}

function loadCommonJs(entry: string): unknown {
  const cache = new Map<string, CommonJsModule>();
  const load = (path: string): unknown => {
    const cached = cache.get(path);
    if (cached) return cached.exports;
    const module: CommonJsModule = { exports: {} };
    cache.set(path, module);
    const base = new URL(path, location.origin);
    const require = (name: string): unknown => {
      const mapped = PACKAGE_MAINS[name];
      if (mapped) return load(mapped);
      const target = new URL(name, base).pathname;
      return load(target.endsWith('.js') ? target : `${target}.js`);
    };
    new Function('require', 'module', 'exports', readSource(path))(require, module, module.exports);
    return module.exports;
  };
  return load(entry);
}

let installed = false;

/** Call before the first `<idv-handoff>` is imported. */
export function provideQrcodeToDevServer(): void {
  if (installed) return;
  installed = true;
  (globalThis as { __idvTestQrcode?: unknown }).__idvTestQrcode = loadCommonJs(ENTRY);
  const shim = `data:text/javascript,${encodeURIComponent(
    'const q = globalThis.__idvTestQrcode; export default q; export const toString = q.toString; export const toDataURL = q.toDataURL; export const toCanvas = q.toCanvas; export const create = q.create;',
  )}`;
  const map = document.createElement('script');
  map.type = 'importmap';
  map.textContent = JSON.stringify({ imports: { [new URL(REWRITTEN, location.origin).href]: shim } });
  document.head.append(map);
}
