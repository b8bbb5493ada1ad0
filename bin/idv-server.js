#!/usr/bin/env node
// Plain-JS launcher: registers tsx so the TypeScript sources run as-is, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/server/cli.ts');
