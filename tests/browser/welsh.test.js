// A respondent in Welsh: invited in Welsh, every page in Welsh (`<html lang="cy">`, fieldwork's
// words and the survey's), an error, save and come back on another device, the switcher to
// English and back, check, send, see and withdraw; axe on every page.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Fieldwork, catalogue, definitionIn, setUpStudy } from './lib/fieldwork.js';
import { Checker, launch } from './lib/browser.js';
import { expectPath, follow, heading, open, press } from './lib/govuk.js';

const SLUG = 'digital-leadership';
const CY = definitionIn(SLUG, 'cy');
const EN = definitionIn(SLUG, 'en');
const WORDS = catalogue('cy');
const QUESTIONS = Object.fromEntries(CY.pages.flatMap((p) => p.questions).map((q) => [q.id, q]));

/** The answer this respondent gives, by question: codes, so the labels come from the definition. */
const CHOICES = { role: 'head', disrupted: 'yes', capable: 'yes', leadership_understanding: 'well', hostility: 'no' };

function label(question, code) {
  const all = [...(question.options ?? []), ...(question.scale ?? []), ...(question.non_substantive ?? [])];
  return all.find((o) => o.code === code).label;
}

/** Answer the question on the page in Welsh, choosing by the Welsh labels. */
async function answer(page, question) {
  switch (question.type) {
    case 'single_choice':
    case 'likert':
      await page.getByLabel(label(question, CHOICES[question.id] ?? (question.options ?? question.scale)[0].code), { exact: true }).check();
      break;
    case 'multi_choice':
      await page.getByLabel(question.options[0].label, { exact: true }).check();
      break;
    case 'likert_grid':
      for (const item of question.items) {
        await page.getByRole('group', { name: item.text, exact: true }).getByLabel(question.scale.at(-1).label, { exact: true }).check();
      }
      break;
    case 'number':
      await page.getByRole('textbox').fill('4');
      break;
    default:
      break; // Free text is optional here: left empty.
  }
}

async function expectWelsh(checker, page, name) {
  await checker.page(page, name);
  const lang = await page.locator('html').getAttribute('lang');
  checker.expect(lang === 'cy', `${name}: <html lang="${lang}">, not cy`);
  const text = await page.locator('body').innerText();
  for (const english of ['Continue', 'There is a problem', 'Back', 'Privacy notice', 'Change']) {
    checker.expect(!new RegExp(`\\b${english}\\b`).test(text), `${name}: the English "${english}" on a Welsh page`);
  }
}

describe('a respondent in Welsh', () => {
  let fw, browser, base, token;

  before(async () => {
    fw = new Fieldwork();
    setUpStudy(fw);
    [token] = fw.invite(SLUG, 'councils', 1, 'cy');
    base = await fw.start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await fw?.stop();
  });

  test('invited in Welsh: the whole journey in Welsh', (t) =>
    new Checker(t, { browser, prefix: 'cy-' }).run(async (checker) => {
      let page = await checker.visitor();
      const invite = `${base}/s/${SLUG}?invite=${token}`;
      await open(page, invite);
      await expectWelsh(checker, page, 'start');
      assert.equal(await heading(page), CY.title);
      for (const statement of CY.participant_information.consent) {
        await page.getByLabel(statement.text, { exact: true }).check();
      }
      await press(page, WORDS['agree-and-start']);
      expectPath(page, `/s/${SLUG}/q/role`, 'the sector comes from the invitation');
      await expectWelsh(checker, page, 'q-role');
      assert.equal(await heading(page), QUESTIONS.role.text);

      // An error, in Welsh: the title's prefix, the summary, the definition's own message.
      const refused = await press(page, WORDS.continue);
      assert.equal(refused.status(), 422);
      await expectWelsh(checker, page, 'q-role-error');
      assert.ok((await page.title()).startsWith(`${WORDS['error-title-prefix']} `), await page.title());
      assert.equal(await page.locator('.govuk-error-summary__title').innerText(), WORDS['error-summary-title']);
      assert.equal(await page.locator('.govuk-error-summary a').first().innerText(), QUESTIONS.role.error_message);

      // Answer up to `disrupted`, then save and come back later on another device.
      for (;;) {
        const id = new URL(page.url()).pathname.split('/').at(-1);
        const question = QUESTIONS[id];
        await answer(page, question);
        if (id === 'disrupted') break;
        await press(page, WORDS.continue);
        await expectWelsh(checker, page, `q-${id}-next`);
      }
      await press(page, WORDS['save-and-come-back']);
      await expectWelsh(checker, page, 'saved');
      assert.equal(await heading(page), WORDS['saved-title']);
      const link = (await page.locator('.fieldwork-resume-link').innerText()).trim();
      assert.match(link, /lang=cy$/, 'the link brings the respondent back in Welsh');

      page = await checker.visitor();
      await open(page, link);
      await expectWelsh(checker, page, 'resume');
      assert.equal(await heading(page), WORDS['resume-title']);
      await press(page, WORDS['carry-on']);
      // Carry on to the end: every question page in Welsh.
      while (new URL(page.url()).pathname.includes('/q/')) {
        const id = new URL(page.url()).pathname.split('/').at(-1);
        await expectWelsh(checker, page, `q-${id}`);
        assert.equal(await heading(page), QUESTIONS[id].text.trim() + (QUESTIONS[id].required === false ? ` ${WORDS.optional}` : ''));
        await answer(page, QUESTIONS[id]);
        await press(page, WORDS.continue);
      }
      expectPath(page, `/s/${SLUG}/check`);
      await expectWelsh(checker, page, 'check');
      assert.equal(await heading(page), WORDS['check-title']);

      // The switcher: English, then Welsh again, on the same step.
      await follow(page, page.getByRole('link', { name: 'English', exact: true }));
      await checker.page(page, 'check-in-english');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await heading(page), 'Check your answers before sending them');
      assert.ok((await page.locator('main').innerText()).includes(EN.pages[1].title), 'the survey in English too');
      await follow(page, page.getByRole('link', { name: 'Cymraeg', exact: true }));
      await expectWelsh(checker, page, 'check-again');

      await press(page, WORDS['send-answers']);
      expectPath(page, `/s/${SLUG}/done`);
      await expectWelsh(checker, page, 'done');
      assert.equal(await heading(page), WORDS['done-title']);
      const receipt = (await page.locator('.fieldwork-receipt').innerText()).trim();

      // See the answers with the receipt code, then withdraw them.
      await open(page, `${base}/s/${SLUG}/withdraw`);
      await expectWelsh(checker, page, 'withdraw');
      await page.getByLabel(WORDS['receipt-label'], { exact: true }).fill(receipt);
      await press(page, WORDS['see-my-answers']);
      await expectWelsh(checker, page, 'answers');
      assert.ok((await page.locator('main').innerText()).includes(label(QUESTIONS.role, 'head')), 'answers in Welsh');
      await press(page, WORDS['withdraw-my-answers']);
      await expectWelsh(checker, page, 'withdrawn');

      // The privacy notice in Welsh.
      await open(page, `${base}/s/${SLUG}/privacy`);
      await expectWelsh(checker, page, 'privacy');
      assert.equal(await heading(page), WORDS['privacy-title']);
    }));
});
