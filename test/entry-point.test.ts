/**
 * The `gatehouse` command's entry point: `npx gatehouse` runs bin/gatehouse.js through its
 * shebang, `npm start` through package.json's `start`; both give Node the same flags, which the
 * bench also starts the server with (bench/processes.ts, startFlags).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/gatehouse.js');

function shebangFlags(): string[] {
  const first = fs.readFileSync(BIN, 'utf8').split('\n', 1)[0]!;
  const match = /^#!\/usr\/bin\/env -S node((?: --[a-z-]+=\S+)*)$/.exec(first);
  expect(match, `shebang: ${first}`).not.toBeNull();
  return match![1]!.trim().split(/\s+/).filter(Boolean);
}

describe('bin/gatehouse.js', () => {
  it('gives Node the flags of npm start', () => {
    const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8')) as {
      scripts: { start: string };
    };
    const start = manifest.scripts.start.split(/\s+/);
    expect(start[0]).toBe('node');
    expect(start.slice(-2)).toEqual(['bin/gatehouse.js', 'serve']);
    expect(shebangFlags()).toEqual(start.slice(1, -2));
    expect(shebangFlags()).toContain('--max-semi-space-size=32');
  });

  it('runs as a program of its own, through its shebang', async () => {
    const { stdout } = await promisify(execFile)(BIN, ['--help']);
    expect(stdout).toMatch(/^Usage: gatehouse/m);
  });
});
