#!/usr/bin/env node
// Entry point for `npx gatehouse` and `npm start`. Gatehouse runs its TypeScript sources through
// tsx's loader (esbuild transpiles each module once at load; no build step to forget).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
