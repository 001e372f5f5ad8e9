// Pledges: a researcher moderates the queue the demo leaves (approve one, reject one with a
// reason), and the public pledges page shows what was approved, in the attribution chosen.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Fieldwork } from './lib/fieldwork.js';
import { Checker, launch } from './lib/browser.js';
import { expectPath, follow, heading, mainText, open, press } from './lib/govuk.js';

const SLUG = 'digital-leadership';

describe('pledges', () => {
  let fw, browser, base, password;

  before(async () => {
    fw = new Fieldwork();
    // The demo's respondents publish pledges through the web form and the store; it approves
    // most and leaves the newest six for moderation, and publishes the report.
    const printed = fw.cli('demo', '--no-serve', '--quiet', '--responses', '150', '--out', join(fw.dir, 'demo'));
    password = /password: (\S+)/.exec(printed)?.[1];
    assert.ok(password, `the demo printed the researcher's password:\n${printed}`);
    base = await fw.start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await fw?.stop();
  });

  test('a researcher moderates pledges, and the approved ones are published', (t) =>
    new Checker(t, { browser, prefix: 'pledges-' }).run(async (checker) => {
      const page = await checker.visitor();
      const publicPage = `${base}/r/${SLUG}/pledges`;
      await open(page, publicPage);
      await checker.page(page, 'public-before');
      const before = await page.locator('.fieldwork-pledge, blockquote').count();
      assert.ok(before > 0, 'the demo published some pledges');
      // Synthetic respondents share a few pledges' words, so published text is counted.
      const publishedBefore = await page.locator('blockquote').allInnerTexts();

      await open(page, `${base}/admin/sign-in`);
      await checker.page(page, 'sign-in');
      await page.getByLabel('Email address').fill('demo@example.org');
      await page.getByLabel('Password').fill(password);
      await press(page, 'Sign in');
      expectPath(page, '/admin');
      await checker.page(page, 'surveys');
      await follow(page, page.getByRole('link', { name: /Digital leadership/ }).first());
      await checker.page(page, 'survey');
      await follow(page, page.getByRole('link', { name: 'Moderate pledges' }));
      expectPath(page, `/admin/surveys/${SLUG}/pledges`);
      await checker.page(page, 'queue');
      assert.equal(await heading(page), 'Pledges awaiting a decision');
      const waiting = await page.locator('.govuk-summary-card').count();
      assert.ok(waiting >= 2, `pledges wait for a decision: ${waiting}`);

      // Approve the first: it is published at once.
      const approved = (await page.locator('.govuk-summary-card blockquote').first().innerText()).trim();
      await press(page, 'Approve pledge 1');
      expectPath(page, `/admin/surveys/${SLUG}/pledges`);
      await checker.page(page, 'queue-after-approve');
      assert.equal(await page.locator('.govuk-summary-card').count(), waiting - 1, 'one fewer waiting');
      assert.match(await mainText(page), /approved/i, 'a notice says it was approved');

      // Reject the next, with a reason.
      const rejected = (await page.locator('.govuk-summary-card blockquote').first().innerText()).trim();
      await page.getByLabel('Reason for rejecting pledge 1 (optional)').fill('Names a colleague');
      await press(page, 'Reject pledge 1');
      await checker.page(page, 'queue-after-reject');
      assert.equal(await page.locator('.govuk-summary-card').count(), waiting - 2);

      await open(page, publicPage);
      await checker.page(page, 'public-after');
      const publishedAfter = await page.locator('blockquote').allInnerTexts();
      const times = (texts, text) => texts.filter((t) => t.trim() === text).length;
      assert.equal(times(publishedAfter, approved), times(publishedBefore, approved) + 1, `the approved pledge is published: ${approved}`);
      if (rejected !== approved) {
        assert.equal(times(publishedAfter, rejected), times(publishedBefore, rejected), `the rejected pledge is not: ${rejected}`);
      }
      assert.equal(await page.locator('.fieldwork-pledge, blockquote').count(), before + 1);
    }));
});
