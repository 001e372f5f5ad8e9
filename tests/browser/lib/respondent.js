// The invited respondent's whole journey through the digital-leadership survey.

import assert from 'node:assert/strict';
import { definitionIn } from './fieldwork.js';
import { expectErrorPage, expectPath, follow, heading, mainText, open, press, summaryRows } from './govuk.js';

const SLUG = 'digital-leadership';
const DEFINITION = definitionIn(SLUG, 'en');
const QUESTIONS = Object.fromEntries(DEFINITION.pages.flatMap((p) => p.questions).map((q) => [q.id, q]));
const text = (id) => QUESTIONS[id].text;

// Messages that say nothing about the question: the GOV.UK pattern asks for specific ones.
const GENERIC_MESSAGES = [
  'Select an answer',
  'Select at least one option',
  'Select an answer for every statement',
  'Enter an answer',
  'Enter a number',
];

/** Unambiguous receipt codes: four groups of four, without O, I or L (read as 0 and 1). */
const RECEIPT = /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/;

/**
 * Start from an invitation, answer every question type (with an empty or wrong answer first),
 * save and come back in a new browser, check and change answers, send, try the invitation
 * again, and withdraw with the receipt code.
 */
export async function invitedJourney({ base, checker, token, javaScript }) {
  const inviteUrl = `${base}/s/${SLUG}?invite=${token}`;
  const page = await checker.visitor({ javaScript });
  const counter = new QuestionCounter(checker);

  // The invitation.
  let response = await open(page, inviteUrl);
  assert.equal(response.status(), 200);
  await checker.page(page, 'start');
  assert.equal(await heading(page), DEFINITION.title);
  // Participant information before anything is asked, and a consent checkbox per statement.
  for (const h of ['Why we are doing this study', 'Risks', 'Withdrawing']) {
    assert.equal(await page.getByRole('heading', { name: h, exact: true }).count(), 1, `the information has "${h}"`);
  }
  const statements = DEFINITION.participant_information.consent;
  for (const statement of statements) {
    assert.equal(await page.getByLabel(statement.text, { exact: true }).isChecked(), false, 'consent is never pre-ticked');
  }
  assert.equal(await page.getByRole('button', { name: 'Agree and start' }).count(), 1, 'an Agree and start button');
  // An invited respondent is never asked the stratum question: at most all the others.
  const most = Object.keys(QUESTIONS).length - 1;
  const stated = /There are (\d+) questions/.exec(await mainText(page));
  checker.expect(
    !stated || Number(stated[1]) <= most,
    `start page: "${stated?.[0]}", but an invited respondent is asked at most ${most} (never the sector)`,
  );
  // The privacy notice, from the footer, and back.
  await follow(page, page.getByRole('link', { name: 'Privacy notice' }));
  expectPath(page, `/s/${SLUG}/privacy`);
  await checker.page(page, 'privacy');
  assert.equal(await heading(page), 'Privacy notice');
  await open(page, inviteUrl);
  await checker.page(page, 'start-after-privacy');
  // Declining: an exit page, and nothing kept.
  await follow(page, page.getByRole('link', { name: 'I do not want to take part' }));
  expectPath(page, `/s/${SLUG}/declined`);
  await checker.page(page, 'declined');
  assert.match(await heading(page), /not to take part/i);
  await open(page, inviteUrl);
  await checker.page(page, 'start-after-declining');
  // One statement left unticked: told so, with the others still ticked.
  for (const statement of statements.slice(0, -1)) await page.getByLabel(statement.text, { exact: true }).check();
  response = await press(page, 'Agree and start');
  expectPath(page, `/s/${SLUG}/start`, 'consent missing: the start page again');
  await checker.page(page, 'start-error-consent');
  await expectErrorPage(checker, page, 'consent, one statement unticked', { response });
  assert.ok(await page.getByLabel(statements[0].text, { exact: true }).isChecked(), 'ticked statements stay ticked');
  await page.getByLabel(statements.at(-1).text, { exact: true }).check();
  await press(page, 'Agree and start');

  // The sector comes from the invitation, so the first question is the role.
  expectPath(page, `/s/${SLUG}/q/role`, 'the sector is known from the invitation');
  await checker.page(page, 'q-role');
  await counter.see(page, 'role');
  await emptyThenAnswer(checker, page, 'role', async () => {
    await page.getByLabel('Senior leader reporting to the head', { exact: true }).check();
  });

  // A number: words, then out of range, then a whole number.
  expectPath(page, `/s/${SLUG}/q/years_in_role`);
  await checker.page(page, 'q-years');
  await counter.see(page, 'years_in_role');
  await page.getByLabel(text('years_in_role')).fill('about five');
  response = await press(page, 'Continue');
  await checker.page(page, 'q-years-error-words');
  let messages = await expectErrorPage(checker, page, 'years_in_role, words', { response });
  checker.expect(
    !messages.some((m) => /\d\.\d/.test(m)),
    `years_in_role asks for whole years, but its error suggests a decimal: ${JSON.stringify(messages)}`,
  );
  await page.getByLabel(text('years_in_role')).fill('75');
  response = await press(page, 'Continue');
  await checker.page(page, 'q-years-error-range');
  messages = await expectErrorPage(checker, page, 'years_in_role, out of range', { response });
  assert.ok(messages.some((m) => m.includes('60')), `the range error names the limit: ${JSON.stringify(messages)}`);
  await page.getByLabel(text('years_in_role')).fill('5');
  await press(page, 'Continue');

  expectPath(page, `/s/${SLUG}/q/disrupted`);
  await checker.page(page, 'q-disrupted');
  await counter.see(page, 'disrupted');
  await emptyThenAnswer(checker, page, 'disrupted', () => page.getByLabel('Yes', { exact: true }).check());

  // "No" opens the follow-up about what is lacking (show_if).
  expectPath(page, `/s/${SLUG}/q/capable`);
  await checker.page(page, 'q-capable');
  await counter.see(page, 'capable');
  await emptyThenAnswer(checker, page, 'capable', () => page.getByLabel('No', { exact: true }).check());

  expectPath(page, `/s/${SLUG}/q/capability_gaps`, '"No" shows the follow-up');
  await checker.page(page, 'q-capability-gaps');
  await counter.see(page, 'capability_gaps');
  await emptyThenAnswer(checker, page, 'capability_gaps', async () => {
    await page.getByLabel('The right skills', { exact: true }).check();
    await page.getByLabel('The right leadership', { exact: true }).check();
  });

  // A likert scale with "Don't know" apart.
  expectPath(page, `/s/${SLUG}/q/leadership_understanding`);
  await checker.page(page, 'q-likert');
  await counter.see(page, 'leadership_understanding');
  await emptyThenAnswer(checker, page, 'leadership_understanding', () =>
    page.getByLabel('Poorly', { exact: true }).check(),
  );

  // The grid: nothing, then all but one statement, then all.
  expectPath(page, `/s/${SLUG}/q/behaviours`);
  await checker.page(page, 'q-grid');
  await counter.see(page, 'behaviours');
  response = await press(page, 'Continue');
  await checker.page(page, 'q-grid-error-empty');
  messages = await expectErrorPage(checker, page, 'behaviours (grid), empty', { response });
  checkWording(checker, 'behaviours', messages);
  const items = QUESTIONS.behaviours.items;
  const scale = ['Agree', 'Strongly agree', 'Disagree', 'Neither agree nor disagree', "Don't know", 'Agree', 'Strongly disagree', 'Agree'];
  for (const [i, item] of items.entries()) {
    if (i === items.length - 1) break;
    await page.getByRole('group', { name: item.text, exact: true }).getByLabel(scale[i], { exact: true }).check();
  }
  response = await press(page, 'Continue');
  await checker.page(page, 'q-grid-error-one-missing');
  messages = await expectErrorPage(checker, page, 'behaviours (grid), one statement left', { response });
  assert.equal(messages.length, 1, `one error, for the statement left: ${JSON.stringify(messages)}`);
  assert.ok(messages[0].includes(items.at(-1).text), `the error names the statement left: ${messages[0]}`);
  for (const [i, item] of items.slice(0, -1).entries()) {
    assert.ok(
      await page.getByRole('group', { name: item.text, exact: true }).getByLabel(scale[i], { exact: true }).isChecked(),
      `the grid keeps the answer to "${item.text}"`,
    );
  }
  await page.getByRole('group', { name: items.at(-1).text, exact: true }).getByLabel(scale.at(-1), { exact: true }).check();
  await press(page, 'Continue');

  // Several choices, one of them exclusive ("None of these").
  expectPath(page, `/s/${SLUG}/q/barriers`);
  await checker.page(page, 'q-barriers');
  await counter.see(page, 'barriers');
  response = await press(page, 'Continue');
  await checker.page(page, 'q-barriers-error-empty');
  messages = await expectErrorPage(checker, page, 'barriers, empty', { response });
  checkWording(checker, 'barriers', messages);
  await page.getByLabel('Legacy technology', { exact: true }).check();
  await page.getByLabel('None of these', { exact: true }).check();
  response = await press(page, 'Continue');
  await checker.page(page, 'q-barriers-error-exclusive');
  messages = await expectErrorPage(checker, page, 'barriers, "None of these" with another', { response });
  assert.ok(messages.some((m) => m.includes('None of these')), `the error names the exclusive option: ${JSON.stringify(messages)}`);
  await page.getByLabel('None of these', { exact: true }).uncheck();
  await page.getByLabel('Procurement rules and contracts', { exact: true }).check();
  await press(page, 'Continue');

  // At most three: four is refused; then save and come back later.
  expectPath(page, `/s/${SLUG}/q/learning_needs`);
  await checker.page(page, 'q-learning-needs');
  await counter.see(page, 'learning_needs');
  for (const label of ['Using data well', 'Cyber security', 'The ethics of data and AI', 'Leading multidisciplinary teams']) {
    await page.getByLabel(label, { exact: true }).check();
  }
  response = await press(page, 'Continue');
  await checker.page(page, 'q-learning-needs-error-too-many');
  messages = await expectErrorPage(checker, page, 'learning_needs, four chosen', { response });
  assert.ok(messages.some((m) => m.includes('3')), `the error says how many: ${JSON.stringify(messages)}`);
  await page.getByLabel('Leading multidisciplinary teams', { exact: true }).uncheck();
  await press(page, 'Save and come back later');
  await checker.page(page, 'saved');
  assert.match(await heading(page), /saved/i);
  const resumeMatch = /https?:\/\/\S+\/resume\?code=[\w-]+/.exec(await mainText(page));
  assert.ok(resumeMatch, 'the saved page shows the link to come back with');
  const resumeUrl = resumeMatch[0];
  assert.ok(resumeUrl.startsWith(`${base}/s/${SLUG}/resume?code=`), `the resume link points at this service: ${resumeUrl}`);
  await page.context().close();

  // Later, another browser: nothing but the link.
  const later = await checker.visitor({ javaScript });
  response = await open(later, resumeUrl);
  assert.equal(response.status(), 200);
  await checker.page(later, 'resume');
  await press(later, 'Carry on');
  expectPath(later, `/s/${SLUG}/q/hostility`, 'carry on at the first question not answered');

  await checker.page(later, 'q-hostility');
  await counter.see(later, 'hostility', { resumed: true });
  await emptyThenAnswer(checker, later, 'hostility', () => later.getByLabel('Yes, I witnessed it', { exact: true }).check());

  // Long free text, optional, shown after a "yes".
  expectPath(later, `/s/${SLUG}/q/hostility_detail`);
  await checker.page(later, 'q-textarea');
  await counter.see(later, 'hostility_detail');
  await later.getByLabel(text('hostility_detail'), { exact: false }).fill('A colleague was shouted at in a board meeting for proposing a pilot.');
  await press(later, 'Continue');

  expectPath(later, `/s/${SLUG}/q/pledge`);
  await checker.page(later, 'q-pledge');
  await counter.see(later, 'pledge', { last: true });
  await later.getByLabel(text('pledge'), { exact: false }).fill('Spend a day a month with a delivery team.');
  // Publishing is a separate choice, unticked until the respondent ticks it.
  const publish = later.getByLabel("Publish my answer on the study's website", { exact: true });
  assert.equal(await publish.isChecked(), false, 'publishing is never pre-ticked');
  await publish.check();
  await later.getByLabel('A leader in my sector', { exact: true }).check();
  await press(later, 'Continue');

  // Check answers: everything from both sessions is there.
  expectPath(later, `/s/${SLUG}/check`);
  await checker.page(later, 'check');
  let rows = await summaryRows(later);
  assert.ok(!(text('sector') in rows), 'the sector, fixed by the invitation, is not asked or listed');
  assert.deepEqual(rows[text('role')], ['Senior leader reporting to the head']);
  assert.match(rows[text('years_in_role')].join(' '), /^5\b/);
  assert.deepEqual(rows[text('capable')], ['No']);
  assert.deepEqual(rows[text('capability_gaps')], ['The right skills', 'The right leadership']);
  assert.deepEqual(rows[text('leadership_understanding')], ['Poorly']);
  assert.equal(rows[text('behaviours')].length, items.length, 'a line per statement');
  assert.ok(rows[text('behaviours')][0].startsWith(items[0].text), rows[text('behaviours')][0]);
  assert.deepEqual(rows[text('barriers')], ['Legacy technology', 'Procurement rules and contracts']);
  assert.deepEqual(rows[text('learning_needs')], ['Using data well', 'Cyber security', 'The ethics of data and AI']);
  assert.deepEqual(rows[text('hostility')], ['Yes, I witnessed it']);
  assert.deepEqual(rows[text('pledge')], ['Spend a day a month with a delivery team.']);
  assert.equal(await later.getByRole('heading', { name: 'Your consent', exact: true }).count(), 1, 'the consent given is on the check page');

  // Change an answer from the check page: "Yes" hides the follow-up and its answer goes.
  await follow(later, later.getByRole('link', { name: `Change ${text('capable')}` }));
  expectPath(later, `/s/${SLUG}/q/capable`);
  await checker.page(later, 'q-capable-change');
  assert.ok(await later.getByLabel('No', { exact: true }).isChecked(), 'the page shows the answer given');
  await later.getByLabel('Yes', { exact: true }).check();
  await press(later, 'Continue');
  expectPath(later, `/s/${SLUG}/check`, 'back to the check page after a change');
  await checker.page(later, 'check-changed');
  rows = await summaryRows(later);
  assert.deepEqual(rows[text('capable')], ['Yes']);
  assert.ok(!(text('capability_gaps') in rows), 'the follow-up no longer applies, and is not listed');

  // Send.
  await press(later, 'Send answers');
  expectPath(later, `/s/${SLUG}/done`);
  await checker.page(later, 'done');
  const receipt = (await later.locator('.govuk-panel__body strong').innerText()).trim();
  assert.match(receipt, RECEIPT, `a receipt code: ${receipt}`);
  checker.expect(!/[OIL]/.test(receipt), `the receipt code ${receipt} has a letter easily misread (O, I or L)`);

  // The same invitation again, in another browser: no second response.
  const again = await checker.visitor({ javaScript });
  response = await open(again, inviteUrl);
  await checker.page(again, 'invitation-used');
  assert.ok(response.status() < 500, `status ${response.status()}`);
  assert.equal(await again.locator(`form[action="/s/${SLUG}/start"]`).count(), 0, 'no way to start again');
  assert.match(await heading(again), /already|sent/i, 'the heading says the invitation was used');
  await again.context().close();

  // Withdraw: nothing typed, a code that is not theirs, then theirs as people type it.
  await follow(later, later.getByRole('link', { name: 'see your answers, download them or withdraw them' }));
  expectPath(later, `/s/${SLUG}/withdraw`);
  await checker.page(later, 'withdraw');
  response = await press(later, 'Withdraw my answers');
  await checker.page(later, 'withdraw-error-empty');
  await expectErrorPage(checker, later, 'withdraw, empty', { response });
  await later.getByLabel('Your receipt code').fill('ABCD-EFGH-JKMN-PQRS');
  response = await press(later, 'See my answers');
  await checker.page(later, 'answers-error-unknown');
  messages = await expectErrorPage(checker, later, 'see answers, unknown code', { response });
  // Their own answers, with the receipt as people type it; then withdraw from there.
  await later.getByLabel('Your receipt code').fill(receipt.toLowerCase().replaceAll('-', ' '));
  response = await press(later, 'See my answers');
  assert.equal(response.status(), 200);
  await checker.page(later, 'own-answers');
  assert.equal(await heading(later), 'Your answers');
  assert.match(await mainText(later), /Spend a day a month with a delivery team\./);
  const [download] = await Promise.all([
    later.waitForEvent('download'),
    later.getByRole('button', { name: 'Download your answers (CSV)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${SLUG}-my-answers.csv`);
  response = await press(later, 'Withdraw my answers');
  assert.equal(response.status(), 200);
  await checker.page(later, 'withdrawn');
  assert.match(await heading(later), /withdrawn/i);

  // The receipt works once.
  await follow(later, later.getByRole('link', { name: 'Go to the start of the survey' }));
  await checker.page(later, 'after-withdrawal-start');
  await open(later, `${base}/s/${SLUG}/withdraw`);
  await checker.page(later, 'withdraw-again');
  await later.getByLabel('Your receipt code').fill(receipt);
  response = await press(later, 'Withdraw my answers');
  await checker.page(later, 'withdraw-again-error');
  await expectErrorPage(checker, later, 'withdraw, code already used', { response });
  return { receipt };
}

/** Continue with nothing chosen (an error page), then answer and continue. */
async function emptyThenAnswer(checker, page, id, answer) {
  const response = await press(page, 'Continue');
  expectPath(page, `/s/${SLUG}/q/${id}`, 'an empty answer is refused');
  await checker.page(page, `q-${id.replaceAll('_', '-')}-error-empty`);
  const messages = await expectErrorPage(checker, page, `${id}, empty`, { response });
  checkWording(checker, id, messages);
  await answer();
  await press(page, 'Continue');
}

function checkWording(checker, id, messages) {
  for (const message of messages) {
    checker.expect(
      !GENERIC_MESSAGES.includes(message),
      `${id}: the error "${message}" does not say what to select or enter (GOV.UK: "Select [whatever it is]")`,
    );
  }
}

/** "Question N of M", if the page shows it, counts the questions this respondent is asked. */
class QuestionCounter {
  constructor(checker) {
    this.checker = checker;
    this.seen = 0;
  }

  async see(page, id, { resumed = false, last = false } = {}) {
    const found = /Question (\d+) of (\d+)/.exec(await mainText(page));
    if (resumed) this.seen = null; // a new session: only the shape can be checked
    if (this.seen !== null) this.seen += 1;
    if (!found) return;
    const [n, m] = [Number(found[1]), Number(found[2])];
    const where = `q ${id}: "Question ${n} of ${m}"`;
    if (this.seen !== null) this.checker.expect(n === this.seen, `${where}, but it is question ${this.seen} this respondent is asked`);
    this.checker.expect(n <= m, `${where}: more than the total`);
    if (last) this.checker.expect(n === m, `${where}, but it is the last question`);
  }
}
