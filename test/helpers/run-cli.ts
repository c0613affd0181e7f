// Runs a hik-arc command in-process with captured output, for command tests that need no process.

import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli.js';

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
