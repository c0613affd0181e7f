// Runs a hik-arc command in-process with captured output, for command tests that need no process.

import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli.js';
import type { CliIo } from '../../src/commands/command.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as one JSON value per line. */
  readonly lines: unknown[];
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function runCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await runCli(argv, { stdout, stderr, env });
  stdout.end();
  stderr.end();
  const text = out();
  const lines: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') && !line.startsWith('[')) continue;
    try {
      lines.push(JSON.parse(line) as unknown);
    } catch {
      // a pretty-printed block (check-config --print) is not line JSON
    }
  }
  return { code, stdout: text, stderr: err(), lines };
}

/** I/O for a command that runs while the test watches its output (a receiver, the demo holding). */
export interface Captured {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
  lines(): Array<Record<string, unknown>>;
}

export function capture(signal?: AbortSignal): Captured {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return {
    io: { stdout: out, stderr: err, env: { HIK_ARC_LOG_LEVEL: 'silent' }, ...(signal === undefined ? {} : { signal }) },
    stdout: () => stdout,
    stderr: () => stderr,
    lines: () =>
      stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
