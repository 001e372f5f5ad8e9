// The checks themselves: on a page known to be broken they find what is wrong, with and without
// JavaScript, so a green run means the pages passed rather than that nothing was checked.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Checker, launch } from './lib/browser.js';
import { open } from './lib/govuk.js';

const BROKEN = `<!DOCTYPE html><html><head><title>Broken</title></head><body>
<main><h1>Broken</h1><img src="/x.png"><input type="text">
<div style="width: 500px">Five hundred pixels wide</div></main></body></html>`;
const FINE = `<!DOCTYPE html><html lang="en"><head><title>Fine</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Fine</h1><p>Nothing wrong here.</p></main></body></html>`;

describe('the checks', () => {
  let server, base, browser;

  before(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(req.url === '/fine' ? FINE : BROKEN);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  for (const javaScript of [true, false]) {
    test(`find axe violations and sideways scrolling ${javaScript ? 'with' : 'without'} JavaScript`, async (t) => {
      const checker = new Checker(t, { browser, prefix: 'selftest-', quiet: true });
      const failure = await checker
        .run(async () => {
          const page = await checker.visitor({ javaScript });
          await open(page, `${base}/broken`);
          await checker.page(page, `broken-${javaScript ? 'js' : 'nojs'}`);
        })
        .then(() => null, (error) => error);
      assert.ok(failure, 'the broken page fails its checks');
      for (const finding of ['html-has-lang', 'image-alt', 'label', 'scrolls sideways at 320 px']) {
        assert.ok(failure.message.includes(finding), `finds ${finding} in:\n${failure.message}`);
      }
    });
  }

  test('pass a page with nothing wrong, and notice a page left unchecked', async (t) => {
    await new Checker(t, { browser, prefix: 'selftest-' }).run(async (checker) => {
      const page = await checker.visitor({ javaScript: false });
      await open(page, `${base}/fine`);
      await checker.page(page, 'fine');
    });
    const checker = new Checker(t, { browser, prefix: 'selftest-' });
    const failure = await checker
      .run(async () => {
        const page = await checker.visitor();
        await open(page, `${base}/fine`);
      })
      .then(() => null, (error) => error);
    assert.match(failure?.message ?? '', /visited but not checked/);
  });
});
