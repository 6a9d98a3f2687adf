// Starts and stops one code-server instance with its own user-data and extensions folders, and launches Debian's
// chromium through playwright-core, as shared/notes/e2e.md describes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  // Only the language server's completions, so a test cannot pass on words copied from the open file.
  'editor.wordBasedSuggestions': 'off',
  'window.restoreWindows': 'none',
};

/** The environment of a code-server process: its XDG folders inside `dir`, never the user's home. */
function isolatedEnv(dir, extra) {
  const env = { ...process.env, ...extra };
  for (const [name, sub] of [['XDG_CONFIG_HOME', 'config'], ['XDG_DATA_HOME', 'data'], ['XDG_CACHE_HOME', 'cache']]) {
    env[name] = join(dir, sub);
    mkdirSync(env[name], { recursive: true });
  }
  // code-server's own password/auth and any parent VS Code session must not leak in.
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  delete env.VSCODE_IPC_HOOK_CLI;
  return env;
}

export function prepareInstanceDirs(dir, settings = {}) {
  const user = join(dir, 'user');
  const ext = join(dir, 'extensions');
  mkdirSync(join(user, 'User'), { recursive: true });
  mkdirSync(ext, { recursive: true });
  writeFileSync(join(user, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  return { user, ext };
}

export function installVsix(entry, dir, vsix) {
  const { user, ext } = prepareInstanceDirs(dir);
  const r = spawnSync(process.execPath, [entry, '--install-extension', vsix, '--user-data-dir', user, '--extensions-dir', ext], {
    env: isolatedEnv(dir),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

async function waitHealthy(url, child, log, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before it was ready:\n${log()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s:\n${log()}`);
}

/**
 * Starts code-server on a free loopback port. `settings` go into its user settings; `env` into its process (and
 * so into the extension host and the language server). Returns { url, port, stop, log }.
 */
export async function startCodeServer({ entry, dir, workspace, settings = {}, env = {} }) {
  const { user, ext } = prepareInstanceDirs(dir, settings);
  const port = await freePort();
  const args = [
    entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', user,
    '--extensions-dir', ext,
    workspace,
  ];
  // Its own process group, so stop() ends the extension host and language server it started, and nothing else.
  const child = spawn(process.execPath, args, { env: isolatedEnv(dir, env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitHealthy(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop, log: () => output };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchChromium(playwright, userDataDir) {
  mkdirSync(userDataDir, { recursive: true });
  return playwright.chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
}
