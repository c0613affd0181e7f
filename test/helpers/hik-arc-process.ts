// `hik-arc run` as a real child process for tests: its JSON log lines parsed as they come, its
// stderr kept, and a cleanup that kills it if the test did not stop it (and fails the test when
// it logged a fatal error).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeTempJson } from './temp-files.js';

export interface ServiceProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly logs: Array<Record<string, unknown>>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `hik-arc run` with `config`; pushes its cleanup onto `cleanups`. */
export function startHikArcProcess(config: Record<string, unknown>, cleanups: Array<() => Promise<void>>): ServiceProcess {
  const child = spawn(process.execPath, ['bin/hik-arc.js', 'run', '--config', writeTempJson(config)], { stdio: 'pipe' });
  let text = '';
  const logs: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (stderr.includes('"level":"fatal"')) throw new Error(stderr);
  });
  return { child, logs, stdout: () => text, stderr: () => stderr, exited };
}
