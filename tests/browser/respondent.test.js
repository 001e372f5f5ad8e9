// Respondents: the invited journey with and without JavaScript, an open-link survey, and the
// pages that turn people away (closed, not open yet, no or a bad invitation).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Fieldwork, setUpStudy } from './lib/fieldwork.js';
import { Checker, launch } from './lib/browser.js';
import { expectErrorPage, expectPath, heading, open, press, summaryRows } from './lib/govuk.js';
import { invitedJourney } from './lib/respondent.js';

describe('respondents', () => {
  let fw, browser, base, tokens;

  before(async () => {
    fw = new Fieldwork();
    setUpStudy(fw);
    tokens = fw.invite('digital-leadership', 'councils', 3);
    base = await fw.start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await fw?.stop();
  });

  test('an invited respondent, start to withdrawal', (t) =>
    new Checker(t, { browser }).run((checker) =>
      invitedJourney({ base, checker, token: tokens[0], javaScript: true }),
    ));

  test('the same journey with JavaScript turned off', (t) =>
    new Checker(t, { browser, prefix: 'nojs-' }).run((checker) =>
      invitedJourney({ base, checker, token: tokens[1], javaScript: false }),
    ));

  test('an open-link survey: anyone with the link answers', (t) =>
    new Checker(t, { browser, prefix: 'open-' }).run(async (checker) => {
      const page = await checker.visitor();
      const response = await open(page, `${base}/s/staff-pulse`);
      assert.equal(response.status(), 200);
      await checker.page(page, 'start');
      assert.equal(await heading(page), 'Staff pulse');
      await press(page, 'Start now');
      expectPath(page, '/s/staff-pulse/q/directorate', 'an open-link respondent is asked the stratum');
      await checker.page(page, 'q-directorate');
      const empty = await press(page, 'Continue');
      await checker.page(page, 'q-directorate-error');
      await expectErrorPage(checker, page, 'directorate, empty', { response: empty });
      await page.getByLabel('Policy', { exact: true }).check();
      await press(page, 'Continue');
      expectPath(page, '/s/staff-pulse/q/workload');
      await checker.page(page, 'q-workload');
      await page.getByLabel('Unmanageable', { exact: true }).check();
      await press(page, 'Continue');
      expectPath(page, '/s/staff-pulse/q/workload_why');
      await checker.page(page, 'q-workload-why');
      await page.getByLabel('What makes it hard to manage?').fill('Three projects at once.');
      await press(page, 'Continue');
      expectPath(page, '/s/staff-pulse/q/team_name');
      await checker.page(page, 'q-team-name');
      await page.getByLabel('Which team are you in?').fill('=HYPERLINK("http://example.invalid")');
      await press(page, 'Continue');
      expectPath(page, '/s/staff-pulse/check');
      await checker.page(page, 'check');
      const rows = await summaryRows(page);
      assert.deepEqual(rows['Which directorate do you work in?'], ['Policy']);
      assert.deepEqual(rows['Which team are you in?'], ['=HYPERLINK("http://example.invalid")']);
      await press(page, 'Send answers');
      expectPath(page, '/s/staff-pulse/done');
      await checker.page(page, 'done');
      // Starting again from the link is a new respondent, not this one's answers.
      await open(page, `${base}/s/staff-pulse`);
      await checker.page(page, 'start-again');
      assert.equal(await page.getByRole('button', { name: 'Start now' }).count(), 1);
    }));

  test('closed, not yet open, and invitation-only surveys turn people away clearly', (t) =>
    new Checker(t, { browser, prefix: 'away-' }).run(async (checker) => {
      const page = await checker.visitor();
      const cases = [
        ['closed', '/s/library-consultation', /has closed/i],
        ['closed-question', '/s/library-consultation/q/evenings', /has closed/i],
        ['draft', '/s/travel-diary', /not open yet/i],
        ['no-invitation', '/s/digital-leadership', /invitation/i],
        ['bad-invitation', '/s/digital-leadership?invite=not-a-real-invitation-token', /not valid/i],
        ['unknown-survey', '/s/no-such-survey', /not found|no such|cannot find|could not be found/i],
        ['home', '/', /fieldwork|survey/i],
      ];
      for (const [name, path, expected] of cases) {
        const response = await open(page, `${base}${path}`);
        await checker.page(page, name);
        assert.ok(response.status() < 500, `${path}: status ${response.status()}`);
        assert.match(await heading(page), expected, `${path}: heading`);
        assert.equal(await page.getByRole('button', { name: /Start now|Carry on/ }).count(), 0, `${path}: nothing to start`);
      }
    }));
});
