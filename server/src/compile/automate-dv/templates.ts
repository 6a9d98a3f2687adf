// Renders the SQL templates of templates/automate-dv/ (one per macro) with our Jinja engine. The compiler touches no
// files: the texts come compiled in from template-texts.ts, which scripts/template-texts.mjs generates from that folder,
// so the sources under tsx and the bundles in dist/ render the same templates.
import { renderTemplate } from '../../jinja';
import { TEMPLATE_TEXTS } from './template-texts';

/** The text of templates/automate-dv/<name>.sql. */
export function macroTemplate(name: string): string {
  const text = Object.prototype.hasOwnProperty.call(TEMPLATE_TEXTS, name) ? TEMPLATE_TEXTS[name] : undefined;
  if (text === undefined) {
    throw new Error(`There is no AutomateDV template templates/automate-dv/${name}.sql; add it and run node scripts/template-texts.mjs.`);
  }
  return text;
}

/** Renders a macro's template; the result is trimmed of surrounding blank lines and ends without a newline. */
export function renderMacroTemplate(name: string, variables: Record<string, unknown>): string {
  // trimEnd strips exactly what /\s+$/ matches; the regex tried a match at every whitespace run of the SQL.
  return renderTemplate(macroTemplate(name), variables).replace(/^\s*\n/, '').trimEnd();
}
