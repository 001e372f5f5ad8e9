// Cross-site request forgery, in a real browser: fieldwork's own forms post (Chromium sends
// what it sends for a page under fieldwork's Referrer-Policy), and forms on other sites that
// post to fieldwork are refused with nothing changed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Fieldwork, setUpStudy } from './lib/fieldwork.js';
import { Checker, launch } from './lib/browser.js';
import { expectPath, follow, heading, mainText, open, press } from './lib/govuk.js';

const SLUG = 'digital-leadership';

/** An attacker's site on `host`: each path is a page with a form that posts itself to fieldwork. */
async function attackerSite(host, pages) {
  const server = http.createServer((req, res) => {
    const page = pages[new URL(req.url, 'http://x').pathname];
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    const fields = Object.entries(page.fields)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">${page.head ?? ''}<title>Win a prize</title></head>
<body><form method="post" action="${page.action}">${fields}<button>Claim your prize</button></form>
<script>document.forms[0].submit()</script></body></html>`);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return { server, origin: `http://${host}:${server.address().port}` };
}

describe('cross-site request forgery', () => {
  let fw, browser, base, researcher, colleague, sites = [];

  before(async () => {
    fw = new Fieldwork();
    ({ researcher } = setUpStudy(fw));
    colleague = { email: 'bo@example.org', password: fw.addUser('bo@example.org') };
    base = await fw.start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    for (const { server } of sites) server.close();
    await fw?.stop();
  });

  /** Status and counts of a survey, from the CLI (not through the server under test). */
  const surveyRow = (slug) => {
    const line = fw.cli('survey', 'list').split('\n').find((l) => l.startsWith(`${slug} `));
    const [, , status, complete, partial] = line.trim().split(/\s+/);
    return { status, complete: Number(complete), partial: Number(partial) };
  };

  /** The headers of every form POST the context sends. */
  const recordPosts = (context) => {
    const posts = [];
    context.on('request', (request) => {
      if (request.method() === 'POST' && request.isNavigationRequest()) {
        posts.push(request.allHeaders().then((headers) => ({ url: request.url(), headers })));
      }
    });
    return posts;
  };

  test("fieldwork's own forms post, from a researcher and a respondent", (t) =>
    new Checker(t, { browser, prefix: 'csrf-' }).run(async (checker) => {
      const page = await checker.visitor();
      const posts = recordPosts(page.context());
      await open(page, `${base}/admin/sign-in`);
      await checker.page(page, 'sign-in');
      await page.getByLabel('Email address').fill(researcher.email);
      await page.getByLabel('Password').fill(researcher.password);
      let response = await press(page, 'Sign in');
      assert.notEqual(response.status(), 403, 'our own sign-in form is not refused as cross-site');
      expectPath(page, '/admin', 'signed in');
      await checker.page(page, 'surveys');
      await follow(page, page.getByRole('link', { name: 'Digital leadership in the UK public sector' }));
      await checker.page(page, 'survey');
      response = await press(page, 'Close the survey');
      assert.equal(response.status(), 200);
      await checker.page(page, 'survey-closed');
      assert.equal(surveyRow(SLUG).status, 'closed', 'the close form worked');
      await press(page, 'Open the survey');
      await checker.page(page, 'survey-reopened');
      assert.equal(surveyRow(SLUG).status, 'open', 'the open form worked');

      await open(page, `${base}/s/staff-pulse`);
      await checker.page(page, 'open-link-start');
      response = await press(page, 'Start now');
      assert.equal(response.status(), 200);
      expectPath(page, '/s/staff-pulse/q/directorate', "the respondent's start form is accepted");
      await checker.page(page, 'open-link-question');

      const sent = await Promise.all(posts);
      assert.equal(posts.length, 4, 'four form posts were sent');
      for (const post of sent) {
        t.diagnostic(`POST ${new URL(post.url).pathname}: Origin ${post.headers.origin}, Sec-Fetch-Site ${post.headers['sec-fetch-site']}`);
        assert.equal(post.headers['sec-fetch-site'], 'same-origin', 'Chromium vouches the form is our own');
      }
    }));

  test('forms on other sites that post to fieldwork are refused, and change nothing', (t) =>
    new Checker(t, { browser, prefix: 'csrf-' }).run(async (checker) => {
      const forged = 'AAAAAAAAAAAAAAAAAAAAAA';
      const pages = {
        '/close': { action: `${base}/admin/surveys/${SLUG}/status`, fields: { csrf_token: forged, status: 'closed' } },
        '/close-no-referrer': {
          head: '<meta name="referrer" content="no-referrer">',
          action: `${base}/admin/surveys/${SLUG}/status`,
          fields: { csrf_token: forged, status: 'closed' },
        },
        '/share': {
          action: `${base}/admin/surveys/${SLUG}/sharing`,
          fields: { csrf_token: forged, email: colleague.email, role: 'owner' },
        },
        '/start': { action: `${base}/s/staff-pulse/start`, fields: { csrf_token: forged, start_id: 'BBBBBBBBBBBBBBBBBBBBBB' } },
        '/start-no-referrer': {
          head: '<meta name="referrer" content="no-referrer">',
          action: `${base}/s/staff-pulse/start`,
          fields: { csrf_token: forged, start_id: 'CCCCCCCCCCCCCCCCCCCCCC' },
        },
        '/sign-in': {
          action: `${base}/admin/sign-in`,
          fields: { csrf_token: forged, email: colleague.email, password: colleague.password },
        },
      };
      // Another site (127.0.0.2 is not 127.0.0.1), and another origin of the same site.
      const crossSite = await attackerSite('127.0.0.2', pages);
      const sameSite = await attackerSite('127.0.0.1', pages);
      sites.push(crossSite, sameSite);
      checker.foreignOrigin(crossSite.origin);
      checker.foreignOrigin(sameSite.origin);

      const page = await checker.visitor();
      const posts = recordPosts(page.context());
      await open(page, `${base}/admin/sign-in`);
      await checker.page(page, 'victim-sign-in');
      await page.getByLabel('Email address').fill(researcher.email);
      await page.getByLabel('Password').fill(researcher.password);
      await press(page, 'Sign in');
      expectPath(page, '/admin', 'the victim is signed in');
      await checker.page(page, 'victim-surveys');

      const before = { survey: surveyRow(SLUG), pulse: surveyRow('staff-pulse'), audit: fw.cli('audit', '--survey', SLUG) };
      // A form from another origin is refused with 403. Across sites, Chromium does not send
      // the researcher's session cookie (SameSite=Lax) with a POST at all, so the admin pages
      // may instead ask the (anonymous) sender to sign in: refused either way.
      const FORBIDDEN = 'refused with 403';
      const NO_SESSION = 'refused with 403, or sent to sign in';
      const attacks = [
        [crossSite, '/start', 'cross-site', FORBIDDEN],
        [crossSite, '/start-no-referrer', 'cross-site', FORBIDDEN],
        [crossSite, '/sign-in', 'cross-site', FORBIDDEN],
        [sameSite, '/start', 'same-site', FORBIDDEN],
        [sameSite, '/close', 'same-site', FORBIDDEN],
        [sameSite, '/share', 'same-site', FORBIDDEN],
        [crossSite, '/close', 'cross-site', NO_SESSION],
        [crossSite, '/close-no-referrer', 'cross-site', NO_SESSION],
        [crossSite, '/share', 'cross-site', NO_SESSION],
      ];
      for (const [site, path, fetchSite, expected] of attacks) {
        const where = `${site.origin}${path}`;
        const target = pages[path].action;
        const answered = page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST');
        // The page posts its form as soon as it is parsed.
        await page.goto(`${site.origin}${path}`, { waitUntil: 'commit' }).catch((error) => {
          // The form's own navigation may overtake this one: that is the attack working.
          if (!/interrupted by another navigation|ERR_ABORTED/.test(error.message)) throw error;
        });
        const response = await answered;
        await page.waitForURL((url) => url.href.startsWith(`${base}/`));
        await page.waitForLoadState('load');
        const post = await posts.at(-1);
        assert.equal(post?.url, target, `${where}: the form posted to fieldwork`);
        const headers = post.headers;
        const status = response.status();
        const location = response.headers().location ?? '';
        t.diagnostic(
          `${where} -> POST ${new URL(target).pathname} (Origin ${headers.origin}, Sec-Fetch-Site ${headers['sec-fetch-site']}, ` +
            `${headers.cookie ? 'cookies sent' : 'no cookies'}): ${status}${location ? ` to ${location}` : ''}`,
        );
        assert.equal(headers['sec-fetch-site'], fetchSite, `${where}: Chromium says where the form came from`);
        if (expected === FORBIDDEN || status !== 303) {
          assert.equal(status, 403, `${where}: a form from another origin must be ${expected}, not answered ${status}`);
          await checker.page(page, `refused-${path.slice(1)}-${fetchSite}`);
          assert.match(await heading(page), /could not be sent/i, `${where}: the page says it was refused`);
        } else {
          assert.equal(new URL(location, base).pathname, '/admin/sign-in', `${where}: must be ${expected}, not sent to ${location}`);
          await checker.page(page, `refused-${path.slice(1)}-${fetchSite}`);
        }
      }

      // Nothing changed: not the status, sharing, responses, or who is signed in.
      const after = { survey: surveyRow(SLUG), pulse: surveyRow('staff-pulse'), audit: fw.cli('audit', '--survey', SLUG) };
      assert.deepEqual(after.survey, before.survey, 'the survey is as it was');
      assert.deepEqual(after.pulse, before.pulse, 'no response was started');
      assert.equal(after.audit, before.audit, 'nothing was recorded in the audit log');
      await open(page, `${base}/admin/surveys/${SLUG}/sharing`);
      await checker.page(page, 'sharing-after-attacks');
      assert.ok(!(await mainText(page)).includes(colleague.email), 'the attacker did not share the survey');
      assert.match(await page.locator('body').innerText(), new RegExp(`Signed in as ${researcher.email.replace('.', '\\.')}`), 'still the victim, not the attacker');
    }));
});
