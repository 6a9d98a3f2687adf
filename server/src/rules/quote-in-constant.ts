// DV502: AutomateDV copies a `!constant` into SQL between single quotes without escaping, so a quote inside it
// breaks the generated SQL under dbt (dvs doubles the quote, which dbt does not).
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { stageOf } from './context';
import type { VaultRule } from './rule';
import { isConstantName, type Named } from './vault-facts';

export const quoteInConstant: VaultRule = {
  id: 'DV502',
  title: CODES.DV502.title,
  check(ctx) {
    const stage = stageOf(ctx.parsed);
    if (!stage) return [];
    const constants: Named[] = [];
    for (const d of stage.derived) for (const i of d.items) constants.push(i);
    for (const h of stage.hashed) for (const c of h.components) constants.push(c);
    const out: Diagnostic[] = [];
    for (const c of constants) {
      if (!isConstantName(c.value) || !c.value.includes("'")) continue;
      const fixed = c.value.replace(/'/g, '');
      out.push(
        diagnostic(
          'DV502',
          'warning',
          `The constant ${c.value} contains a quote; AutomateDV writes it unescaped ('${c.value.slice(1)}') and dbt's SQL fails. Remove the quote.`,
          c.span,
          [{ title: `Remove the quote: ${fixed}`, span: c.span, newText: fixed }],
        ),
      );
    }
    return out;
  },
};
