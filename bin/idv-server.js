#!/usr/bin/env node
// Plain-JS launcher: registers tsx so the TypeScript sources run as-is, then hands over to the CLI.
//
// `serve` on Linux first re-executes itself with glibc's allocator tuned for a server that decodes images on many
// threads (libvips, the face-analysis and OCR workers), unless MALLOC_ARENA_MAX is already set (set it to anything
// to opt out). glibc reads these variables only at process start, hence the second process:
// - MALLOC_ARENA_MAX=2: each thread that allocates otherwise gets its own arena (up to 8 per core), and each keeps
//   the memory it once held;
// - MALLOC_MMAP_THRESHOLD_=131072: buffers ≥ 128 KB (decoded images) are mapped and unmapped instead of carved out
//   of an arena, where glibc would otherwise keep them once it has raised its threshold to 32 MB;
// - V8's young generation capped at 4 MB per semi-space (default 16) in every isolate (the server, the face and
//   OCR workers): it only ever holds short-lived request objects, and each isolate kept up to 32 MB of it.
// Server RSS after 12–13 executions with every model and the document readers loaded (`npm run bench --
// liveness-server`, docs/liveness.md): 708 MB with none of these, 499 MB with the arena cap, 428 MB with both
// allocator settings, 405–435 MB (peak 481–498) with all three in two later runs. musl and other platforms ignore
// the allocator variables.
// This process stays as a thin parent (≈ 15 MB of its own; its code pages are shared with the server): it forwards
// signals and ends with the server's exit code or signal; the server ends itself if this parent dies (its IPC
// channel closes).
import { spawn } from 'node:child_process';

const ALLOCATOR_TUNING = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };
// A flag given to node explicitly comes later and wins.
const V8_TUNING = ['--max-semi-space-size=4'];
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

if (
  process.argv[2] === 'serve' &&
  process.platform === 'linux' &&
  process.env.MALLOC_ARENA_MAX === undefined
) {
  const server = spawn(process.execPath, [...V8_TUNING, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...ALLOCATOR_TUNING },
  });
  for (const signal of FORWARDED_SIGNALS) {
    process.on(signal, () => {
      if (server.exitCode === null && server.signalCode === null) server.kill(signal);
    });
  }
  server.on('error', (error) => {
    console.error(`idv-server: could not start the server process: ${error.message}`);
    process.exit(1);
  });
  server.on('exit', (code, signal) => {
    if (signal) {
      // End the way the server ended, so a supervisor sees the same status.
      for (const s of FORWARDED_SIGNALS) process.removeAllListeners(s);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
} else {
  if (process.channel) {
    // Started by the launcher above: never outlive it (a SIGKILLed parent cannot forward anything).
    process.channel.unref();
    process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/server/cli.ts');
}
