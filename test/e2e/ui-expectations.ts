// What the Playwright UI test looks for in the sample project, and the files it adds to its copy before opening it.

/** Added to the workspace copy: a model whose ref() names no model, so the server reports DV101 on it. */
export const UI_FIXTURES: Record<string, string> = {
  'models/e2e/e2e_unknown_ref.sql': "-- Written by the UI test: ref() names a model that does not exist.\nselect * from {{ ref('no_such_model') }}\n",
};

export const UI_PROBLEM_TEXT = { file: 'e2e_unknown_ref.sql', text: 'no_such_model' };

/** A position (1-based, as Ctrl+G takes it) in a sample model where completion offers a raw column. */
export const UI_COMPLETION = { file: 'stg_users.sql', line: 1, column: 1, expect: 'email' };
