/**
 * `npm run bench`: runs every benchmark section that exists and writes bench/results/latest.json and latest.md.
 * A section is a module in bench/ exporting `async function benchX(): Promise<{ rows }>`; add yours to SECTIONS.
 * `npm run bench -- analysis server` runs only the named sections.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

type Row = Record<string, string | number>;
interface Section {
  id: string;
  title: string;
  module: string;
  fn: string;
}

const SECTIONS: Section[] = [
  { id: 'bundle', title: 'Bundle and asset sizes', module: './bundle.ts', fn: 'benchBundle' },
  {
    id: 'analysis',
    title: 'On-device analysis (Node, 640×480)',
    module: './analysis.ts',
    fn: 'benchAnalysis',
  },
  { id: 'models', title: 'Model load in headless Chromium', module: './model-load.ts', fn: 'benchModelLoad' },
  { id: 'capture', title: 'Capture engine in headless Chromium', module: './capture.ts', fn: 'benchCapture' },
  {
    id: 'accuracy',
    title: 'On-device checks: accuracy on the labelled set',
    module: './accuracy.ts',
    fn: 'benchAccuracy',
  },
  {
    id: 'accuracy-real',
    title: 'Document checks on realistic frames: our designs and the real specimens (Node)',
    module: './accuracy-real.ts',
    fn: 'benchAccuracyReal',
  },
  { id: 'widget', title: 'Widget: bundle budget and flow timings', module: './widget.ts', fn: 'benchWidget' },
  { id: 'embed', title: 'Hosted page load', module: './embed.ts', fn: 'benchEmbed' },
  { id: 'server', title: 'Server throughput (loopback)', module: './server.ts', fn: 'benchServer' },
  {
    id: 'idproofing',
    title: 'ID-proofing search: 10,000 executions, through the route in-process (issue #15)',
    module: './idproofing.ts',
    fn: 'benchIdProofing',
  },
  {
    id: 'hardening',
    title: 'Abuse probes: token endpoint flood, wrong-secret timing, decompression bombs (issue #18)',
    module: './hardening.ts',
    fn: 'benchHardening',
  },
  { id: 'faces', title: 'Server-side face analysis', module: './faces.ts', fn: 'benchFaces' },
  {
    id: 'extraction',
    title: 'Reading documents on the server: MRZ, PDF417 + AAMVA, printed fields',
    module: './extraction.ts',
    fn: 'benchExtraction',
  },
  {
    id: 'verification-real',
    title:
      'Document verification on real specimens (../shared/realdata): imageChecks, extraction, dataChecks',
    module: './verification-real.ts',
    fn: 'benchVerificationReal',
  },
  {
    id: 'faces-real',
    title: 'Face match, detection and presentation-attack signal on real people (../shared/realdata)',
    module: './faces-real.ts',
    fn: 'benchFacesReal',
  },
  {
    id: 'faces-device-real',
    title: "Selfie checks on real faces, the widget's worker in headless Chromium (../shared/realdata)",
    module: './faces-device-real.ts',
    fn: 'benchFacesDeviceReal',
  },
  {
    id: 'liveness-server',
    title: 'Liveness: server verification',
    module: './liveness-server.ts',
    fn: 'benchLivenessServer',
  },
  {
    id: 'cluster',
    title: 'Several nodes: 1 and 3 idv-server behind nginx on PostgreSQL + S3 (issue #17)',
    module: './cluster.ts',
    fn: 'benchCluster',
  },
  {
    id: 'liveness-device',
    title: 'Liveness: on-device guidance in headless Chromium',
    module: './liveness-device.ts',
    fn: 'benchLivenessDevice',
  },
];

function markdownTable(rows: Row[]): string {
  if (rows.length === 0) return '_no rows_\n';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return (
    [line(cols), line(cols.map(() => '---')), ...rows.map((r) => line(cols.map((c) => r[c] ?? '')))].join(
      '\n',
    ) + '\n'
  );
}

const only = process.argv.slice(2);
const results: Record<string, { title: string; rows?: Row[]; error?: string; seconds?: number }> = {};
for (const s of SECTIONS) {
  if (only.length > 0 && !only.includes(s.id)) continue;
  const path = join(import.meta.dirname, s.module);
  if (!existsSync(path)) continue;
  const t0 = performance.now();
  try {
    const mod = await import(path);
    const { rows } = (await mod[s.fn]()) as { rows: Row[] };
    results[s.id] = { title: s.title, rows, seconds: Math.round((performance.now() - t0) / 100) / 10 };
    console.log(`bench ${s.id}: ${rows.length} rows`);
  } catch (err) {
    results[s.id] = { title: s.title, error: err instanceof Error ? err.message : String(err) };
    console.error(`bench ${s.id} failed:`, err);
  }
}

const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'latest.json'),
  JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2),
);
let md = `# idv-capture benchmarks\n\n${new Date().toISOString()} — ${machine.cpus} × ${machine.cpu}, ${machine.memGiB} GiB, Node ${machine.node}\n`;
for (const [, r] of Object.entries(results)) {
  md += `\n## ${r.title}\n\n${r.error ? `**failed:** ${r.error}\n` : markdownTable(r.rows ?? [])}`;
}
writeFileSync(join(out, 'latest.md'), md);
console.log(md);
process.exit(Object.values(results).some((r) => r.error) ? 1 : 0);
