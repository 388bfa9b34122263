#!/usr/bin/env node
// Entry point for `npx gatehouse` and `npm start`. Runs the JavaScript that `npm install` (the
// `prepare` script) compiled into dist/ while it is newer than every source file; otherwise the
// TypeScript sources directly through tsx's loader, so an edited source is never run stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function builtIsFresh() {
  try {
    return (
      fs.statSync(path.join(root, 'dist/.built')).mtimeMs >= newestSource(path.join(root, 'src'))
    );
  } catch {
    return false;
  }
}

let entry;
if (builtIsFresh()) {
  entry = path.join(root, 'dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = path.join(root, 'src/cli/main.ts');
}
const { runCli } = await import(pathToFileURL(entry).href);
await runCli(process.argv);
