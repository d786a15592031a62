import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderString } from '/work/wt/jinja/src/playbook/template.js';
import { pyStr } from '/work/wt/jinja/src/playbook/expr-eval.js';
import { CORPUS, CORPUS_VARS } from '/work/wt/jinja/test/oracle/templating-corpus.js';
import { oracleMagicVars } from '/work/wt/jinja/test/oracle/ansible-templating-vars.js';
it('cmp', async () => {
  const exp = JSON.parse(readFileSync('/tmp/oracle/expected.json', 'utf8'));
  const engine = process.env.ENGINE ?? 'remedy';
  let hf: any; if (engine === 'hf') hf = await import('/tmp/jinja-eval/node_modules/@huggingface/jinja/dist/index.js');
  const vars = { ...CORPUS_VARS, ...oracleMagicVars(CORPUS_VARS) };
  let ok = 0; const bad: string[] = [];
  CORPUS.forEach((t, i) => {
    const a = exp[i];
    let r: any;
    try {
      if (hf) { const s = new hf.Template(t).render(vars); r = { failed: false, value: s, text: s }; }
      else { const v = renderString(t, vars); r = { failed: false, value: JSON.parse(JSON.stringify(v ?? null)), text: pyStr(v) }; }
    } catch (e: any) { r = { failed: true, error: String(e.message).slice(0, 100) }; }
    const good = a.failed || r.failed ? a.failed === r.failed : hf ? a.text === r.text : JSON.stringify(a.value) === JSON.stringify(r.value) && a.text === r.text;
    if (good) ok++; else bad.push(`${t}\n   A: ${a.failed ? 'ERR ' + a.text.slice(0, 80) : JSON.stringify(a.value) + ' / ' + a.text}\n   R: ${r.failed ? 'ERR ' + r.error : JSON.stringify(r.value) + ' / ' + r.text}`);
  });
  console.log(bad.join('\n'));
  console.log(`${engine}: ${ok}/${CORPUS.length}`);
});
