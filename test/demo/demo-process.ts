// Runs a demo program as the container would (`node demo/<file>.ts`, config from env) and reads
// its JSON log lines, so tests wait for what it says ("listening", "registered") instead of sleeping.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** One pino log line. */
export type LogLine = Record<string, unknown> & { msg?: string };

/** A running demo program. */
export interface DemoProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  /** Resolves with the first log line whose msg is `msg` (past or future); rejects if the process exits first. */
  waitFor(msg: string, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

const ROOT = path.join(import.meta.dirname, '..', '..');

/** Starts `demo/<file>` under this Node with `env` added to a minimal environment. */
export function startDemo(file: string, env: Record<string, string>): DemoProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'demo', file)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      lines.push({ msg: text });
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (msg: string, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const line = lines.find((l) => l.msg === msg);
        if (!line) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`demo/${file} did not log "${msg}" within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      void exited.then((code) => {
        if (!waiters.has(check)) return;
        done();
        reject(new Error(`demo/${file} exited (${code}) before logging "${msg}"; stderr: ${stderr}`));
      });
      check();
    });
  return { child, lines, waitFor, exited };
}
