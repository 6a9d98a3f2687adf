// What the Playwright UI test looks for in the sample project, and the files it adds to its copy before opening it.

/** Added to the workspace copy: a model whose ref() names no model, so the server reports DV101 on it. */
export const UI_FIXTURES: Record<string, string> = {
  'models/e2e/e2e_unknown_ref.sql': "-- Written by the UI test: ref() names a model that does not exist.\nselect * from {{ ref('no_such_model') }}\n",
};

export const UI_PROBLEM = { path: 'models/e2e/e2e_unknown_ref.sql', text: 'no_such_model' };

/** In a stage's derived column, after `marker`, typing `type` and asking for completion offers the raw column, shown
 *  with its type and the raw table it comes from (`detail`). */
export const UI_COMPLETION = { path: 'models/stg/stg_users.sql', marker: "USER_ID: '", type: 'ema', expect: 'email', detail: 'raw.users' };

/** The model whose compiled SQL the preview step opens, and text the SQL must contain. */
export const UI_PREVIEW = { path: 'models/dds/hub_users.sql', expect: 'stg_users' };

/** A model the vault diagram must draw as a node. */
export const UI_DIAGRAM = { expect: 'hub_users' };

/** Run Loads on all models: the fixture model fails (its ref names no model), a vault model loads rows (not one fed by
 *  stg_users, which the completion step left with an unsaved typo). */
export const UI_LOADS = { failing: 'e2e_unknown_ref', loaded: 'hub_products' };

/** Show Dashboard after a load: every chart of the sample's Superset export drawn, and a mart model the charts name. */
export const UI_DASHBOARD = { charts: 10, model: 'mart_returns' };
