/**
 * The runtime underneath: this process, files, signals and unix sockets, through Deno's own APIs
 * on Deno and `node:` modules on Node and Bun. On Deno the first `node:` module starts its Node
 * layer: ~20-25 ms (the `process` object alone ~15 ms), most of what a cached build can spend
 * (BENCHMARKS.md). The build path (the CLI's `run` and `build`, `build()`, `probe()`) goes through
 * this module and lib/runtime/posix.ts and loads no `node:` module on Deno. The rest (saving files, the
 * guide, the REPL) uses `node:` modules, loaded when used. Process starts are in lib/runtime/spawn.ts.
 *
 * Errors keep the runtime's own, with Node's `code` ("ENOENT", "EACCES") on both.
 */

/** The part of Deno's API this module uses (Node's type checker knows no `Deno`). */
interface DenoApi {
  readonly args: string[];
  readonly pid: number;
  exitCode: number;
  readonly build: { readonly os: string };
  readonly env: { toObject(): Record<string, string> };
  cwd(): string;
  readonly stdin: { isTerminal(): boolean };
  readonly stdout: DenoOutput;
  readonly stderr: DenoOutput;
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  kill(pid: number, signal: string): void;
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, text: string, options?: { mode?: number; createNew?: boolean; append?: boolean }): Promise<void>;
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean; size: number; mtime: Date | null; ino: number | null; mode: number | null }>;
  open(path: string): Promise<{ read(into: Uint8Array): Promise<number | null>; close(): void }>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  realPath(path: string): Promise<string>;
  makeTempDir(options: { prefix: string }): Promise<string>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  remove(path: string, options: { recursive: boolean }): Promise<void>;
  removeSync(path: string, options: { recursive: boolean }): void;
  connect(options: { transport: "unix"; path: string }): Promise<{
    write(bytes: Uint8Array): Promise<number>;
    read(into: Uint8Array): Promise<number | null>;
    close(): void;
  }>;
  readonly Command: new (command: string, options: DenoCommandOptions) => { spawn(): DenoChild };
}

/** Deno.Command's options, as lib/runtime/spawn.ts uses them. */
interface DenoCommandOptions {
  readonly args: string[];
  readonly cwd?: string;
  readonly env: Record<string, string>;
  readonly clearEnv: true;
  readonly stdin: "null" | "inherit" | "piped";
  readonly stdout: "null" | "inherit" | "piped";
  readonly stderr: "null" | "inherit" | "piped";
  readonly detached: boolean;
}

/** A process Deno.Command started. */
interface DenoChild {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
  kill(signal: string): void;
}

interface DenoOutput {
  writeSync(bytes: Uint8Array): number;
  isTerminal(): boolean;
}

/** Deno's namespace when running on Deno, else undefined. */
export const deno: DenoApi | undefined = (globalThis as { Deno?: DenoApi }).Deno;

/** Node's `process` (Node and Bun have it without an import; on Deno it is never touched here). */
function node(): NodeJS.Process {
  return (globalThis as unknown as { process: NodeJS.Process }).process;
}

type FsPromises = typeof import("node:fs/promises");
/** node:fs/promises (not on Deno), asked for at once: the first file read then waits for nothing. */
const fsPromises: Promise<FsPromises> | undefined = deno ? undefined : import("node:fs/promises");
function fs(): Promise<FsPromises> {
  return fsPromises!;
}

// ---- this process ---------------------------------------------------------------------------

/** The command line's arguments after the script. */
export function args(): string[] {
  return deno ? [...deno.args] : node().argv.slice(2);
}

/** The environment, as a fresh object. */
export function env(): Record<string, string | undefined> {
  return deno ? deno.env.toObject() : { ...node().env };
}

/** The working directory. */
export function cwd(): string {
  return deno ? deno.cwd() : node().cwd();
}

/** This process's id. */
export function pid(): number {
  return deno ? deno.pid : node().pid;
}

/** Sets the exit code this process ends with. */
export function setExitCode(code: number): void {
  if (deno) deno.exitCode = code;
  else node().exitCode = code;
}

/** Whether stdin, stdout or stderr is a terminal. */
export function isTerminal(stream: "stdin" | "stdout" | "stderr"): boolean {
  return deno ? deno[stream].isTerminal() : Boolean(node()[stream].isTTY);
}

const encoder = new TextEncoder();

/** Writes text to stdout or stderr (on Deno synchronously, to the last byte). */
export function write(stream: "stdout" | "stderr", text: string): void {
  if (!deno) {
    node()[stream].write(text);
    return;
  }
  const out = deno[stream];
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

/** A signal this process can be sent. */
export type Signal = NodeJS.Signals;

/** Our own listeners, so that `listenedElsewhere` can leave them out. */
const ours = new Set<() => void>();

/** Per signal, buildx-kit's one listener and the handlers it calls (so 12 builds add one listener, not 12). */
const dispatchers = new Map<Signal, { readonly handlers: Set<() => void>; readonly dispatch: () => void }>();

/** Calls `handler` on `signal` until the returned function is called. */
export function onSignal(signal: Signal, handler: () => void): () => void {
  let entry = dispatchers.get(signal);
  if (!entry) {
    const handlers = new Set<() => void>();
    const dispatch = () => {
      for (const h of [...handlers]) h();
    };
    entry = { handlers, dispatch };
    dispatchers.set(signal, entry);
    ours.add(dispatch);
    if (deno) deno.addSignalListener(signal, dispatch);
    else node().on(signal, dispatch);
  }
  const { handlers, dispatch } = entry;
  // A function of its own, so that one handler given twice is called twice and removed once each.
  const mine = () => handler();
  handlers.add(mine);
  return () => {
    if (!handlers.delete(mine) || handlers.size > 0 || dispatchers.get(signal) !== entry) return;
    dispatchers.delete(signal);
    ours.delete(dispatch);
    if (deno) deno.removeSignalListener(signal, dispatch);
    else node().off(signal, dispatch);
  };
}

/**
 * Whether code other than buildx-kit listens for `signal` through `process.on` (on Deno that
 * starts its Node layer, so call it only once the signal has come).
 */
export function listenedElsewhere(signal: Signal): boolean {
  return node().listeners(signal).some((l) => !ours.has(l as () => void));
}

/** Sends `signal` to a process, or to a process group with a negative id. Throws when none is there. */
export function kill(target: number, signal: Signal): void {
  if (deno) deno.kill(target, signal);
  else node().kill(target, signal);
}

/** What must happen if this process ends now: one set of listeners for all that ask. */
const lastWishes = new Set<() => void>();
let listening = false;

function fulfil(): void {
  for (const wish of lastWishes) wish();
  lastWishes.clear();
}

/**
 * Calls `last` (synchronous work only) if this process ends before the returned function is
 * called: a normal end or an exit() on every runtime ("exit" on Node and Bun, "unload" on Deno),
 * and an uncaught error or rejection where the runtime dispatches a global "error" or
 * "unhandledrejection" (not prevented): Deno, dying of one, tells of it no other way. A fatal
 * signal runs nothing anywhere.
 */
export function onProcessEnd(last: () => void): () => void {
  if (!listening) {
    listening = true;
    const events = globalThis as { addEventListener?: (type: string, f: (e: Event) => void) => void };
    const dying = (event: Event) => {
      if (!event.defaultPrevented) fulfil();
    };
    if (deno) events.addEventListener?.("unload", fulfil);
    else node().on("exit", fulfil);
    events.addEventListener?.("error", dying);
    events.addEventListener?.("unhandledrejection", dying);
  }
  lastWishes.add(last);
  return () => lastWishes.delete(last);
}

// ---- files ------------------------------------------------------------------------------------

/** What `stat` tells. `mtimeMs` is in whole milliseconds on every runtime (Deno has no fraction). */
export interface FileInfo {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  /** The permission bits and file type, as `st_mode`. */
  readonly mode: number;
}

/** A file's facts (following links); throws with `code` "ENOENT" when there is none. */
export async function stat(path: string): Promise<FileInfo> {
  if (deno) {
    const s = await deno.stat(path);
    return { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size, mtimeMs: s.mtime?.getTime() ?? 0, ino: s.ino ?? 0, mode: s.mode ?? 0 };
  }
  const s = await (await fs()).stat(path);
  return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size, mtimeMs: Math.trunc(s.mtimeMs), ino: s.ino, mode: s.mode };
}

/** True for a regular file that someone may execute (as `which` decides). */
export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.isFile && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** A whole file's bytes. */
export async function readBytes(path: string): Promise<Uint8Array> {
  return deno ? await deno.readFile(path) : await (await fs()).readFile(path);
}

/** A whole file as UTF-8 text. */
export async function readText(path: string): Promise<string> {
  return deno ? await deno.readTextFile(path) : await (await fs()).readFile(path, "utf8");
}

/** The first `count` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, count: number): Promise<Uint8Array> {
  if (deno) {
    const file = await deno.open(path);
    try {
      const into = new Uint8Array(count);
      let filled = 0;
      while (filled < count) {
        const n = await file.read(into.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return into.subarray(0, filled);
    } finally {
      file.close();
    }
  }
  const file = await (await fs()).open(path, "r");
  try {
    const { bytesRead, buffer } = await file.read(new Uint8Array(count), 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The names in a folder. */
export async function listDir(path: string): Promise<string[]> {
  if (!deno) return await (await fs()).readdir(path);
  const names: string[] = [];
  for await (const entry of deno.readDir(path)) names.push(entry.name);
  return names;
}

/** Writes a file (replacing it), with `mode` when it is created. */
export async function writeText(path: string, text: string, mode?: number): Promise<void> {
  if (deno) await deno.writeTextFile(path, text, mode === undefined ? {} : { mode });
  else await (await fs()).writeFile(path, text, mode === undefined ? {} : { mode });
}

/** Appends to a file, creating it when missing (as a shell's `>>`). */
export async function appendText(path: string, text: string): Promise<void> {
  if (deno) await deno.writeTextFile(path, text, { append: true });
  else await (await fs()).appendFile(path, text);
}

/** Makes a folder and the folders above it that are missing. */
export async function makeDir(path: string): Promise<void> {
  if (deno) await deno.mkdir(path, { recursive: true });
  else await (await fs()).mkdir(path, { recursive: true });
}

/** Renames a file, replacing the target. */
export async function rename(from: string, to: string): Promise<void> {
  if (deno) await deno.rename(from, to);
  else await (await fs()).rename(from, to);
}

/**
 * The path with every symbolic link in it resolved, absolute: where the file system has it (and
 * where a process that changes into it finds itself). Throws with `code` "ENOENT" when there is none.
 */
export async function realPath(path: string): Promise<string> {
  return deno ? await deno.realPath(path) : await (await fs()).realpath(path);
}

/** The system's folder for temporary files (TMPDIR, else TMP, else TEMP, else /tmp), as node:os tells it. */
export function tempRoot(): string {
  const vars = env();
  const dir = vars.TMPDIR || vars.TMP || vars.TEMP || "/tmp";
  return dir.length > 1 ? dir.replace(/\/+$/, "") : dir;
}

/**
 * A new private (0700) folder in the temporary folder, named `prefix` and random letters. On Node
 * and Bun this also loads what `removeNowSync` needs (at exit it is too late to load anything).
 */
export async function makeTempDir(prefix: string): Promise<string> {
  if (deno) return await deno.makeTempDir({ prefix });
  const [dir, { rmSync }] = await Promise.all([(await fs()).mkdtemp(`${tempRoot()}/${prefix}`), import("node:fs")]);
  removeSyncNode ??= (path) => rmSync(path, { recursive: true, force: true });
  return dir;
}

/** Why a file or folder could not be made or written, in words: a system error's code, else its message. */
export function fileFailure(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  switch (code) {
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "the disk quota is exceeded";
    case "EROFS":
      return "the file system is read-only";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOENT":
      return "no such folder";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder";
    case "EMLINK":
    case "ELOOP":
      return "too many symbolic links";
    case "ENAMETOOLONG":
      return "the name is too long";
    default:
      return (e as Error | null)?.message ?? String(e);
  }
}

/** Removes a file or a whole folder; nothing there is fine. */
export async function remove(path: string): Promise<void> {
  if (!deno) return await (await fs()).rm(path, { recursive: true, force: true });
  try {
    await deno.remove(path, { recursive: true });
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
  }
}

let removeSyncNode: ((path: string) => void) | undefined;

/** Removes a folder `makeTempDir` made, at once (for `onProcessEnd`); nothing there is fine. */
export function removeNowSync(path: string): void {
  try {
    if (deno) deno.removeSync(path, { recursive: true });
    else removeSyncNode?.(path);
  } catch {
    // gone already, or not ours to remove
  }
}

// ---- unix sockets -----------------------------------------------------------------------------

/**
 * Sends `request` over a unix socket and returns all it answers until the other side closes.
 * Rejects when it cannot connect or takes longer than `timeoutMs`.
 */
export async function askUnixSocket(path: string, request: string, timeoutMs: number): Promise<Uint8Array> {
  if (deno) {
    const conn = await deno.connect({ transport: "unix", path });
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      conn.close();
    }, timeoutMs);
    try {
      await conn.write(encoder.encode(request));
      // conn.read(), not conn.readable: Deno's web streams cost ~2 ms to start.
      const chunks: Uint8Array[] = [];
      for (let buffer = new Uint8Array(16_384), n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        chunks.push(buffer.slice(0, n));
      }
      return concat(chunks);
    } catch (e) {
      throw late ? new Error("timed out") : e;
    } finally {
      clearTimeout(timer);
      if (!late) conn.close();
    }
  }
  const { connect } = await import("node:net");
  return await new Promise((resolve, reject) => {
    const socket = connect(path);
    const chunks: Uint8Array[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("timed out")));
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => resolve(concat(chunks)));
  });
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}
