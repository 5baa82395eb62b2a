/**
 * POSIX path arithmetic: what buildx-kit needs of node:path, with the same answers as
 * `node:path`'s posix functions (test/posix.test.ts holds them to it), as plain string work. On
 * Deno, loading node:path starts its whole Node layer (~6 ms; with node:process ~20 ms), which a
 * cached build cannot afford (BENCHMARKS.md). buildx-kit runs where buildx's process groups do:
 * Linux and macOS.
 */
import { cwd } from "./host.ts";

/** The separator of path segments. */
export const sep = "/";
/** The separator of PATH's folders. */
export const delimiter = ":";

/** True for a path from the root. */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/** The segments left once `.`, `..` and empty ones are worked out; above the root, `..` is dropped. */
function segments(path: string, absolute: boolean): string[] {
  const kept: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") kept.push(part);
    else if (kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop();
    else if (!absolute) kept.push("..");
  }
  return kept;
}

/** `a/./b/../c/` as `a/c/`: `.` and `..` worked out, slashes single, a trailing one kept. */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = isAbsolute(path);
  let out = segments(path, absolute).join("/");
  if (out === "" && !absolute) out = ".";
  if (out !== "" && path.endsWith("/")) out += "/";
  return absolute ? `/${out}` : out;
}

/** The parts joined by `/`, then normalized; empty parts are skipped, none at all is `.`. */
export function join(...parts: string[]): string {
  const given = parts.filter((p) => p !== "");
  return given.length === 0 ? "." : normalize(given.join("/"));
}

/**
 * The absolute path the parts lead to, read right to left until one is absolute, else from the
 * working directory; normalized, with no trailing slash.
 */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= -1 && !isAbsolute(path); i--) {
    const part = i >= 0 ? parts[i]! : cwd();
    if (part !== "") path = path === "" ? part : `${part}/${path}`;
  }
  return `/${segments(path, true).join("/")}`;
}

/** The folder of a path: `a/b` → `a`, `/a` → `/`, `a` → `.`. Trailing slashes do not count. */
export function dirname(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  const last = trimmed.lastIndexOf("/");
  if (last === -1) return ".";
  if (last === 0) return "/";
  // POSIX leaves a leading "//" its own meaning, and node:path keeps it.
  if (last === 1 && trimmed.startsWith("//")) return "//";
  return trimmed.slice(0, last);
}

/** The last segment of a path, trailing slashes aside: `/a/b/` → `b`. */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The path from `from` to `to`, both resolved first: `relative("/a/b", "/a/c/d")` → `../c/d`. */
export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let same = 0;
  while (same < a.length && same < b.length && a[same] === b[same]) same++;
  return [...a.slice(same).map(() => ".."), ...b.slice(same)].join("/");
}
