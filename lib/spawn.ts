/**
 * Child processes: the one module that starts any (buildx, docker). `capture()` asks a short
 * question and collects the answer (`buildx version`, `buildx inspect`, `bake --print`); `launch()`
 * starts a build that streams. Plain node:child_process, no shell: on the path of every build,
 * where loading zx would cost more (25-40 ms on Node, 30-60 ms on Deno) than buildx-kit's whole
 * budget (BENCHMARKS.md).
 */
import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import process from "node:process";

/** How a process ended and what it printed. */
export interface Captured {
  /** The exit code; null when it was killed or could not start. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** What it printed on stderr; for a process that could not start, why. */
  readonly stderr: string;
}

/** Where and how a process runs. */
export interface SpawnOptions {
  readonly cwd?: string;
  /** Its environment (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs `argv` to its end, collecting stdout and stderr; SIGTERM after `timeoutMs`. Never rejects. */
export function capture(argv: readonly string[], options: SpawnOptions & { readonly timeoutMs?: number } = {}): Promise<Captured> {
  return new Promise((resolve) => {
    const child = launch(argv, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.process.stdout!.on("data", (c: Uint8Array) => (stdout += c.toString()));
    child.process.stderr!.on("data", (c: Uint8Array) => (stderr += c.toString()));
    const timer = options.timeoutMs ? setTimeout(() => child.process.kill("SIGTERM"), options.timeoutMs) : undefined;
    void child.exited.then((end) => {
      clearTimeout(timer);
      resolve({ ...end, stdout, stderr: end.startError ?? stderr });
    });
  });
}

/** A started process and its end. */
export interface Launched {
  readonly process: ChildProcess;
  /** Settles once it has exited and its output is read; `startError` says why it never ran. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; startError?: string }>;
}

/**
 * Starts `argv` (no shell). `detached` puts it in a process group of its own, so a signal can
 * reach everything it runs in turn.
 */
export function launch(argv: readonly string[], options: SpawnOptions & { readonly stdio: StdioOptions; readonly detached?: boolean }): Launched {
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env) } as NodeJS.ProcessEnv,
    stdio: options.stdio,
    detached: options.detached ?? false,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; startError?: string }>((resolve) => {
    // "close", not "exit": by then every pipe has been read to its end.
    child.on("close", (code, signal) => resolve({ code, signal }));
    child.on("error", (e) => resolve({ code: null, signal: null, startError: `cannot run ${argv[0]}: ${e.message}` }));
  });
  return { process: child, exited };
}

/** Characters no POSIX shell treats specially anywhere in a word. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One argument quoted for a POSIX shell, ready to paste: as is when nothing in it is special,
 * else in single quotes (a quote inside as `'\''`). Pastes into sh, bash, zsh and fish alike.
 */
export function quoteArg(arg: string): string {
  if (PLAIN.test(arg) && !arg.startsWith("=")) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command shell-quoted, ready to paste. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(" ");
}
