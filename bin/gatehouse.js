#!/usr/bin/env node
// Entry point for `npx gatehouse` and `npm start`. Gatehouse runs its TypeScript sources through
// tsx's loader (esbuild transpiles each module once at load; there is no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
await runCli(process.argv);
