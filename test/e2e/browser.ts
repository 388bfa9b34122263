/**
 * What the console's browser tests need around Playwright: Debian's Chromium (never a browser
 * downloaded by a test tool), a console build that matches its sources, axe-core run in the page,
 * and the real server on an ephemeral port.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

/**
 * Whether the browser tests can run. Without Chromium they are skipped, except under CI=true,
 * where a missing browser is a failure (.ci/run installs it).
 */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true requires Chromium at ${CHROMIUM} (apt-get install -y chromium).`);
  }
  console.warn(`No Chromium at ${CHROMIUM}: the console's browser tests are skipped.`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...fs.readdirSync(entry).map((name) => newestMtime(path.join(entry, name))),
  );
}

/**
 * The server serves dist/console. `npm test` builds it first; a run of this file alone after
 * an edit of the console (or of the guides it bundles) rebuilds it, so the browser never tests
 * stale files.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = path.join(ROOT, 'dist/console/index.html');
  const sources = [
    'console/src',
    'console/public',
    'console/index.html',
    'console/vite.config.ts',
    'docs/idp',
  ];
  const newest = Math.max(...sources.map((source) => newestMtime(path.join(ROOT, source))));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newest) return;
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: path.join(ROOT, 'console/vite.config.ts'),
      root: path.join(ROOT, 'console'),
      mode: 'production',
      logLevel: 'warn',
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** A port that was free a moment ago: the server's public URL must name it before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('No port'));
      });
    });
  });
}

const AXE_SOURCE = fs.readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface AxeFinding {
  readonly page: string;
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

/** Every finding of every axe run, serious or not, for the run's summary. */
export const axeFindings: AxeFinding[] = [];

interface AxeGlobal {
  axe?: {
    run(
      context: unknown,
      options: unknown,
    ): Promise<{
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: unknown[]; failureSummary?: string }[];
      }[];
    }>;
  };
  document: unknown;
}

/**
 * Loads axe-core into every page of the context. The console's Content-Security-Policy
 * (`script-src 'self'`) refuses an inline <script> such as `page.addScriptTag({content})`
 * makes; an init script is the browser's own and passes, and the CSP stays on while testing.
 */
export async function loadAxe(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: AXE_SOURCE });
}

/**
 * Runs axe-core (WCAG 2.x A and AA, and best practices) on the page as it is, and returns the
 * serious and critical violations; the others are only recorded.
 */
export async function axeViolations(page: Page, name: string): Promise<AxeFinding[]> {
  const violations = await page.evaluate(async () => {
    const g = globalThis as unknown as AxeGlobal;
    const result = await g.axe!.run(g.document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes
        .slice(0, 5)
        .map((node) => `${node.target.map(String).join(' ')}: ${node.failureSummary ?? ''}`),
    }));
  });
  const findings = violations.map((violation) => ({ page: name, ...violation }));
  axeFindings.push(...findings);
  return findings.filter(
    (finding) => finding.impact === 'serious' || finding.impact === 'critical',
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  // No hover highlight or focus ring by accident, and transitions settled.
  await page.mouse.move(1430, 890);
  await page.evaluate(() => {
    const active = (
      globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }
    ).document.activeElement;
    active?.blur?.();
  });
  await page.waitForTimeout(250);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
