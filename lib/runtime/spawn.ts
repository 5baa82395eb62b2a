/**
 * Child processes: the one module that starts any (buildx, docker). `capture()` asks a short
 * question and collects the answer (`buildx version`, `buildx inspect`, `bake --print`); `launch()`
 * starts a build that streams. No shell; Deno.Command on Deno and node:child_process elsewhere
 * (lib/runtime/host.ts says why). Not zx: on the path of every build, loading it would cost more (25-40 ms
 * on Node, 30-60 ms on Deno) than buildx-kit's whole budget (BENCHMARKS.md).
 */
import { cwd as hostCwd, deno, env as hostEnv, isExecutableFile, kill as hostKill, type Signal, stat } from "./host.ts";
import { delimiter, join, resolve } from "./posix.ts";

/** How a process ended and what it printed. */
export interface Captured {
  /** The exit code; null when it was killed or could not start. */
  readonly code: number | null;
  readonly signal: Signal | null;
  readonly stdout: string;
  /** What it printed on stderr; for a process that could not start, why. */
  readonly stderr: string;
  /** True when it outlived `timeoutMs` and was stopped (it and everything it started). */
  readonly timedOut?: boolean;
}

/** Where and how a process runs. */
export interface SpawnOptions {
  readonly cwd?: string;
  /** Its environment (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** How long a process that outlived its time limit gets between SIGTERM and SIGKILL. */
const CAPTURE_GRACE_MS = 1_000;

/**
 * Runs `argv` to its end, collecting stdout and stderr. After `timeoutMs` its whole process group
 * (it and whatever it started: a hung `docker` script's children hold its pipes open) gets
 * SIGTERM, then SIGKILL a second later, and the answer says `timedOut`. Bound to this process
 * (`LaunchOptions.bound`): nothing it starts outlives this process. Never rejects.
 */
export async function capture(argv: readonly string[], options: SpawnOptions & { readonly timeoutMs?: number } = {}): Promise<Captured> {
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  let stdout = "";
  let stderr = "";
  const child = await launch(argv, {
    ...options,
    stdin: "ignore",
    stdout: (c) => (stdout += decoder.stdout.decode(c, { stream: true })),
    stderr: (c) => (stderr += decoder.stderr.decode(c, { stream: true })),
    detached: true,
    bound: true,
  });
  let timedOut = false;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const timer = options.timeoutMs
    ? setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid, "SIGTERM");
      grace = setTimeout(() => signalGroup(child.pid, "SIGKILL"), CAPTURE_GRACE_MS);
    }, options.timeoutMs)
    : undefined;
  const end = await child.exited;
  clearTimeout(timer);
  clearTimeout(grace);
  return { code: end.code, signal: end.signal, stdout, stderr: end.startError ?? stderr, ...(timedOut ? { timedOut } : {}) };
}

/** Sends `signal` to the process group `pid` leads (a detached process's), else to the process alone. */
export function signalGroup(pid: number | undefined, signal: Signal): void {
  if (!pid) return;
  try {
    hostKill(-pid, signal);
  } catch {
    try {
      hostKill(pid, signal);
    } catch {
      // already gone
    }
  }
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
  /**
   * Bound to this process: it and its process group cannot outlive it, however it ends (SIGKILL
   * included), on every runtime. Implies `detached`. It starts under a small `/bin/sh` supervisor
   * (see SUPERVISOR) that execs it, keeping its pid, its exit status and its signals, and leaves a
   * watcher in its group; should this process die while it runs, the watcher kills the group and
   * removes `leftovers`.
   */
  readonly bound?: boolean;
  /** With `bound`: files or folders to remove should this process die while it runs (its scratch). */
  readonly leftovers?: readonly string[];
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

/**
 * The supervisor a bound process starts under: `sh -c SUPERVISOR sh N LEFTOVER... PROGRAM ARG...`.
 * It puts a watcher in the background (it ignores the signals buildx-kit sends the group) and execs
 * PROGRAM, which keeps the pid, so signals, exit codes and the group are as without it. The watcher
 * reads stdin, a pipe whose other end only this process holds: on a normal end this process writes
 * `done` and the watcher leaves; at end of file with PROGRAM still running, this process has died
 * (the kernel closes its end whatever killed it), so the watcher kills PROGRAM, removes the
 * leftovers and kills the group, itself last. PROGRAM's stdin is /dev/null, as with "ignore".
 */
const SUPERVISOR = [
  "n=$1; shift",
  "exec 3<&0 </dev/null",
  // End of file with PROGRAM already gone is a normal end whose "done" never came (Node destroys a
  // child's stdin when it exits): this process is reading the leftovers, so leave them alone.
  "{ trap '' INT TERM HUP QUIT; read -r said; [ \"$said\" = done ] && exit 0; kill -0 $$ 2>/dev/null || exit 0; kill -KILL $$;",
  ' while [ "$n" -gt 0 ]; do rm -rf -- "$1" || /bin/rm -rf -- "$1"; shift; n=$((n - 1)); done; kill -KILL 0; } <&3 >/dev/null 2>&1 &',
  'shift "$n"',
  'exec "$@" 3<&-',
].join("\n");

/**
 * The supervisor of a bound process that reads this process's stdin (a build context on stdin):
 * no pipe to watch, so the watcher asks every second whether this process (the shell's parent) is
 * still there, and leaves once PROGRAM has ended.
 */
const POLLING_SUPERVISOR = [
  "n=$1; shift",
  "{ trap '' INT TERM HUP QUIT; while kill -0 $$; do",
  '  if ! kill -0 "$PPID"; then kill -KILL $$;',
  '   while [ "$n" -gt 0 ]; do rm -rf -- "$1" || /bin/rm -rf -- "$1"; shift; n=$((n - 1)); done; kill -KILL 0; fi;',
  "  sleep 1 || /bin/sleep 1 || exit 0; done; } </dev/null >/dev/null 2>&1 &",
  'shift "$n"',
  'exec "$@"',
].join("\n");

/**
 * Where `program` is, as exec would find it (PATH in `env` for a bare name, else relative to
 * `cwd`), or why it cannot run: in the words Node uses (`spawn docker ENOENT`) on every runtime.
 */
async function locate(program: string, env: Record<string, string>, cwd: string | undefined): Promise<{ path: string } | { error: string }> {
  if (program.includes("/")) {
    const path = resolve(cwd ?? hostCwd(), program);
    if (await isExecutableFile(path)) return { path };
    const exists = await stat(path).then(() => true, () => false);
    return { error: `spawn ${program} ${exists ? "EACCES" : "ENOENT"}` };
  }
  const candidates = (env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => resolve(cwd ?? hostCwd(), join(dir, program)));
  const found = await Promise.all(candidates.map(isExecutableFile));
  const path = candidates[found.indexOf(true)];
  return path ? { path } : { error: `spawn ${program} ENOENT` };
}

/** Starts `argv` (no shell, but for a bound process's supervisor): with Deno.Command on Deno, node:child_process elsewhere. */
export async function launch(argv: readonly string[], options: LaunchOptions): Promise<Launched> {
  const env = Object.fromEntries(Object.entries(options.env ?? hostEnv()).filter((e): e is [string, string] => e[1] !== undefined));
  const failed = (why: string): Launched => ({
    pid: undefined,
    kill: () => {},
    exited: Promise.resolve({ code: null, signal: null, startError: `cannot run ${argv[0]}: ${why}` }),
  });
  let spawned = argv;
  let start = options;
  if (options.bound) {
    // Found first, as exec would: the supervisor's own "not found" would be an exit code.
    const found = await locate(argv[0]!, env, options.cwd);
    if ("error" in found) return failed(found.error);
    const leftovers = options.leftovers ?? [];
    const polling = options.stdin === "inherit";
    spawned = ["/bin/sh", "-c", polling ? POLLING_SUPERVISOR : SUPERVISOR, "sh", String(leftovers.length), ...leftovers, found.path, ...argv.slice(1)];
    start = { ...options, detached: true };
  }
  try {
    return deno ? startOnDeno(deno, spawned, env, start) : await startOnNode(spawned, env, start);
  } catch (e) {
    return failed((e as Error).message);
  }
}

/** Whether the process reads a watch pipe on stdin (a bound process that does not read this process's stdin). */
function watched(options: LaunchOptions): boolean {
  return options.bound === true && options.stdin !== "inherit";
}

const DONE = new TextEncoder().encode("done\n");

function startOnDeno(api: NonNullable<typeof deno>, argv: readonly string[], env: Record<string, string>, options: LaunchOptions): Launched {
  const stdio = (o: Output) => (o === "inherit" ? "inherit" : o === "ignore" ? "null" : "piped");
  const watch = watched(options);
  const child = new api.Command(argv[0]!, {
    args: argv.slice(1),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env,
    clearEnv: true,
    stdin: watch ? "piped" : options.stdin === "inherit" ? "inherit" : "null",
    stdout: stdio(options.stdout),
    stderr: stdio(options.stderr),
    detached: options.detached ?? false,
  }).spawn();
  // A stream that is not piped must not be touched (Deno throws).
  const pump = async (name: "stdout" | "stderr") => {
    const to = options[name];
    if (typeof to === "function") { for await (const chunk of child[name]) to(chunk); }
  };
  let ended = false;
  const exited = Promise.all([child.status, pump("stdout"), pump("stderr")]).then(async ([status]): Promise<Ended> => {
    ended = true;
    // The supervisor's watcher: a normal end, so leave.
    if (watch) {
      const writer = child.stdin.getWriter();
      await writer.write(DONE).catch(() => {});
      await writer.close().catch(() => {});
    }
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
  const watch = watched(options);
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env,
    stdio: [watch ? "pipe" : options.stdin, stdio(options.stdout), stdio(options.stderr)],
    detached: options.detached ?? false,
  });
  // The watch pipe: written only when the process has ended (a watcher that is gone is fine).
  child.stdin?.on("error", () => {});
  if (typeof options.stdout === "function") child.stdout!.on("data", options.stdout);
  if (typeof options.stderr === "function") child.stderr!.on("data", options.stderr);
  const exited = new Promise<Ended>((resolve) => {
    // "close", not "exit": by then every pipe has been read to its end.
    child.on("close", (code, signal) => {
      // The supervisor's watcher: a normal end, so leave.
      if (watch) child.stdin?.end(DONE);
      resolve({ code, signal });
    });
    child.on("error", (e) => {
      child.stdin?.destroy();
      resolve({ code: null, signal: null, startError: `cannot run ${argv[0]}: ${e.message}` });
    });
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
export { commandIn, quoteArg, shellCommand } from "../core/shell.ts";
