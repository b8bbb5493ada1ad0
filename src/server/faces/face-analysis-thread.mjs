// Entry of the face analysis worker thread: plain JS that registers tsx (as bin/idv-server.js does), because
// worker threads do not inherit the loader the server runs its TypeScript with.
import { register } from 'tsx/esm/api';

register();
await import('./face-analysis-worker.ts');
