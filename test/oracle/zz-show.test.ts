import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CORPUS } from '/work/wt/jinja/test/oracle/templating-corpus.js';
it('show', () => { const e = JSON.parse(readFileSync('/tmp/oracle/expected.json','utf8')); const want = (process.env.PICK ?? '').split('|');
  CORPUS.forEach((t, i) => { if (want.some((w) => t.includes(w))) console.log(JSON.stringify(t), '=>', JSON.stringify(e[i].value), '|', e[i].text.slice(0, 150)); }); });
