/**
 * Local paths inside build options. A recipe's relative paths resolve against its own folder (its
 * builds run there); a person's answers and flags are relative to the working directory. These
 * find every path an option holds and convert it.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { formatCsv, parseCsv } from "./csv.ts";
import type { BuildOptions } from "./options.ts";

/** A context that is not a local folder: a URL of any scheme (Git, HTTP, docker-image://, ...) or a Git remote. */
export function isRemote(context: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || /^git@/.test(context) || /^github\.com\//.test(context);
}

/** A value names a local path (not a URL, an image, stdin/stdout, or an absolute path). */
function isLocalRelative(path: string): boolean {
  return path !== "" && path !== "-" && !isAbsolute(path) && !isRemote(path) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/** CSV attributes with their local paths converted (`dest=` of file outputs, `src=`/`dest=` of a local cache, a secret's `src=`). */
function mapAttributes(item: unknown, keys: (attrs: Record<string, string>) => string[], convert: (path: string) => string): unknown {
  if (typeof item === "string") {
    if (!item.includes("=")) return isLocalRelative(item) ? convert(item) : item; // a bare path
    let fields: string[];
    try {
      fields = parseCsv(item);
    } catch {
      return item;
    }
    const attrs = Object.fromEntries(fields.map((f) => [f.slice(0, Math.max(0, f.indexOf("="))).trim().toLowerCase(), f.slice(f.indexOf("=") + 1)]));
    const wanted = keys(attrs);
    return formatCsv(fields.map((f) => {
      const eq = f.indexOf("=");
      const key = f.slice(0, Math.max(0, eq)).trim().toLowerCase();
      const value = f.slice(eq + 1);
      return eq > 0 && wanted.includes(key) && isLocalRelative(value) ? `${f.slice(0, eq)}=${convert(value)}` : f;
    }));
  }
  if (typeof item === "object" && item !== null && !Array.isArray(item)) {
    const record = item as Record<string, unknown>;
    const attrs = Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const wanted = keys(attrs);
    return Object.fromEntries(Object.entries(record).map(([k, v]) =>
      [k, wanted.includes(k.toLowerCase()) && typeof v === "string" && isLocalRelative(v) ? convert(v) : v]
    ));
  }
  return item;
}

function mapList(value: unknown, each: (item: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(each) : each(value);
}

/**
 * The options with every local path converted: the context, the Dockerfile (for a local context),
 * file outputs, local caches, secret files, local build contexts, iidfile and metadataFile.
 */
export function mapPaths(options: BuildOptions, convert: (path: string) => string): BuildOptions {
  const o = { ...options } as Record<string, unknown>;
  const path = (v: unknown) => (typeof v === "string" && isLocalRelative(v) ? convert(v) : v);
  const remote = typeof o.context === "string" && isRemote(o.context);
  for (const key of ["context", "iidfile", "metadataFile", ...(remote ? [] : ["file"])]) if (o[key] !== undefined) o[key] = path(o[key]);
  if (o.output !== undefined) {
    o.output = mapList(o.output, (item) => mapAttributes(item, (a) => (["local", "tar", "oci", "docker"].includes(a.type ?? "") ? ["dest"] : []), convert));
  }
  for (const key of ["cacheFrom", "cacheTo"]) {
    if (o[key] !== undefined) o[key] = mapList(o[key], (item) => mapAttributes(item, (a) => (a.type === "local" ? ["src", "dest"] : []), convert));
  }
  if (o.secret !== undefined) o.secret = mapList(o.secret, (item) => mapAttributes(item, () => ["src", "source"], convert));
  const contexts = o.buildContext;
  if (typeof contexts === "object" && contexts !== null && !Array.isArray(contexts)) {
    o.buildContext = Object.fromEntries(Object.entries(contexts).map(([k, v]) => [k, path(v)]));
  } else if (contexts !== undefined) {
    o.buildContext = mapList(contexts, (item) => {
      if (typeof item !== "string" || item.indexOf("=") <= 0) return item;
      const eq = item.indexOf("=");
      return `${item.slice(0, eq)}=${path(item.slice(eq + 1))}`;
    });
  }
  return o as BuildOptions;
}

/** `path`, relative to `fromDir`, made relative to `toDir` (unchanged when the folders are the same). */
export function rebase(path: string, fromDir: string, toDir: string): string {
  if (resolve(fromDir) === resolve(toDir)) return path;
  return relative(toDir, resolve(fromDir, path)) || ".";
}

