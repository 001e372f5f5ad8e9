// Debian's Chromium driven by playwright-core, and the checks every page gets: axe-core
// (WCAG 2.0/2.1/2.2 A and AA), no sideways scrolling at 320 CSS px, screenshots at 1100 and
// 320 px.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export const WIDE = { width: 1100, height: 900 };
export const NARROW = { width: 320, height: 640 };

export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || join(tmpdir(), 'fieldwork-screenshots');
mkdirSync(SCREENSHOT_DIR, { recursive: true });

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
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

const withoutScripts = new WeakSet();

/** A browser context as a new visitor: no cookies, desktop width. */
export async function newVisitor(browser, { javaScript = true } = {}) {
  const context = await browser.newContext({ viewport: WIDE, javaScriptEnabled: javaScript, acceptDownloads: true });
  if (!javaScript) withoutScripts.add(context);
  return context;
}

/**
 * The checks of one journey. Journey steps fail at once; what every page must satisfy
 * (accessibility, reflow, error links, wording) is collected, so one run lists every page's
 * problems, and `run()` fails the test with all of them.
 */
export class Checker {
  constructor(t, { browser, prefix = '', quiet = false }) {
    this.t = t;
    this.browser = browser;
    this.prefix = prefix;
    this.quiet = quiet;
    this.problems = [];
    this.names = new Set();
    this.navigations = new Map(); // page -> [{url, audited}]
    this.mirror = null;
    this.mirrorContext = null;
    this.foreign = [];
    this.started = Date.now();
    this.contexts = [];
  }

  /** Pages from this origin are not fieldwork's (an attacker's, say): they are not checked. */
  foreignOrigin(origin) {
    this.foreign.push(origin);
  }

  /** Follow a page's main-frame navigations, so that none goes unchecked. */
  watch(page) {
    const list = [];
    this.navigations.set(page, list);
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) list.push({ url: frame.url(), audited: false });
    });
    return page;
  }

  /** Record a problem without stopping the journey. */
  expect(ok, message) {
    if (!ok) {
      this.problems.push(message);
      if (!this.quiet) this.t.diagnostic(`PROBLEM: ${message}`);
    }
    return ok;
  }

  /** Every check a page gets; `name` names its screenshots. */
  async page(page, name) {
    let unique = `${this.prefix}${name}`;
    for (let n = 2; this.names.has(unique); n++) unique = `${this.prefix}${name}-${n}`;
    this.names.add(unique);
    const list = this.navigations.get(page);
    if (!list || list.length === 0) throw new Error(`check of ${unique}: the page was not watched or has not loaded`);
    list.at(-1).audited = true;
    await page.waitForLoadState('load');
    const url = new URL(page.url());
    const where = `${unique} (${url.pathname})`;
    const javaScript = await this.javaScriptEnabled(page);

    const original = page.viewportSize() ?? WIDE;
    const violations = [];
    try {
      await page.setViewportSize(WIDE);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${unique}-1100.png`), fullPage: true });
      if (javaScript) violations.push(...(await this.axe(page)));

      await page.setViewportSize(NARROW);
      const overflow = await page.evaluate(sidewaysScroll);
      this.expect(
        overflow === null,
        overflow &&
          `${where}: scrolls sideways at 320 px (scrollWidth ${overflow.scrollWidth} > innerWidth ${overflow.width}); ` +
            `sticking out: ${overflow.culprits.join('; ') || '(nothing found)'}`,
      );
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${unique}-320.png`), fullPage: true });
      if (javaScript) violations.push(...(await this.axe(page)));
    } finally {
      await page.setViewportSize(original);
    }
    if (!javaScript) violations.push(...(await this.axeWithoutScripts(page)));

    const seen = new Set();
    for (const v of violations) {
      const key = `${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.expect(false, `${where}: axe ${formatViolation(v)}`);
    }
    this.t.diagnostic(`checked ${where} at ${((Date.now() - this.started) / 1000).toFixed(1)} s`);
  }

  async javaScriptEnabled(page) {
    // A context made with javaScriptEnabled: false runs no page scripts (nor axe's timers).
    return !withoutScripts.has(page.context());
  }

  /** axe-core's violations for the page as it is now. */
  async axe(page) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
    return page.evaluate(
      (tags) =>
        window.axe
          .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
          .then((r) =>
            r.violations.map((v) => ({
              id: v.id,
              impact: v.impact,
              help: v.help,
              helpUrl: v.helpUrl,
              nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
            })),
          ),
      AXE_TAGS,
    );
  }

  /**
   * axe needs timers, which a page without JavaScript never runs: check the same document
   * (with its URL as base, so its stylesheets load) at both widths in a page that runs them.
   */
  async axeWithoutScripts(page) {
    if (!this.mirror) {
      this.mirrorContext = await this.browser.newContext({ viewport: WIDE });
      this.mirror = await this.mirrorContext.newPage();
    }
    const html = (await page.content()).replace(/<head([^>]*)>/i, (m) => `${m}<base href="${page.url()}">`);
    await this.mirror.setViewportSize(WIDE);
    await this.mirror.setContent(html, { waitUntil: 'load' });
    const violations = await this.axe(this.mirror);
    await this.mirror.setViewportSize(NARROW);
    violations.push(...(await this.axe(this.mirror)));
    return violations;
  }

  /** A new visitor (a browser context of its own: no cookies) with one page, watched. */
  async visitor({ javaScript = true } = {}) {
    const context = await newVisitor(this.browser, { javaScript });
    this.contexts.push(context);
    return this.watch(await context.newPage());
  }

  /**
   * Run a journey; then fail with what went wrong, and every problem collected on the way,
   * and (for a journey that finished) any page visited but not checked.
   */
  async run(journey) {
    let failure = null;
    try {
      await journey(this);
    } catch (error) {
      failure = error;
    }
    if (failure === null) {
      for (const list of this.navigations.values()) {
        for (const nav of list) {
          const foreign = this.foreign.some((origin) => nav.url.startsWith(`${origin}/`));
          if (!nav.audited && !foreign && !nav.url.startsWith('about:')) {
            this.problems.push(`a page was visited but not checked: ${nav.url}`);
          }
        }
      }
    }
    for (const context of this.contexts) await context.close().catch(() => {});
    if (this.mirrorContext) await this.mirrorContext.close();
    const listed = this.problems.map((p, i) => `  ${i + 1}. ${p}`).join('\n');
    if (failure) {
      if (this.problems.length) failure.message += `\n\nAlso found before it stopped, ${this.problems.length} problem(s):\n${listed}`;
      throw failure;
    }
    if (this.problems.length) throw new Error(`${this.problems.length} problem(s):\n${listed}`);
  }
}

/** In the page: null, or how far it scrolls sideways and the outermost elements sticking out. */
function sidewaysScroll() {
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) return null;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 && box.width > 0) {
      const parent = el.parentElement;
      if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 0.5) continue;
      const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      culprits.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls} (right edge ${Math.round(box.right)} px)`);
    }
    if (culprits.length >= 5) break;
  }
  return { width, scrollWidth, culprits };
}

function formatViolation(v) {
  const nodes = v.nodes
    .slice(0, 4)
    .map((n) => `\n      at ${n.target.join(' ')}: ${n.html.slice(0, 160)}\n        ${(n.summary || '').replace(/\n\s*/g, ' ').slice(0, 300)}`)
    .join('');
  const more = v.nodes.length > 4 ? `\n      ...and ${v.nodes.length - 4} more` : '';
  return `${v.id} (${v.impact}): ${v.help} <${v.helpUrl}>${nodes}${more}`;
}
