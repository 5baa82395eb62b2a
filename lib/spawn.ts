/**
 * Child processes: the one module that starts any (buildx, docker). `capture()` asks a short
 * question and collects the answer (`buildx version`, `buildx inspect`, `bake --print`); `launch()`
 * starts a build that streams. No shell; Deno.Command on Deno and node:child_process elsewhere
 * (lib/host.ts says why). Not zx: on the path of every build, loading it would cost more (25-40 ms
 * on Node, 30-60 ms on Deno) than buildx-kit's whole budget (BENCHMARKS.md).
 */
import { deno, env as hostEnv, type Signal } from "./host.ts";

/** How a process ended and what it printed. */
export interface Captured {
  /** The exit code; null when it was killed or could not start. */
  readonly code: number | null;
  readonly signal: Signal | null;
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
export async function capture(argv: readonly string[], options: SpawnOptions & { readonly timeoutMs?: number } = {}): Promise<Captured> {
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  let stdout = "";
  let stderr = "";
  const child = await launch(argv, {
    ...options,
    stdin: "ignore",
    stdout: (c) => (stdout += decoder.stdout.decode(c, { stream: true })),
    stderr: (c) => (stderr += decoder.stderr.decode(c, { stream: true })),
  });
  const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGTERM"), options.timeoutMs) : undefined;
  const end = await child.exited;
  clearTimeout(timer);
  return { code: end.code, signal: end.signal, stdout, stderr: end.startError ?? stderr };
}

/** Where a started process's output goes: this process's own stream, nowhere, or to a function. */
export type Output = "inherit" | "ignore" | ((chunk: Uint8Array) => void);

/** How to start a process. */
export interface LaunchOptions extends SpawnOptions {
  /** What it reads: nothing, or this process's stdin. */
  readonly stdin: "ignore" | "inherit";
  readonly stdout: Output;
  readonly stderr: Output;
  /** A process group of its own, so a signal can reach everything it runs in turn. */
  readonly detached?: boolean;
}

/** How a process ended; `startError` says why it never ran. */
export interface Ended {
  readonly code: number | null;
  readonly signal: Signal | null;
  readonly startError?: string;
}

/** A started process and its end. */
export interface Launched {
  /** Its process id; undefined when it could not start. */
  readonly pid: number | undefined;
  /** Sends it a signal (it alone, not its group); nothing when it has ended. */
  kill(signal: Signal): void;
  /** Settles once it has exited and its output is read to the end. */
  readonly exited: Promise<Ended>;
}

/** Starts `argv` (no shell): with Deno.Command on Deno, node:child_process elsewhere. */
export async function launch(argv: readonly string[], options: LaunchOptions): Promise<Launched> {
  const env = Object.fromEntries(Object.entries(options.env ?? hostEnv()).filter((e): e is [string, string] => e[1] !== undefined));
  try {
    return deno ? startOnDeno(deno, argv, env, options) : await startOnNode(argv, env, options);
  } catch (e) {
    return {
      pid: undefined,
      kill: () => {},
      exited: Promise.resolve({ code: null, signal: null, startError: `cannot run ${argv[0]}: ${(e as Error).message}` }),
    };
  }
}

function startOnDeno(api: NonNullable<typeof deno>, argv: readonly string[], env: Record<string, string>, options: LaunchOptions): Launched {
  const stdio = (o: Output) => (o === "inherit" ? "inherit" : o === "ignore" ? "null" : "piped");
  const child = new api.Command(argv[0]!, {
    args: argv.slice(1),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env,
    clearEnv: true,
    stdin: options.stdin === "inherit" ? "inherit" : "null",
    stdout: stdio(options.stdout),
    stderr: stdio(options.stderr),
    detached: options.detached ?? false,
  }).spawn();
  // A stream that is not piped must not be touched (Deno throws).
  const pump = async (name: "stdout" | "stderr") => {
    const to = options[name];
    if (typeof to === "function") for await (const chunk of child[name]) to(chunk);
  };
  let ended = false;
  const exited = Promise.all([child.status, pump("stdout"), pump("stderr")]).then(([status]): Ended => {
    ended = true;
    return { code: status.signal ? null : status.code, signal: status.signal as Signal | null };
  });
  return {
    pid: child.pid,
    kill: (signal) => {
      if (ended) return;
      try {
        child.kill(signal);
      } catch {
        // it has just ended
      }
    },
    exited,
  };
}

type ChildProcessModule = typeof import("node:child_process");
let childProcess: Promise<ChildProcessModule> | undefined;

async function startOnNode(argv: readonly string[], env: Record<string, string>, options: LaunchOptions): Promise<Launched> {
  const { spawn } = await (childProcess ??= import("node:child_process"));
  const stdio = (o: Output) => (o === "inherit" ? "inherit" : o === "ignore" ? "ignore" : "pipe");
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env,
    stdio: [options.stdin, stdio(options.stdout), stdio(options.stderr)],
    detached: options.detached ?? false,
  });
  if (typeof options.stdout === "function") child.stdout!.on("data", options.stdout);
  if (typeof options.stderr === "function") child.stderr!.on("data", options.stderr);
  const exited = new Promise<Ended>((resolve) => {
    // "close", not "exit": by then every pipe has been read to its end.
    child.on("close", (code, signal) => resolve({ code, signal }));
    child.on("error", (e) => resolve({ code: null, signal: null, startError: `cannot run ${argv[0]}: ${e.message}` }));
  });
  return {
    pid: child.pid,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
  };
}

// Quoting printed commands is pure and lives in shell.ts; re-exported for callers of this module.
export { commandIn, quoteArg, shellCommand } from "./shell.ts";
