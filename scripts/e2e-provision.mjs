// Provisions what the VS Code end-to-end tests need on a fresh Debian machine: chromium, ripgrep, libkrb5-dev
// (code-server's kerberos module builds from source) and code-server 4.100.3 under .cache/code-server.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = () => spawnSync('which', ['apt-get']).status === 0;
const onPath = (cmd) => spawnSync('which', [cmd]).status === 0;

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs the Debian packages that are missing; throws with what to install when it cannot. */
export function ensureDebianPackages(log = console.error) {
  const missing = [];
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!onPath('rg')) missing.push('ripgrep');
  if (!dpkgInstalled('libkrb5-dev') && !existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  if (!missing.length) return;
  if (!isRoot || !hasApt()) {
    throw new Error(
      `The VS Code end-to-end tests need ${missing.join(', ')}. Install them with ` +
        `\`sudo apt-get install -y ${missing.join(' ')}\` and run again.`,
    );
  }
  log(`[e2e] installing ${missing.join(', ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

export function codeServerBin(root) {
  return join(root, '.cache', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Installs code-server into `<root>/.cache/code-server` unless it is there; returns the entry script to run with node. */
export function ensureCodeServer(root, log = console.error) {
  const entry = codeServerBin(root);
  // The marker is written after a complete install, so an interrupted one is redone.
  const marker = join(root, '.cache', 'code-server', `installed-${CODE_SERVER_VERSION}`);
  if (existsSync(entry) && existsSync(marker)) return entry;
  log(`[e2e] installing code-server@${CODE_SERVER_VERSION} into .cache/code-server (about 3 minutes)…`);
  // @vscode/ripgrep would download rg from GitHub, which these machines cannot reach: seed its cache with Debian's rg.
  const tmp = mkdtempSync(join(tmpdir(), 'dvs-cs-install-'));
  const rgDir = join(tmp, 'rg');
  mkdirSync(join(tmp, RIPGREP_CACHE), { recursive: true });
  mkdirSync(rgDir, { recursive: true });
  const rg = spawnSync('which', ['rg'], { encoding: 'utf8' }).stdout.trim();
  copyFileSync(rg, join(rgDir, 'rg'));
  execFileSync('tar', ['czf', join(tmp, RIPGREP_CACHE, RIPGREP_ARCHIVE), '-C', rgDir, 'rg']);
  mkdirSync(join(root, '.cache', 'code-server'), { recursive: true });
  const env = { ...process.env, TMPDIR: tmp, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' };
  const r = spawnSync(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', join(root, '.cache', 'code-server'), `code-server@${CODE_SERVER_VERSION}`, '--foreground-scripts'],
    { stdio: ['ignore', 'inherit', 'inherit'], env },
  );
  rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0 || !existsSync(entry)) {
    throw new Error(
      `Installing code-server@${CODE_SERVER_VERSION} failed (npm exit ${r.status}). It needs Node headers ` +
        '(/usr/include/node), a C++ toolchain (build-essential), libkrb5-dev and ripgrep; install those and run again.',
    );
  }
  execFileSync('touch', [marker]);
  return entry;
}
