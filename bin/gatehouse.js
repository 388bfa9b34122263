#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point for `npx gatehouse` and `npm start`. Runs the JavaScript that `npm install` (the
// `prepare` script) compiled into dist/ while it is newer than every source file; otherwise the
// TypeScript sources directly through tsx's loader, so an edited source is never run stale.
//
// Node's flags, here and in package.json's `start` (test/entry-point.test.ts keeps them equal):
// a young generation of 32 MiB a half instead of V8's 16. A request's objects die young, but
// those of the requests in flight and the provisioning log's waiting entries are copied at
// every scavenge; half as many scavenges took 5-7% off a lookup's CPU (docs/performance.md).
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
