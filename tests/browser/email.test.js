// Contacts and email: an owner uploads contacts (a bad file first), sends the invitations
// through a real SMTP server on loopback (tests/smtp-sink/sink.py, python3-aiosmtpd), sees the
// counts, and a contact opts out from the link in their email, without signing in.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Fieldwork, REPO, setUpStudy } from './lib/fieldwork.js';
import { Checker, launch } from './lib/browser.js';
import { expectErrorPage, expectPath, follow, heading, mainText, open, press } from './lib/govuk.js';

const SLUG = 'digital-leadership';
const PYTHON = process.env.FIELDWORK_TEST_PYTHON || '/usr/bin/python3';

/** The SMTP sink on a free port; resolves with its port once it listens. */
async function startSink(dir) {
  const sink = spawn(PYTHON, [join(REPO, 'tests', 'smtp-sink', 'sink.py'), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  process.once('exit', () => sink.kill('SIGKILL'));
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: sink.stdout }).once('line', resolve);
    sink.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}): is python3-aiosmtpd installed?`)));
  });
  const port = /listening on (\d+)/.exec(line)?.[1];
  assert.ok(port, `the sink printed no port: ${line}`);
  return { sink, port };
}

/** The messages the sink kept: recipients and raw text. */
function received(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({
      to: JSON.parse(readFileSync(join(dir, name), 'utf8')).rcpt_tos,
      raw: readFileSync(join(dir, name.replace(/\.json$/, '.eml')), 'utf8'),
    }));
}

describe('contacts and email', () => {
  let fw, browser, base, researcher, sink, mailDir;

  before(async () => {
    fw = new Fieldwork();
    ({ researcher } = setUpStudy(fw));
    mailDir = join(fw.dir, 'mail');
    let port;
    ({ sink, port } = await startSink(mailDir));
    Object.assign(process.env, {
      FIELDWORK_SMTP_HOST: '127.0.0.1',
      FIELDWORK_SMTP_PORT: port,
      FIELDWORK_SMTP_TLS: 'none',
      FIELDWORK_SMTP_FROM: 'Survey team <survey@example.org>',
      FIELDWORK_SMTP_RATE: '50',
    });
    base = await fw.start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await fw?.stop();
    sink?.kill();
  });

  test('an owner uploads contacts and sends invitations; a contact opts out', (t) =>
    new Checker(t, { browser, prefix: 'email-' }).run(async (checker) => {
      const page = await checker.visitor();
      await open(page, `${base}/admin/sign-in`);
      await checker.page(page, 'sign-in');
      await page.getByLabel('Email address').fill(researcher.email);
      await page.getByLabel('Password').fill(researcher.password);
      await press(page, 'Sign in');
      await checker.page(page, 'surveys');
      await open(page, `${base}/admin/surveys/${SLUG}`);
      await checker.page(page, 'survey');
      await follow(page, page.getByRole('link', { name: 'Contacts and emails' }));
      expectPath(page, `/admin/surveys/${SLUG}/contacts`);
      await checker.page(page, 'contacts');
      assert.equal(await heading(page), 'Contacts and emails');

      // A file with problems: every row's problem is listed, and nothing is added.
      const bad = fw.write('bad-contacts.csv', 'email,stratum\nnot-an-address,police\nok@example.org,nowhere\n');
      await page.getByLabel('Contacts (CSV)').setInputFiles(bad);
      let response = await press(page, 'Upload and check');
      await checker.page(page, 'contacts-error');
      await expectErrorPage(checker, page, 'contacts, a bad file', { response });
      const listed = await mainText(page);
      assert.ok(listed.includes('Row 2: `not-an-address` is not an email address'), listed);
      assert.ok(listed.includes('Row 3: `nowhere` is not a stratum of the survey'), listed);

      // A good file, then the invitations, sent in the background.
      const good = fw.write(
        'contacts.csv',
        'email,stratum,name,language\nana@example.org,police,Ana,\nbethan@example.org,councils,Bethan,cy\ncai@example.org,schools,,\n',
      );
      await page.getByLabel('Contacts (CSV)').setInputFiles(good);
      await press(page, 'Upload and check');
      await checker.page(page, 'contacts-added');
      assert.ok((await mainText(page)).includes('Added 3 contacts'));
      await press(page, 'Send invitations');
      await checker.page(page, 'contacts-sending');
      const deadline = Date.now() + 30_000;
      while (received(mailDir).length < 3) {
        assert.ok(Date.now() < deadline, 'three invitations reach the mail server');
        await page.waitForTimeout(100);
      }
      const mail = received(mailDir);
      assert.deepEqual(mail.map((m) => m.to.length), [1, 1, 1], 'one recipient per message');
      // The sender records each message just after the server accepts it.
      const allSent = () =>
        fw
          .cli('invitations', 'status', '--survey', SLUG)
          .split('\n')
          .filter((line) => /^(police|councils|schools),/.test(line))
          .every((line) => line.split(',')[3] === '1');
      while (!allSent()) {
        assert.ok(Date.now() < deadline, 'the three invitations are recorded as sent');
        await page.waitForTimeout(100);
      }
      await open(page, `${base}/admin/surveys/${SLUG}/contacts`);
      await checker.page(page, 'contacts-sent');
      const table = await page.locator('table').first().innerText();
      assert.match(table, /police\s+1\s+1\s+0/, `police: 1 contact, 1 sent, 0 failed:\n${table}`);

      // Bethan opts out from the link in her email, without signing in.
      const bethan = mail.find((m) => m.to[0] === 'bethan@example.org');
      const unwrapped = bethan.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      const optOut = /https?:\/\/[^\s"<>]+\/opt-out\?code=[0-9a-f]+/.exec(unwrapped)?.[0];
      assert.ok(optOut?.startsWith(base), `an opt-out link to this service: ${optOut}`);
      const contact = await checker.visitor();
      response = await open(contact, optOut);
      assert.equal(response.status(), 200);
      await checker.page(contact, 'opt-out');
      assert.equal(await heading(contact), 'Stop emails about this survey');
      await press(contact, 'Stop emails about this survey');
      await checker.page(contact, 'opted-out');
      assert.equal(await heading(contact), 'You will get no more emails about this survey');
      await contact.context().close();

      // The survey's page counts it.
      await open(page, `${base}/admin/surveys/${SLUG}`);
      await checker.page(page, 'survey-with-outreach');
      const survey = await mainText(page);
      assert.ok(survey.includes('Email invitations'), survey);
      const outreach = await page.locator('table', { hasText: 'Opted out' }).innerText();
      assert.match(outreach, /councils\s+1\s+1\s+0\s+1/, `councils: 1 contact, 1 sent, 0 failed, 1 opted out:\n${outreach}`);
    }));
});
