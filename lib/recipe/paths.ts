/**
 * Local paths inside build options. A recipe's relative paths resolve against its own folder (its
 * builds run there); a person's answers and flags are relative to the working directory. These
 * find every path an option holds and convert it.
 */
import { isAbsolute, relative, resolve } from "../runtime/posix.ts";
import { formatCsv, parseCsv } from "../core/csv.ts";
import { FLAG_ROWS } from "../core/flags.ts";
import type { BuildOptions } from "../core/options.ts";

/** A context that is not a local folder: a URL of any scheme (Git, HTTP, docker-image://, ...) or a Git remote. */
export function isRemote(context: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || /^git@/.test(context) || /^github\.com\//.test(context);
}

/** A value names a local path (not a URL, an image, stdin/stdout, or an absolute path). */
function isLocalRelative(path: string): boolean {
  return path !== "" && path !== "-" && !isAbsolute(path) && !isRemote(path) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/** CSV attributes (a string or a record) with the values of the `wanted` attributes passed through `each`; a bare path too. */
function mapAttributes(item: unknown, wanted: (attrs: Record<string, string>) => readonly string[], each: (path: string) => string, bare = true): unknown {
  if (typeof item === "string") {
    if (!item.includes("=")) return bare ? each(item) : item; // a bare path (for a cache, a registry ref)
    let fields: string[];
    try {
      fields = parseCsv(item);
    } catch {
      return item;
    }
    const keyOf = (f: string) => f.slice(0, Math.max(0, f.indexOf("="))).trim().toLowerCase();
    const keys = wanted(Object.fromEntries(fields.map((f) => [keyOf(f), f.slice(f.indexOf("=") + 1)])));
    return formatCsv(fields.map((f) => {
      const eq = f.indexOf("=");
      return eq > 0 && keys.includes(keyOf(f)) ? `${f.slice(0, eq)}=${each(f.slice(eq + 1))}` : f;
    }));
  }
  if (typeof item === "object" && item !== null && !Array.isArray(item)) {
    const record = item as Record<string, unknown>;
    const keys = wanted(Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), String(v)])));
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, keys.includes(k.toLowerCase()) && typeof v === "string" ? each(v) : v]));
  }
  return item;
}

function mapList(value: unknown, each: (item: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(each) : each(value);
}

/** The values of a key=value option (a record, or `k=v` strings) passed through `each`. */
function mapEntries(value: unknown, each: (path: string) => string): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? each(v) : v]));
  }
  return mapList(value, (item) => {
    if (typeof item !== "string" || item.indexOf("=") <= 0) return item;
    const eq = item.indexOf("=");
    return `${item.slice(0, eq)}=${each(item.slice(eq + 1))}`;
  });
}

/**
 * Calls `each` with every path the options name (the context, and every value the flag table's
 * `path` column marks), with whether the build writes there, and puts back what it returns.
 */
export function visitPaths(options: BuildOptions, each: (path: string, writes: boolean) => string): BuildOptions {
  const o = { ...options } as Record<string, unknown>;
  const remote = typeof options.context === "string" && isRemote(options.context);
  if (typeof o.context === "string") o.context = each(o.context, false);
  for (const [name, row] of FLAG_ROWS) {
    const spec = row.path;
    if (!spec || o[name] === undefined || (spec.localContextOnly && remote)) continue;
    const visit = (path: string) => each(path, spec.writes === true);
    if (spec.in === "value") {
      // A Dockerfile may be an http(s) URL: never a path.
      if (typeof o[name] === "string" && !/^https?:\/\//i.test(o[name])) o[name] = visit(o[name]);
    } else if (spec.in === "entries") {
      o[name] = mapEntries(o[name], visit);
    } else {
      const { attributes, types, notTypes } = spec;
      // notTypes: a secret of type=env names a variable in src=, not a file.
      const wanted = (a: Record<string, string>) =>
        (!types || types.includes(a.type ?? "")) && !notTypes?.includes((a.type ?? "").toLowerCase()) ? attributes : [];
      // A value without attributes is a path unless it is of a type that names none (a cache's registry ref).
      const bareType = row.attributes?.defaultType;
      const bare = !bareType || !types || types.includes(bareType);
      o[name] = mapList(o[name], (item) => mapAttributes(item, wanted, visit, bare));
    }
  }
  return o as BuildOptions;
}

/**
 * The options with every local relative path converted: the context, the Dockerfile (for a local
 * context), file outputs, local caches, secret files, local build contexts, iidfile and metadataFile.
 */
export function mapPaths(options: BuildOptions, convert: (path: string) => string): BuildOptions {
  return visitPaths(options, (path) => (isLocalRelative(path) ? convert(path) : path));
}

/** `path`, relative to `fromDir`, made relative to `toDir` (unchanged when the folders are the same). */
export function rebase(path: string, fromDir: string, toDir: string): string {
  if (resolve(fromDir) === resolve(toDir)) return path;
  return relative(toDir, resolve(fromDir, path)) || ".";
}
