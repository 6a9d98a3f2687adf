// Loads the SQL templates in templates/automate-dv/ (one per macro) and renders them with our Jinja engine. The
// folder is found upward from this module, so it works from the sources (tsx) and from the bundle in dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderTemplate } from '../../jinja';

const TEMPLATE_FOLDER = join('templates', 'automate-dv');
const cache = new Map<string, string>();
let folder: string | undefined;

function templateFolder(): string {
  if (folder) return folder;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, TEMPLATE_FOLDER);
    if (existsSync(candidate)) return (folder = candidate);
    if (dirname(dir) === dir) break;
  }
  throw new Error(`The AutomateDV templates folder (${TEMPLATE_FOLDER}) was not found above ${__dirname}; ship templates/ with the build.`);
}

/** The text of templates/automate-dv/<name>.sql. */
export function macroTemplate(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(templateFolder(), `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Renders a macro's template; the result is trimmed of surrounding blank lines and ends without a newline. */
export function renderMacroTemplate(name: string, variables: Record<string, unknown>): string {
  // trimEnd strips exactly what /\s+$/ matches; the regex tried a match at every whitespace run of the SQL.
  return renderTemplate(macroTemplate(name), variables).replace(/^\s*\n/, '').trimEnd();
}
