// Acting on fieldwork's GOV.UK-styled pages as a person would, and reading them back.

import assert from 'node:assert/strict';

/**
 * Click something that navigates (a button, a link); the final document's response. A form
 * of fieldwork's own that the server refuses as cross-site (403) stops the journey, saying
 * what Chromium sent.
 */
export async function follow(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  let sent = response?.request();
  while (sent?.redirectedFrom()) sent = sent.redirectedFrom();
  if (sent?.method() === 'POST' && response.status() === 403) {
    const headers = await sent.allHeaders();
    throw new Error(
      `fieldwork refused its own form: POST ${new URL(sent.url()).pathname} answered 403 "${await heading(page)}" ` +
        `(Chromium sent Origin: ${headers.origin ?? '(none)'}, Sec-Fetch-Site: ${headers['sec-fetch-site'] ?? '(none)'})`,
    );
  }
  return response;
}

/** Click the button with this exact text and wait for the page it leads to. */
export function press(page, name) {
  return follow(page, page.getByRole('button', { name, exact: true }));
}

/** Go to a URL as if typed or followed from an email; the response. */
export async function open(page, url) {
  return page.goto(url, { waitUntil: 'load' });
}

export async function heading(page) {
  return (await page.locator('h1').first().innerText()).replace(/\s+/g, ' ').trim();
}

export function expectPath(page, pathname, why = '') {
  const url = new URL(page.url());
  assert.equal(url.pathname, pathname, `expected to be at ${pathname}${why ? ` (${why})` : ''}, but at ${url.pathname}${url.search}`);
}

/** The text of the page's main element, whitespace collapsed. */
export async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
}

/**
 * A page shown again with errors, as the GOV.UK error pattern has it: the title starts
 * "Error:", an error summary that has focus, every link in it lands on an element of the
 * page, and each message is also shown by its field. Returns the summary's messages.
 */
export async function expectErrorPage(checker, page, where, { response } = {}) {
  if (response) {
    checker.expect(
      response.status() >= 400 && response.status() < 500,
      `${where}: a page with errors should come with a 4xx status, not ${response.status()}`,
    );
  }
  const title = await page.title();
  checker.expect(title.startsWith('Error: '), `${where}: the page title should start "Error: ", it is "${title}"`);
  const summary = page.locator('.govuk-error-summary');
  assert.equal(await summary.count(), 1, `${where}: expected an error summary`);
  // autofocus moves focus to the summary as the page loads (no script needed).
  let focused = false;
  for (let i = 0; i < 20 && !focused; i++) {
    focused = await page.evaluate(() => !!document.activeElement?.closest('.govuk-error-summary'));
    if (!focused) await page.waitForTimeout(50);
  }
  checker.expect(focused, `${where}: focus should move to the error summary when the page loads`);
  const links = await summary.locator('a').evaluateAll((as) =>
    as.map((a) => {
      const href = a.getAttribute('href') || '';
      const id = href.startsWith('#') ? decodeURIComponent(href.slice(1)) : null;
      const target = id ? document.getElementById(id) : null;
      return {
        text: a.textContent.replace(/\s+/g, ' ').trim(),
        href,
        // A fragment must name an element that takes focus (a field), or it leads nowhere.
        lands: id === null ? null : !!target && (target.matches('input, select, textarea, button, [tabindex]')),
        exists: id === null ? null : !!target,
      };
    }),
  );
  assert.ok(links.length > 0, `${where}: the error summary lists no errors`);
  const inline = (await page.locator('.govuk-error-message').allInnerTexts()).map((s) =>
    s.replace(/^Error:\s*/, '').replace(/\s+/g, ' ').trim(),
  );
  for (const link of links) {
    if (link.exists !== null) {
      checker.expect(
        link.exists && link.lands,
        `${where}: error summary link "${link.text}" goes to ${link.href}, ` +
          (link.exists ? 'an element that is not a form field' : 'which is not on the page'),
      );
    }
    checker.expect(
      inline.some((m) => m === link.text),
      `${where}: the summary's "${link.text}" is not shown by its field (field messages: ${JSON.stringify(inline)})`,
    );
  }
  return links.map((l) => l.text);
}

/** The rows of GOV.UK summary lists on the page: key -> value lines. */
export async function summaryRows(page) {
  return page.locator('.govuk-summary-list__row').evaluateAll((rows) =>
    Object.fromEntries(
      rows.map((row) => [
        row.querySelector('.govuk-summary-list__key')?.textContent.replace(/\s+/g, ' ').trim(),
        row.querySelector('.govuk-summary-list__value')?.innerText.split('\n').map((s) => s.trim()).filter(Boolean),
      ]),
    ),
  );
}
