// A real fieldwork server for one test file: a new temporary directory and SQLite database,
// set up through the real CLI, then `fieldwork serve` on a free loopback port.

import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(REPO, 'tests', 'browser', 'fixtures');

/** The CLI binary: $FIELDWORK_BIN, else $CARGO_TARGET_DIR/debug/fieldwork, else target/debug/fieldwork. */
export function binary() {
  if (process.env.FIELDWORK_BIN) return resolve(process.env.FIELDWORK_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? resolve(REPO, process.env.CARGO_TARGET_DIR)
    : join(REPO, 'target');
  return join(targetDir, 'debug', 'fieldwork');
}

export class Fieldwork {
  constructor() {
    this.bin = binary();
    if (!existsSync(this.bin)) {
      throw new Error(
        `no fieldwork binary at ${this.bin}: build it with \`cargo build -p fieldwork\` ` +
          '(or set FIELDWORK_BIN / CARGO_TARGET_DIR)',
      );
    }
    this.dir = mkdtempSync(join(tmpdir(), 'fieldwork-browser-'));
    this.database = `sqlite://${join(this.dir, 'fw.db')}`;
    this.logPath = join(this.dir, 'server.log');
    this.server = null;
    this.base = null;
  }

  /** Run the CLI against this database; its standard output, or an error with its standard error. */
  cli(...args) {
    try {
      return execFileSync(this.bin, ['--database', this.database, ...args], {
        cwd: REPO,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FIELDWORK_LOG: 'warn' },
      });
    } catch (error) {
      throw new Error(`fieldwork ${args.join(' ')} failed (${error.status}):\n${error.stderr}${error.stdout}`);
    }
  }

  /** `user add EMAIL --generate-password`; the password it printed. */
  addUser(email) {
    const out = this.cli('user', 'add', email, '--generate-password');
    const match = /password \(shown once\): (\S+)/.exec(out);
    if (!match) throw new Error(`no password in the output of user add:\n${out}`);
    return match[1];
  }

  /** `invite ... --out FILE.csv` (with `--language` when given); the invitation tokens in the file. */
  invite(slug, stratum, count, language) {
    const out = join(this.dir, `invites-${slug}-${stratum}-${Date.now()}.csv`);
    const languageArgs = language ? ['--language', language] : [];
    this.cli('invite', '--survey', slug, '--stratum', stratum, '--count', String(count), '--out', out, ...languageArgs);
    const links = [...readFileSync(out, 'utf8').matchAll(/https?:\/\/[^\s,"]+\?invite=([\w-]+)/g)];
    if (links.length !== count) throw new Error(`expected ${count} invitation links in ${out}`);
    return links.map((match) => match[1]);
  }

  /** A file in this server's directory. */
  write(name, text) {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** `fieldwork serve` on a port the kernel picks; resolves once /healthz answers. */
  async start() {
    const log = openSync(this.logPath, 'a');
    this.server = spawn(
      this.bin,
      ['--database', this.database, 'serve', '--bind', '127.0.0.1:0', '--workers', '2'],
      { cwd: REPO, stdio: ['ignore', 'pipe', log], env: { ...process.env, FIELDWORK_LOG: 'info' } },
    );
    closeSync(log); // the server has its own copy
    // However this process ends, the server goes with it.
    const server = this.server;
    process.once('exit', () => server.kill('SIGKILL'));
    const exited = new Promise((_, reject) =>
      this.server.once('exit', (code, signal) =>
        reject(new Error(`fieldwork serve exited (${code ?? signal}); log:\n${this.log()}`)),
      ),
    );
    exited.catch(() => {});
    const listening = new Promise((resolveAddress, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`fieldwork serve printed no address in 20 s; log:\n${this.log()}`)), 20_000);
      this.server.stdout.on('data', (chunk) => {
        seen += chunk;
        const match = /serving .* on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolveAddress(match[1]);
        }
      });
    });
    this.base = await Promise.race([listening, exited]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const response = await fetch(`${this.base}/healthz`);
        if (response.ok) break;
      } catch {
        // not yet
      }
      if (Date.now() > deadline) throw new Error(`/healthz did not answer in 20 s; log:\n${this.log()}`);
      await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
    }
    return this.base;
  }

  log() {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Stop the server (SIGTERM, then SIGKILL after 10 s) and remove the directory. */
  async stop({ keep = false } = {}) {
    const server = this.server;
    if (server && server.exitCode === null && server.signalCode === null) {
      const gone = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    if (!keep && !process.env.KEEP_FIELDWORK_DIR) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The study most tests need: the digital-leadership survey imported and open, a researcher
 * who owns it, an open-link survey, a closed survey and a draft.
 */
export function setUpStudy(fw) {
  fw.cli('survey', 'import', 'fixtures/surveys/digital-leadership.json');
  fw.cli('survey', 'open', 'digital-leadership');
  for (const file of ['staff-pulse.json', 'library-consultation.json', 'travel-diary.json']) {
    fw.cli('survey', 'import', join(FIXTURES, file));
  }
  fw.cli('survey', 'open', 'staff-pulse');
  fw.cli('survey', 'open', 'library-consultation');
  fw.cli('survey', 'close', 'library-consultation');
  // travel-diary stays a draft.
  const researcher = { email: 'ana@example.org' };
  researcher.password = fw.addUser(researcher.email);
  for (const slug of ['digital-leadership', 'staff-pulse', 'library-consultation']) {
    fw.cli('survey', 'share', slug, '--email', researcher.email, '--role', 'owner');
  }
  return { researcher };
}

/**
 * A survey definition of fixtures/surveys as a respondent reading `language` sees it: every
 * string given by language (`{"en": ..., "cy": ...}`) replaced by its words in `language`
 * (default: the survey's first language).
 */
export function definitionIn(slug, language) {
  const definition = JSON.parse(readFileSync(join(REPO, 'fixtures', 'surveys', `${slug}.json`), 'utf8'));
  const languages = definition.languages ?? [];
  const chosen = language ?? languages[0];
  const localise = (value) => {
    if (Array.isArray(value)) return value.map(localise);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (languages.length && keys.length && keys.every((k) => languages.includes(k) && typeof value[k] === 'string')) {
      return value[chosen];
    }
    return Object.fromEntries(keys.map((k) => [k, localise(value[k])]));
  };
  return localise(definition);
}

/** fieldwork's own words in `language`, from its message catalogue (simple messages only). */
export function catalogue(language) {
  const path = join(REPO, 'crates', 'fieldwork-survey', 'locales', language, 'fieldwork.ftl');
  const messages = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([a-z][a-z0-9-]*) = (.+)$/.exec(line);
    if (match) messages[match[1]] = match[2];
  }
  return messages;
}
