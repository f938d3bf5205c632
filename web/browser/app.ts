// Starts the real application for the browser tests, the way e2e/src/lib.rs does for the
// Rust tests: fresh, migrated databases under a unique prefix, its own Redis namespace,
// and the local host (`target/release/spin-host`, built by `make build`) on a free port.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVICES = ['users', 'inventory', 'orders'] as const;
const PG = { host: '127.0.0.1', port: '5432', user: 'postgres' };

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningApp {
  baseUrl: string;
  stop: () => Promise<void>;
}

function binary(name: string): string {
  const path = join(repoRoot, 'target', 'release', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make build\` first`);
  return path;
}

async function dropDatabases(prefix: string) {
  for (const service of SERVICES) {
    await run('psql', [
      '-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', 'postgres', '-q',
      '-c', `DROP DATABASE IF EXISTS "${prefix}${service}" WITH (FORCE)`,
    ]).catch((error: unknown) => console.error(`dropping ${prefix}${service}:`, error));
  }
}

function waitForServing(host: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!host.stdout) throw new Error('the host has no stdout');
    const lines = createInterface({ input: host.stdout });
    const timer = setTimeout(() => reject(new Error('the host did not start within 120 s')), 120_000);
    lines.on('line', (line) => {
      const match = /^Serving (http:\/\/\S+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      } else if (process.env.BROWSER_TEST_LOGS) {
        console.log(line);
      }
    });
    host.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited (${String(code)}) before serving`));
    });
  });
}

export async function startApp(): Promise<RunningApp> {
  const spinHost = binary('spin-host');
  const prefix = `b${randomBytes(6).toString('hex')}_`;
  await run(binary('migrate'), ['--prefix', prefix], { cwd: repoRoot });

  const variables = [
    `redis_namespace=${prefix}`,
    ...SERVICES.map(
      (service) =>
        `${service}_db_url=postgres://${PG.user}@${PG.host}:${PG.port}/${prefix}${service}?sslmode=disable`,
    ),
  ];
  const host = spawn(
    spinHost,
    [
      'up', '-f', 'spin.toml', '--listen', '127.0.0.1:0',
      '--runtime-config-file', 'runtime-config.toml',
      ...variables.flatMap((variable) => ['--variable', variable]),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', process.env.BROWSER_TEST_LOGS ? 'inherit' : 'ignore'] },
  );

  const stop = async () => {
    if (host.exitCode === null) {
      const exited = new Promise((resolve) => host.once('exit', resolve));
      host.kill('SIGTERM');
      await exited;
    }
    await dropDatabases(prefix);
  };

  try {
    return { baseUrl: await waitForServing(host), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
