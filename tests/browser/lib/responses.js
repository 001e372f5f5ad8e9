// Seeded synthetic responses to a survey definition, as a wide CSV for
// `fieldwork responses import` (docs/exports.md), so the researcher's pages and the report
// have figures to show without driving hundreds of respondents through the browser.

/** A small seeded generator (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLEDGES = [
  'Sit with a delivery team once a month.',
  'Hire a head of user research.',
  'Publish our service standards, and meet them.',
  'Stop buying big contracts for small problems.',
];

function shown(question, answers) {
  const condition = question.show_if;
  if (!condition) return true;
  const answer = answers[condition.question];
  if (condition.one_of) return condition.one_of.includes(answer);
  if ('equals' in condition) return answer === condition.equals;
  throw new Error(`a show_if this generator does not know: ${JSON.stringify(condition)}`);
}

/** `perStratum` complete responses for each stratum, as CSV text. */
export function wideCsv(definition, { perStratum = 30, seed = 7 } = {}) {
  const rand = random(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const questions = definition.pages.flatMap((p) => p.questions);
  const stratum = definition.stratification.question;
  const strata = questions.find((q) => q.id === stratum).options.map((o) => o.code);

  const columns = [];
  for (const q of questions) {
    if (q.type === 'multi_choice') columns.push(...q.options.map((o) => `${q.id}__${o.code}`));
    else if (q.type === 'likert_grid') columns.push(...q.items.map((i) => `${q.id}__${i.id}`));
    else columns.push(q.id);
  }

  const rows = [];
  for (const code of strata) {
    for (let n = 0; n < perStratum; n++) {
      const answers = {};
      const cells = {};
      for (const q of questions) {
        const optional = q.required === false;
        if (!shown(q, answers)) {
          const names = q.type === 'multi_choice' ? q.options.map((o) => `${q.id}__${o.code}`) : [q.id];
          for (const name of names) cells[name] = '.n';
          continue;
        }
        if (q.id === stratum) {
          answers[q.id] = code;
          cells[q.id] = code;
          continue;
        }
        switch (q.type) {
          case 'single_choice':
          case 'likert': {
            const choices = [...(q.options ?? q.scale), ...(rand() < 0.1 ? q.non_substantive ?? [] : [])];
            answers[q.id] = pick(choices).code;
            cells[q.id] = answers[q.id];
            break;
          }
          case 'multi_choice': {
            const exclusive = q.options.find((o) => o.exclusive);
            const others = q.options.filter((o) => !o.exclusive);
            let chosen;
            if (exclusive && rand() < 0.1) chosen = [exclusive.code];
            else {
              const most = Math.min(3, q.max_selections ?? 3, others.length);
              const count = Math.max(q.min_selections ?? 1, 1 + Math.floor(rand() * most));
              chosen = [...others].sort(() => rand() - 0.5).slice(0, count).map((o) => o.code);
            }
            answers[q.id] = chosen;
            for (const o of q.options) cells[`${q.id}__${o.code}`] = chosen.includes(o.code) ? '1' : '0';
            break;
          }
          case 'likert_grid': {
            const choices = [...q.scale, ...(q.non_substantive ?? [])];
            for (const item of q.items) cells[`${q.id}__${item.id}`] = pick(choices).code;
            break;
          }
          case 'number': {
            if (optional && rand() < 0.15) cells[q.id] = '';
            else {
              const lo = q.min ?? 0;
              const hi = Math.min(q.max ?? lo + 30, lo + 30);
              cells[q.id] = String(lo + Math.floor(rand() * (hi - lo + 1)));
            }
            break;
          }
          case 'text': {
            // Sensitive free text is never needed here; other text now and then.
            cells[q.id] = !q.sensitive && (!optional || rand() < 0.3) ? pick(PLEDGES) : '';
            break;
          }
          default:
            throw new Error(`a question type this generator does not know: ${q.type}`);
        }
      }
      rows.push(columns.map((c) => cells[c] ?? ''));
    }
  }
  const quote = (cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  return [columns, ...rows].map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n';
}
