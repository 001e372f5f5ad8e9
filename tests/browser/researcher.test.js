// A researcher's journey: sign in, surveys, a survey, sharing, invitations, an export, the
// report published and read, the audit log, importing and deleting a survey, changing the
// password, signing out.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, Fieldwork, definitionIn, setUpStudy } from './lib/fieldwork.js';
import { Checker, launch } from './lib/browser.js';
import { expectErrorPage, expectPath, follow, heading, mainText, open, press } from './lib/govuk.js';
import { wideCsv } from './lib/responses.js';

const SLUG = 'digital-leadership';
const DEFINITION = definitionIn(SLUG, 'en');
const TITLE = DEFINITION.title;
const PER_STRATUM = 30;
const RESPONSES = PER_STRATUM * 5;

describe('researchers', () => {
  let fw, browser, base, researcher;

  before(async () => {
    fw = new Fieldwork();
    ({ researcher } = setUpStudy(fw));
    fw.addUser('bo@example.org');
    fw.cli('responses', 'import', '--survey', SLUG, fw.write('responses.csv', wideCsv(DEFINITION, { perStratum: PER_STRATUM })));
    base = await fw.start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await fw?.stop();
  });

  test('a researcher, sign-in to sign-out', (t) =>
    new Checker(t, { browser, prefix: 'admin-' }).run(async (checker) => {
      const page = await checker.visitor();
      const backToSurvey = () => follow(page, page.getByRole('link', { name: `Back to ${TITLE}` }));

      // Sign in: nothing, a wrong password, the right one.
      await open(page, `${base}/`);
      await checker.page(page, 'home');
      await follow(page, page.getByRole('link', { name: 'Sign in as a researcher' }));
      expectPath(page, '/admin/sign-in');
      await checker.page(page, 'sign-in');
      let response = await press(page, 'Sign in');
      await checker.page(page, 'sign-in-error-empty');
      await expectErrorPage(checker, page, 'sign-in, empty', { response });
      await page.getByLabel('Email address').fill(researcher.email);
      await page.getByLabel('Password').fill('not-the-password');
      response = await press(page, 'Sign in');
      await checker.page(page, 'sign-in-error-password');
      await expectErrorPage(checker, page, 'sign-in, wrong password', { response });
      await signIn(page, researcher.email, researcher.password);

      // The surveys, and one of them.
      expectPath(page, '/admin');
      await checker.page(page, 'surveys');
      assert.equal(await heading(page), 'Your surveys');
      const listed = await mainText(page);
      for (const title of [TITLE, 'Staff pulse', 'Library opening hours consultation']) {
        assert.ok(listed.includes(title), `the list shows ${title}`);
      }
      assert.ok(!listed.includes('Travel to work'), 'a survey not shared with the researcher is not listed');
      await follow(page, page.getByRole('link', { name: TITLE, exact: true }));
      expectPath(page, `/admin/surveys/${SLUG}`);
      await checker.page(page, 'survey');
      assert.equal(await heading(page), TITLE);
      const survey = await mainText(page);
      assert.match(survey, /\bopen\b/i, 'the status');
      for (const stratum of ['Civil service', 'Local government', 'Schools', 'Policing', 'Parliament']) {
        assert.ok(survey.includes(stratum), `responses per stratum: ${stratum}`);
      }
      assert.ok(survey.includes(String(PER_STRATUM)), 'the imported responses are counted');

      // Share with a colleague: nothing chosen, then an analyst.
      await follow(page, page.getByRole('link', { name: 'Share the survey with colleagues' }));
      expectPath(page, `/admin/surveys/${SLUG}/sharing`);
      await checker.page(page, 'sharing');
      response = await press(page, 'Save access');
      await checker.page(page, 'sharing-error');
      await expectErrorPage(checker, page, 'sharing, empty', { response });
      await page.getByLabel('Their email address').fill('bo@example.org');
      await page.getByLabel('Analyst', { exact: true }).check();
      await press(page, 'Save access');
      expectPath(page, `/admin/surveys/${SLUG}/sharing`);
      await checker.page(page, 'sharing-saved');
      const members = await page.locator('table').first().innerText();
      assert.match(members, /bo@example\.org\s+analyst/i, `the colleague is listed as analyst:\n${members}`);

      // Invitations: nothing chosen, then three for schools, downloaded once.
      await backToSurvey();
      await checker.page(page, 'survey-after-sharing');
      await follow(page, page.getByRole('link', { name: 'Make invitations for a stratum' }));
      expectPath(page, `/admin/surveys/${SLUG}/invitations`);
      await checker.page(page, 'invitations');
      await page.getByLabel('How many invitations?').fill('');
      response = await press(page, 'Make and download invitations');
      await checker.page(page, 'invitations-error');
      await expectErrorPage(checker, page, 'invitations, empty', { response });
      await page.getByLabel('Schools', { exact: true }).check();
      await page.getByLabel('How many invitations?').fill('3');
      const invitations = await download(page, page.getByRole('button', { name: 'Make and download invitations' }));
      assert.match(invitations.name, /\.csv$/);
      const links = [...invitations.text.matchAll(/https?:\/\/[^\s,"]+\?invite=[\w-]+/g)].map((m) => m[0]);
      assert.equal(links.length, 3, `three invitation links:\n${invitations.text}`);
      assert.ok(invitations.text.includes('schools'), 'the file says which stratum');
      const link = links[0];
      assert.ok(link.startsWith(`${base}/s/${SLUG}?invite=`), `an invitation link to this service: ${link}`);
      const invited = await checker.visitor();
      response = await open(invited, link);
      assert.equal(response.status(), 200);
      await checker.page(invited, 'invitation-link-start');
      assert.equal(await invited.getByRole('button', { name: 'Agree and start' }).count(), 1, 'the new invitation works');
      await invited.context().close();

      // An export, downloaded from the survey's page.
      await backToSurvey();
      await checker.page(page, 'survey-after-invitations');
      const exported = await download(page, page.getByRole('link', { name: 'Download csv-wide' }));
      const exportLines = exported.text.trim().split(/\r?\n/);
      assert.match(exportLines[0], /^\uFEFF?response_id,/, 'a wide CSV');
      assert.equal(exportLines.length, RESPONSES + 1, 'one row per complete response');
      const codebook = await download(page, page.getByRole('link', { name: 'Download codebook', exact: true }));
      assert.ok(codebook.text.includes('behaviours__users'), 'the codebook lists the grid columns');

      // The report: the draft, published, then read as the public reads it.
      await follow(page, page.getByRole('link', { name: 'View the report' }));
      expectPath(page, `/admin/surveys/${SLUG}/report`);
      await checker.page(page, 'report-draft');
      await press(page, 'Publish the report');
      expectPath(page, `/admin/surveys/${SLUG}/report`);
      await checker.page(page, 'report-published');
      const published = page.locator(`main a[href="/r/${SLUG}/"]`);
      assert.equal(await published.count(), 1, 'a link to the published report');
      const report = await checker.visitor();
      response = await open(report, `${base}/r/${SLUG}/`);
      assert.equal(response.status(), 200);
      await checker.page(report, 'report-index');
      assert.ok((await heading(report)).length > 0, 'the report has a heading');
      const pages = await report
        .locator('main a[href]')
        .evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')).filter((h) => h.endsWith('.html') && !h.includes('://')))]);
      assert.ok(pages.length > 0, 'the front page links to the report pages');
      const methodology = pages.filter((h) => h.includes('methodology'));
      assert.equal(methodology.length, 1, 'the front page links to the methodology');
      for (const href of [...pages.filter((h) => !h.includes('methodology')).slice(0, 3), ...methodology]) {
        response = await open(report, new URL(href, `${base}/r/${SLUG}/`).href);
        assert.equal(response.status(), 200, href);
        await checker.page(report, `report-${href.replace(/\.html$/, '').replaceAll('/', '-')}`);
      }
      await report.context().close();

      // The audit log reads as sentences, not JSON.
      await open(page, `${base}/admin/surveys/${SLUG}`);
      await checker.page(page, 'survey-after-report');
      await follow(page, page.getByRole('link', { name: 'See the audit log' }));
      expectPath(page, `/admin/surveys/${SLUG}/audit`);
      await checker.page(page, 'audit');
      const audit = await mainText(page);
      for (const event of [/publish/i, /export/i, /shar/i, /invit/i]) assert.match(audit, event, 'the log records it');
      checker.expect(!/[{[]\s*"\w+"\s*:/.test(audit), `the audit log shows raw JSON: ${audit.match(/[{[]\s*"\w+"\s*:.{0,60}/)?.[0]}`);

      // Import a survey from a file (a problem first), then delete it.
      await open(page, `${base}/admin`);
      await checker.page(page, 'surveys-before-import');
      await follow(page, page.getByRole('button', { name: 'Create or import a survey' }));
      expectPath(page, '/admin/import');
      await checker.page(page, 'import');
      response = await press(page, 'Upload and check');
      await checker.page(page, 'import-error-empty');
      await expectErrorPage(checker, page, 'import, no file', { response });
      const broken = fw.write('broken.json', JSON.stringify({ slug: 'Board Survey', title: '', version: 1, pages: [] }));
      await page.getByLabel(/^Survey definition/).setInputFiles(broken);
      response = await press(page, 'Upload and check');
      await checker.page(page, 'import-error-problems');
      await expectErrorPage(checker, page, 'import, a broken definition', { response });
      await page.getByLabel(/^Survey definition/).setInputFiles(join(FIXTURES, 'board-survey.json'));
      await press(page, 'Upload and check');
      expectPath(page, '/admin/surveys/board-survey');
      await checker.page(page, 'imported-survey');
      assert.equal(await heading(page), 'Board effectiveness review');
      await follow(page, page.getByRole('link', { name: 'Delete the survey' }));
      expectPath(page, '/admin/surveys/board-survey/delete');
      await checker.page(page, 'delete');
      response = await press(page, 'Delete survey');
      await checker.page(page, 'delete-error');
      await expectErrorPage(checker, page, 'delete, slug not typed', { response });
      await page.getByLabel(/To confirm, type/).fill('board-survey');
      await press(page, 'Delete survey');
      expectPath(page, '/admin');
      await checker.page(page, 'surveys-after-delete');
      const afterDelete = await mainText(page);
      assert.match(afterDelete, /board-survey has been deleted/i, 'a notice says it is deleted');
      assert.ok(!(await page.locator('table').innerText()).includes('Board effectiveness review'), 'it has left the list');

      // Change the password: nothing typed, then a new one.
      await follow(page, page.getByRole('link', { name: 'Change your password' }));
      expectPath(page, '/admin/account/password');
      await checker.page(page, 'password');
      response = await press(page, 'Change password');
      await checker.page(page, 'password-error');
      await expectErrorPage(checker, page, 'password, empty', { response });
      const newPassword = 'correct horse battery staple fieldwork';
      await page.getByLabel('Current password').fill(researcher.password);
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('Confirm new password').fill(newPassword);
      await press(page, 'Change password');
      expectPath(page, '/admin');
      await checker.page(page, 'password-changed');
      assert.match(await mainText(page), /password has been changed/i);

      // Sign out; the old password no longer works, the new one does.
      await press(page, 'Sign out');
      expectPath(page, '/admin/sign-in');
      await checker.page(page, 'signed-out');
      await open(page, `${base}/admin/surveys/${SLUG}`);
      expectPath(page, '/admin/sign-in', 'signed out, the admin pages ask to sign in');
      await checker.page(page, 'signed-out-survey');
      await page.getByLabel('Email address').fill(researcher.email);
      await page.getByLabel('Password').fill(researcher.password);
      response = await press(page, 'Sign in');
      await checker.page(page, 'sign-in-old-password');
      await expectErrorPage(checker, page, 'sign-in, old password', { response });
      await signIn(page, researcher.email, newPassword);
      expectPath(page, '/admin');
      await checker.page(page, 'surveys-new-password');
      await press(page, 'Sign out');
      await checker.page(page, 'signed-out-again');
    }));
});

async function signIn(page, email, password) {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  return press(page, 'Sign in');
}

/** Click what starts a download; its suggested file name and its text. */
async function download(page, locator) {
  const [file] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const failure = await file.failure();
  assert.equal(failure, null, `the download failed: ${failure}`);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, 'utf8') };
}
