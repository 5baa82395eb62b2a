/**
 * Files written so that a failure loses nothing: the atomic write recipes, bake files and the guide
 * use, and making folders one at a time. Not on a build's path: node:fs/promises loads only here.
 */
import { basename, dirname, join, resolve } from "./posix.ts";
import * as host from "./host.ts";

/** How to write: replace an existing file or not; the folder a relative path is in. */
export interface AtomicWriteOptions {
  /** Replace the file when it exists (default: refuse, code `file-exists`). */
  readonly overwrite?: boolean;
  /** The folder a relative path resolves against (default: this process's). */
  readonly cwd?: string;
}

/** A file that was not written, and why; the old file is as it was and no temporary file is left. */
export class NotWritten extends Error {
  override readonly name = "NotWritten";
  constructor(
    /** `file-exists`, `no-folder`, `not-a-folder` or `not-written`. */
    readonly code: "file-exists" | "no-folder" | "not-a-folder" | "not-written",
    message: string,
  ) {
    super(message);
  }
}

/** The temporary files `writeFileAtomic` makes for `name`: `.NAME.PID.HEX.tmp`. */
function tempPattern(name: string): RegExp {
  return new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp$`);
}

/** Whether a process with this id is running (one of another user's counts). */
function alive(pid: number, kill: (pid: number, signal: 0) => unknown): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Writes a file atomically: a temporary file beside it, fsync, then a rename (or, when not
 * overwriting, a hard link, which fails rather than replace a file created meanwhile). A symbolic
 * link is followed: the file it points to is replaced, the link stays. Temporary files left by an
 * earlier save of the same file that was killed (their process is gone) are removed. Returns the
 * absolute path written. Throws `NotWritten` naming `path` as given, never
 * the temporary file: code `file-exists` when the file exists and `overwrite` is off, `no-folder`,
 * `not-a-folder`, or `not-written` (no space, a read-only file system, ...); the old file is then
 * as it was and no temporary file is left.
 */
export async function writeAtomic(path: string, text: string, options: AtomicWriteOptions = {}): Promise<string> {
  const notSaved = (code: NotWritten["code"], message: string): NotWritten => new NotWritten(code, message);
  const exists = (): NotWritten => notSaved("file-exists", "already exists");
  // Saving is not on a build's path: node:fs/promises, loaded here (lib/runtime/host.ts).
  const [{ link, lstat, open, readdir, readlink, rename, stat, unlink }, { randomBytes }, { default: proc }] = await Promise.all([
    import("node:fs/promises"),
    import("node:crypto"),
    import("node:process"),
  ]);
  // A symbolic link (or a chain of them) is written through: the file it points to is replaced.
  const base = options.cwd !== undefined ? resolve(options.cwd) : resolve(".");
  let file = resolve(base, path);
  for (let hops = 0;; hops++) {
    let target: string;
    try {
      if (!(await lstat(file)).isSymbolicLink()) break;
      target = await readlink(file);
    } catch {
      break; // nothing there (or not a folder on the way): the checks below say which
    }
    if (hops === 40) throw notSaved("not-written", `cannot be written: ${host.fileFailure({ code: "ELOOP" })}`);
    file = resolve(dirname(file), target);
  }
  const dir = dirname(file);
  let oldMode: number | null = null;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw notSaved("not-written", "is a folder");
    if (!options.overwrite) throw exists();
    oldMode = info.mode & 0o777;
  } catch (e) {
    if (e instanceof NotWritten) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw notSaved("not-written", `cannot be written: ${host.fileFailure(e)}`);
    // The nearest folder above that exists: a file there is in the way; none is a missing folder.
    for (let at = dir, shown = dirname(path) || ".";; at = dirname(at), shown = dirname(shown)) {
      try {
        if ((await stat(at)).isDirectory()) {
          if (at !== dir) throw notSaved("no-folder", `the folder ${dirname(path) || "."} does not exist`);
          break;
        }
        throw notSaved("not-a-folder", `${resolve(base, shown) === at ? shown : at} is a file, not a folder`);
      } catch (e2) {
        if (e2 instanceof NotWritten) throw e2;
        if (dirname(at) === at) throw notSaved("no-folder", `the folder ${dirname(path) || "."} does not exist`);
      }
    }
  }
  // Temporary files of this name whose save was killed: gone before this one adds its own.
  const stale = tempPattern(basename(file));
  await readdir(dir).then(
    (names) =>
      Promise.all(names.map((name) => {
        const pid = Number(stale.exec(name)?.[1] ?? NaN);
        return Number.isSafeInteger(pid) && pid !== host.pid() && !alive(pid, (p, sig) => proc.kill(p, sig))
          ? unlink(join(dir, name)).catch(() => {})
          : undefined;
      })),
    () => {},
  );
  const temp = join(dir, `.${basename(file)}.${host.pid()}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", oldMode ?? 0o644);
    try {
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (options.overwrite) {
        await rename(temp, file);
      } else {
        try {
          await link(temp, file);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EEXIST") throw exists();
          // A file system without hard links: check, then rename (a narrow race, but no worse).
          if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw e;
          try {
            await stat(file);
            throw exists();
          } catch (e2) {
            if (e2 instanceof NotWritten || (e2 as NodeJS.ErrnoException).code !== "ENOENT") throw e2;
          }
          await rename(temp, file);
        }
        await unlink(temp).catch(() => {});
      }
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
  } catch (e) {
    if (e instanceof NotWritten) throw e;
    // The message names the file as given, never the temporary file (nor its absolute path).
    const reason = host.fileFailure(e).split(temp).join(path).split(file).join(path);
    throw notSaved("not-written", `cannot be written: ${reason}`);
  }
  // The rename itself is durable once the folder is synced (not possible everywhere: best effort).
  try {
    const d = await open(dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // not supported here
  }
  return file;
}

/**
 * Makes a folder and the missing ones above it, one at a time, so a failure has its own reason
 * (a recursive mkdir on a read-only file system reports ENOENT, not EROFS).
 */
export async function makeFolders(dir: string): Promise<void> {
  const { mkdir } = await import("node:fs/promises");
  const missing: string[] = [];
  for (let at = dir; !(await host.stat(at).then(() => true, () => false)); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing) {
    await mkdir(folder).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
  }
}
