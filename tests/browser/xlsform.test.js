// A researcher imports a survey from an XLSForm workbook through the real import form: one the
// CLI exported lands on the survey's page; one the importer refuses shows its problems, cell by
// cell, on the import page, which passes axe at both widths.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Fieldwork, REPO, definitionIn } from './lib/fieldwork.js';
import { Checker, launch } from './lib/browser.js';
import { expectErrorPage, expectPath, follow, heading, open, press } from './lib/govuk.js';

const SLUG = 'digital-leadership';
const TITLE = definitionIn(SLUG, 'en').title;
const REFUSED = join(REPO, 'fixtures', 'xlsform', 'spec', 'cascading_select.xlsx');

describe('XLSForm upload', () => {
  let fw, browser, base, researcher, workbook;

  before(async () => {
    // The workbook comes from a scratch database, so the server's has no survey of that slug.
    const scratch = new Fieldwork();
    try {
      scratch.cli('survey', 'import', 'fixtures/surveys/digital-leadership.json');
      fw = new Fieldwork();
      workbook = join(fw.dir, `${SLUG}.xlsx`);
      scratch.cli('survey', 'export', SLUG, '--format', 'xlsform', '--out', workbook);
    } finally {
      await scratch.stop();
    }
    researcher = { email: 'ana@example.org' };
    researcher.password = fw.addUser(researcher.email);
    base = await fw.start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await fw?.stop();
  });

  test('a researcher imports a workbook, and sees why another is refused', (t) =>
    new Checker(t, { browser, prefix: 'xlsform-' }).run(async (checker) => {
      const page = await checker.visitor();
      const definitionField = () => page.getByLabel(/^Survey definition/);

      await open(page, `${base}/admin/sign-in`);
      await checker.page(page, 'sign-in');
      await page.getByLabel('Email address').fill(researcher.email);
      await page.getByLabel('Password').fill(researcher.password);
      await press(page, 'Sign in');
      expectPath(page, '/admin');
      await checker.page(page, 'surveys');
      await follow(page, page.getByRole('button', { name: 'Create or import a survey' }));
      expectPath(page, '/admin/import');
      await checker.page(page, 'import');
      const accepted = await definitionField().getAttribute('accept');
      assert.ok(accepted.split(',').includes('.xlsx'), `the file picker offers .xlsx files: ${accepted}`);

      // The exported workbook imports as the survey.
      await definitionField().setInputFiles(workbook);
      await press(page, 'Upload and check');
      expectPath(page, `/admin/surveys/${SLUG}`);
      await checker.page(page, 'imported-survey');
      assert.equal(await heading(page), TITLE);

      // A workbook with cascading selects is refused, each offending cell listed.
      await open(page, `${base}/admin/import`);
      await checker.page(page, 'import-again');
      await definitionField().setInputFiles(REFUSED);
      const response = await press(page, 'Upload and check');
      expectPath(page, '/admin/import');
      await checker.page(page, 'import-error-workbook');
      const summary = await expectErrorPage(checker, page, 'import, a refused workbook', { response });
      assert.match(summary.join('\n'), /Fix the \d+ problems in the survey definition listed below/);
      const problems = (await page.locator('#definition-problems li').allInnerTexts()).map((p) => p.trim());
      for (const cell of ['survey!D3 (choice_filter):', 'survey!D4 (choice_filter):']) {
        assert.ok(problems.some((p) => p.startsWith(cell)), `${cell} is listed among:\n${problems.join('\n')}`);
      }
      assert.equal(await definitionField().getAttribute('aria-describedby'), 'definition-hint definition-error definition-problems');
    }));
});
