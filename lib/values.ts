/**
 * Option values to flag arguments, one function per value kind of the flag table. Every value is
 * checked on the way: a wrong type is an error naming the option's path, never a stray argument
 * or the text "undefined".
 */
import { CsvSyntaxError, formatCsv, parseAttributes, parseCsv } from "./csv.ts";
import type { AttributeRule, AttributeSpec, FlagKind, FlagRow, Gate } from "./flags.ts";

/** A problem with one value, at a path such as `ulimit.nofile.soft` or `tag[1]`. */
export interface ValueProblem {
  readonly path: string;
  readonly message: string;
  /** A diagnostic code more precise than `invalid-value`: `secret-value` for a secret that holds more than its whereabouts. */
  readonly code?: string;
}

/** The flag arguments for one option (`["--tag=a", "--tag=b"]`), or the problems that stop them. */
export interface Encoded {
  readonly args: string[];
  readonly problems: ValueProblem[];
  /**
   * Warnings that do not stop the value: a choice or attribute buildx-kit does not know (a newer
   * buildx or another frontend may), passed to buildx unchecked.
   */
  readonly notes: ValueProblem[];
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** Edit distance where swapping two neighbours is one edit (gah -> gha), as typos go. */
function swapDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known word a typo was meant to be: within two edits, and within half the known word's
 * length (so `tar` is never taken for `oci`). Null when none is that near.
 */
export function nearest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const k of known) {
    const d = swapDistance(word.toLowerCase(), k.toLowerCase());
    if (d > 0 && d < bestScore && d <= Math.min(2, Math.floor(k.length / 2))) [best, bestScore] = [k, d];
  }
  return best;
}

/** Describes a value for a message: `"true"` (a string), `undefined`, `an object`, `a promise`. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `the ${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return "an array";
  if (typeof (value as { then?: unknown }).then === "function") return "a promise (did you forget await?)";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  return "an object";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    typeof (value as { then?: unknown }).then !== "function";
}

/** What kind of value it is, and nothing of the value itself: for options whose values are not repeated. */
export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  if (type === "object") return typeof (value as { then?: unknown }).then === "function" ? "a promise (did you forget await?)" : "an object";
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/** Items of a string-or-array value, each with its path (a hole in a sparse array is an item, undefined). */
function items(path: string, value: unknown): { path: string; value: unknown }[] {
  if (Array.isArray(value)) return Array.from(value, (v, i) => ({ path: `${path}[${i}]`, value: v }));
  return [{ path, value }];
}

/** A string, a finite number or a boolean as text; null for anything else. */
export function scalarText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return null;
}

/**
 * One platform as buildx reads `--platform` (buildx's platformutil.Parse, then containerd's
 * platforms.Parse): `local` in any case; `os/arch` or `os/arch/variant`, where the OS may carry
 * its version in parentheses (`windows(10.0.17763)/amd64`) and any names pass; or one word alone,
 * which must be an OS or an architecture containerd knows (any case; `x86_64`, `aarch64`, `armhf`
 * and friends are the aliases it normalises). Written as a pattern source without flags (case
 * spelled out per letter) because the JSON Schema (lib/schema.ts) uses the same text, and JSON
 * Schema patterns take no flags: the schema and plan() accept exactly the same platforms.
 */
const KNOWN_OS = ["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "macos", "nacl",
  "netbsd", "openbsd", "plan9", "solaris", "windows", "zos"];
const KNOWN_ARCH = ["386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64", "mips", "mipsle",
  "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm",
  "i386", "x86_64", "x86-64", "aarch64", "armhf", "armel"];
const anyCase = (word: string) => word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
const oneOf = (words: readonly string[]) => `(?:${[...words].sort((a, b) => b.length - a.length).map(anyCase).join("|")})`;
const OS_VERSION = "(?:\\([A-Za-z0-9_.-]*\\))?";
/** The pattern source of one platform (no anchors, no flags). */
export const PLATFORM_PATTERN =
  `(?:${anyCase("local")}|${oneOf(KNOWN_OS)}${OS_VERSION}|${oneOf(KNOWN_ARCH)}|[A-Za-z0-9_-]+${OS_VERSION}/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?)`;
/** The pattern source of a `platform` string: platforms separated by commas, spaces around them allowed. */
export const PLATFORM_LIST_PATTERN = `^\\s*${PLATFORM_PATTERN}(?:\\s*,\\s*${PLATFORM_PATTERN})*\\s*$`;
const PLATFORM = new RegExp(`^${PLATFORM_PATTERN}$`, "u");
const PLATFORM_FORMS = "is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), " +
  "an OS version in parentheses (windows(10.0.17763)/amd64) or local";
const BYTES = /^\d+(\.\d+)?\s*([kmgtp]i?b?|b)?$/i;
const ULIMIT_TEXT = /^[a-z]+=-?\d+(:-?\d+)?$/;

type Encoder = (name: string, row: FlagRow, value: unknown, problems: ValueProblem[], notes: ValueProblem[]) => string[];

const ENCODERS: Record<FlagKind, Encoder> = {
  bool(name, row, value, problems) {
    if (typeof value !== "boolean") {
      problems.push({ path: name, message: `expects true or false, got ${describe(value)}` });
      return [];
    }
    return value ? [row.flag] : [];
  },

  string(name, row, value, problems, notes) {
    if (typeof value !== "string") {
      problems.push({ path: name, message: `expects a string, got ${describe(value)}` });
      return [];
    }
    if (value === "") {
      problems.push({ path: name, message: "must not be empty" });
      return [];
    }
    const before = problems.length;
    if (row.attributes?.common && row.choices) {
      // CHOICE[,key=value...]: --call=outline,format=json
      let fields: string[];
      try {
        fields = parseCsv(value);
      } catch (e) {
        problems.push({ path: name, message: (e as Error).message });
        return [];
      }
      const words = fields.filter((f) => !f.includes("="));
      if (words.length > 1) problems.push({ path: name, message: `names ${words.length} methods (${words.join(", ")}); give one, then key=value attributes` });
      if (words[0] !== undefined) checkChoice(name, row, words[0], problems, notes);
      const attrs = Object.fromEntries(fields.filter((f) => f.includes("=")).map((f) => [f.slice(0, f.indexOf("=")).trim().toLowerCase(), f.slice(f.indexOf("=") + 1)]));
      checkAttributes(name, row, row.attributes, attrs, problems, notes);
    } else if (row.choices) {
      checkChoice(name, row, value, problems, notes);
    }
    return problems.length === before ? [`${row.flag}=${value}`] : [];
  },

  list(name, row, value, problems, notes) {
    const args: string[] = [];
    for (const item of items(name, value)) {
      if (typeof item.value !== "string") {
        problems.push({ path: item.path, message: `expects a string, got ${describe(item.value)}` });
      } else if (item.value === "") {
        problems.push({ path: item.path, message: "must not be empty" });
      } else if (row.choices && row.open) {
        // Each choice by its name: device=nvidia.com/gpu is the choice device.
        const before = problems.length;
        for (const part of item.value.split(",")) checkChoice(item.path, row, part.trim().split("=")[0]!, problems, notes, item.value);
        if (problems.length === before) args.push(`${row.flag}=${item.value}`);
      } else if (row.choices && !item.value.split(",").every((v) => row.choices!.includes(v.trim()))) {
        problems.push({ path: item.path, message: `must be one of ${row.choices.join(", ")}; got ${JSON.stringify(item.value)}` });
      } else {
        args.push(`${row.flag}=${item.value}`);
      }
    }
    return args;
  },

  platforms(name, row, value, problems) {
    const platforms: string[] = [];
    for (const item of items(name, value)) {
      if (typeof item.value !== "string") {
        problems.push({ path: item.path, message: `expects a platform such as linux/amd64, got ${describe(item.value)}` });
        continue;
      }
      for (const p of item.value.split(",").map((s) => s.trim())) {
        if (PLATFORM.test(p)) platforms.push(p);
        else problems.push({ path: item.path, message: `${JSON.stringify(p)} ${PLATFORM_FORMS}` });
      }
    }
    return platforms.length ? [`${row.flag}=${platforms.join(",")}`] : [];
  },

  map(name, row, value, problems) {
    const pairs = keyValues(name, value, problems, name === "buildArg");
    if (row.keys) {
      const before = problems.length;
      for (const [k] of pairs) {
        if (row.keys.includes(k)) continue;
        const near = nearest(k, row.keys);
        problems.push({
          path: `${name}.${k}`,
          message: `${JSON.stringify(k)} is not a key of ${row.flag}${near ? ` (did you mean ${near}?)` : ""}; buildx reads ${row.keys.join(", ")}`,
        });
      }
      if (problems.length > before) return [];
    }
    return pairs.map(([k, v]) => `${row.flag}=${v === null ? k : `${k}=${v}`}`);
  },

  hosts(name, row, value, problems) {
    if (Array.isArray(value) || typeof value === "string") {
      return items(name, value).flatMap((item) => {
        if (typeof item.value === "string" && /^[^:=\s]+[:=]\S+$/.test(item.value)) return [`${row.flag}=${item.value}`];
        problems.push({ path: item.path, message: `expects host:ip, got ${describe(item.value)}` });
        return [];
      });
    }
    return keyValues(name, value, problems, false).map(([host, ip]) => `${row.flag}=${host}:${ip}`);
  },

  csv(name, row, value, problems, notes) {
    const sensitive = SENSITIVE.has(name);
    if (sensitive && !Array.isArray(value) && typeof value !== "string" && !isRecord(value)) {
      problems.push({ path: name, message: `expects attributes such as ${SECRET_FORM} (a string, a record, or an array of them), got ${kindOf(value)}` });
      return [];
    }
    return items(name, value).flatMap((item) => {
      const text = sensitive ? secretText(item.path, item.value, problems) : csvText(item.path, item.value, problems);
      if (text === null) return [];
      if (row.attributes) {
        const attrs = attributesOf(item.value);
        const before = problems.length;
        if (attrs) checkAttributes(item.path, row, row.attributes, attrs, problems, notes);
        if (problems.length > before) return [];
      }
      return [`${row.flag}=${text}`];
    });
  },

  csvOrBool(name, row, value, problems, notes) {
    if (typeof value === "boolean") return [`${row.flag}=${value}`];
    // buildx reads these once: a second value would silently replace the first.
    if (Array.isArray(value) && value.length > 1) {
      problems.push({ path: name, message: `takes one value (buildx keeps only the last ${row.flag}); got ${value.length}` });
      return [];
    }
    return ENCODERS.csv(name, row, value, problems, notes);
  },

  ulimit(name, row, value, problems) {
    if (typeof value === "string" || Array.isArray(value)) {
      return items(name, value).flatMap((item) => {
        if (typeof item.value === "string" && ULIMIT_TEXT.test(item.value)) {
          const [soft, hard] = item.value.split("=")[1]!.split(":").map(Number);
          if (hard === undefined || hard === -1 || (soft !== -1 && soft! <= hard)) return [`${row.flag}=${item.value}`];
          problems.push({ path: item.path, message: `soft limit ${soft} is above the hard limit ${hard}` });
          return [];
        }
        problems.push({ path: item.path, message: `expects name=soft[:hard] (e.g. nofile=1024:2048), got ${describe(item.value)}` });
        return [];
      });
    }
    if (!isRecord(value)) {
      problems.push({ path: name, message: `expects { nofile: { soft, hard } }, [soft, hard] per name, or "nofile=1024:2048"; got ${describe(value)}` });
      return [];
    }
    const args: string[] = [];
    for (const [limit, spec] of Object.entries(value)) {
      const path = `${name}.${limit}`;
      if (!/^[a-z]+$/.test(limit)) {
        problems.push({ path, message: `${JSON.stringify(limit)} is not a ulimit name (nofile, nproc, memlock, ...)` });
        continue;
      }
      let soft: unknown, hard: unknown, softPath = path, hardPath = path;
      if (typeof spec === "number") [soft, hard] = [spec, spec];
      else if (Array.isArray(spec) && spec.length === 2) [soft, hard, softPath, hardPath] = [spec[0], spec[1], `${path}[0]`, `${path}[1]`];
      else if (isRecord(spec)) [soft, hard, softPath, hardPath] = [spec.soft, spec.hard, `${path}.soft`, `${path}.hard`];
      else {
        problems.push({ path, message: `expects a number, [soft, hard] or { soft, hard }; got ${describe(spec)}` });
        continue;
      }
      let ok = true;
      for (const [v, p] of [[soft, softPath], [hard, hardPath]] as const) {
        if (!Number.isInteger(v) || (v as number) < -1) {
          problems.push({ path: p, message: `expects a whole number (-1 for unlimited), got ${describe(v)}` });
          ok = false;
        }
      }
      if (!ok) continue;
      if ((hard as number) !== -1 && ((soft as number) === -1 || (soft as number) > (hard as number))) {
        problems.push({ path, message: `soft limit ${soft} is above the hard limit ${hard}` });
        continue;
      }
      args.push(`${row.flag}=${limit}=${soft === hard ? soft : `${soft}:${hard}`}`);
    }
    return args;
  },

  bytes(name, row, value, problems) {
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return [`${row.flag}=${value}`];
    if (typeof value === "string" && BYTES.test(value.trim())) return [`${row.flag}=${value.trim()}`];
    problems.push({ path: name, message: `expects a size in bytes or with a unit (64m, 1g), got ${describe(value)}` });
    return [];
  },
};

/** Pairs of a key=value option; value null means "key alone" (a build arg taken from the environment). */
function keyValues(name: string, value: unknown, problems: ValueProblem[], bareKeyAllowed: boolean): [string, string | null][] {
  const pairs: [string, string | null][] = [];
  if (Array.isArray(value) || typeof value === "string") {
    for (const item of items(name, value)) {
      if (typeof item.value !== "string" || item.value === "") {
        problems.push({ path: item.path, message: `expects key=value, got ${describe(item.value)}` });
        continue;
      }
      const eq = item.value.indexOf("=");
      if (eq > 0) pairs.push([item.value.slice(0, eq), item.value.slice(eq + 1)]);
      else if (eq === -1 && bareKeyAllowed) pairs.push([item.value, null]);
      else problems.push({ path: item.path, message: `expects key=value, got ${describe(item.value)}` });
    }
    return pairs;
  }
  if (!isRecord(value)) {
    problems.push({ path: name, message: `expects a record of key: value, or key=value strings; got ${describe(value)}` });
    return pairs;
  }
  for (const [key, v] of Object.entries(value)) {
    const path = `${name}.${key}`;
    const text = scalarText(v);
    if (key === "" || key.includes("=")) problems.push({ path, message: "a key must be non-empty and hold no '='" });
    else if (text === null) problems.push({ path, message: `expects a string, number or boolean, got ${describe(v)}` });
    else pairs.push([key, text]);
  }
  return pairs;
}

/** One CSV-attribute value as text, or null after recording why it cannot be one. */
function csvText(path: string, value: unknown, problems: ValueProblem[]): string | null {
  if (typeof value === "string") {
    if (value.trim() === "") {
      problems.push({ path, message: "must not be empty" });
      return null;
    }
    try {
      parseCsv(value);
    } catch (e) {
      problems.push({ path, message: (e as Error).message });
      return null;
    }
    return value;
  }
  if (!isRecord(value)) {
    problems.push({ path, message: `expects attributes as a string (type=local,dest=out) or a record, got ${describe(value)}` });
    return null;
  }
  const fields: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const text = scalarText(v);
    if (text === null) problems.push({ path: `${path}.${key}`, message: `expects a string, number or boolean, got ${describe(v)}` });
    else fields.push(`${key}=${text}`);
  }
  if (fields.length === 0) {
    problems.push({ path, message: "has no attributes" });
    return null;
  }
  return formatCsv(fields);
}

/**
 * True when a value only turns off what the flag controls: `false` for a `csvOrBool` flag
 * (`provenance: false`). A buildx older than the flag has nothing to turn off, so the plan
 * leaves such a value out there instead of refusing it.
 */
export function turnsOff(row: FlagRow, value: unknown): boolean {
  return row.kind === "csvOrBool" && value === false;
}

// ---------------------------------------------------------------------------------------------
// Secrets: a secret names where its value comes from (a file, an environment variable), and its
// attributes are checked as buildx checks them. Nothing given here is ever repeated in a message:
// a field that is not key=value, an unknown attribute's name, a type or an env value may be the
// secret itself, pasted where its whereabouts were expected. Only attribute names from the lists
// below are named.

/** Options whose values are never repeated in a message. */
const SENSITIVE: ReadonlySet<string> = new Set(["secret"]);

/** Whether an option's values are never repeated in a message (`secret`). */
export function isSensitive(option: string): boolean {
  return SENSITIVE.has(option);
}

/** The attributes of a `--secret` (buildx reads their names case-insensitively). */
export const SECRET_KEYS: readonly string[] = ["id", "type", "src", "source", "env"];
const SECRET_ATTRIBUTES: ReadonlySet<string> = new Set(SECRET_KEYS);

/** Attribute names people write by mistake, safe to name in a message: words, not values. */
const NAMED_MISTAKES: ReadonlySet<string> = new Set([
  "value", "values", "token", "password", "passwd", "pass", "secret", "data", "content", "contents", "text", "key",
  "apikey", "api-key", "api_key", "credential", "credentials", "auth", "string", "literal", "name", "path", "file",
  "dest", "target", "required", "mode", "uid", "gid", "var", "variable",
]);

const SECRET_FORM = "id=NAME,src=FILE or id=NAME,env=VARIABLE";
const SECRET_RULE = `a secret says where its value comes from (${SECRET_FORM}), never the value itself`;

/** The known attribute one edit away from a short unknown name (`scr` -> `src`), or null. */
function nearAttribute(name: string): string | null {
  if (name.length < 2 || name.length > 7) return null;
  const near = (a: string, b: string): boolean => {
    if (Math.abs(a.length - b.length) > 1) return false;
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    // one substitution, insertion, deletion, or a swap of neighbours
    return a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i) ||
      (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  };
  return SECRET_KEYS.find((k) => near(name, k)) ?? null;
}

/** Checks one attribute of a secret; `field` is its 1-based place in a string, null in a record. */
function secretAttribute(path: string, field: number | null, key: string | null, value: string, problems: ValueProblem[]): void {
  const where = field === null ? "" : ` field ${field},`;
  if (key === null) {
    problems.push({ path, code: "secret-value", message: `holds${where} which is not key=value (not shown: it may be the secret itself); write ${SECRET_FORM}` });
    return;
  }
  const name = key.trim().toLowerCase();
  if (!SECRET_ATTRIBUTES.has(name)) {
    const near = nearAttribute(name);
    const named = NAMED_MISTAKES.has(name) || near !== null;
    problems.push({
      path, code: "secret-value",
      message: named
        ? `"${name}" is not a secret attribute${near ? ` (did you mean ${near}?)` : ""}: ${SECRET_RULE}`
        : `holds an attribute that is not id, type, src, source or env (${field === null ? "its name" : `field ${field}`} is not shown: it may be the secret itself): ${SECRET_RULE}`,
    });
    return;
  }
  if (name === "type" && value !== "file" && value !== "env") {
    problems.push({ path, message: "type must be file or env (the type given is not shown: it may be the secret itself)" });
  } else if (name === "env" && (value === "" || value.includes("="))) {
    problems.push({ path, code: "secret-value", message: `env= names an environment variable, and the name given is empty or holds "=" (not shown: it may be the secret itself); write ${SECRET_FORM}` });
  } else if (value === "" && name !== "type") {
    problems.push({ path, message: `${name}= is empty; write ${SECRET_FORM}` });
  }
}

/** One secret as `--secret` text, or null after recording, without repeating it, why it cannot be one. */
function secretText(path: string, value: unknown, problems: ValueProblem[]): string | null {
  const before = problems.length;
  if (typeof value === "string") {
    if (value.trim() === "") {
      problems.push({ path, message: `must not be empty; write ${SECRET_FORM}` });
      return null;
    }
    let fields: string[];
    try {
      fields = parseCsv(value);
    } catch (e) {
      const reason = e instanceof CsvSyntaxError ? e.reason : "is not one CSV record";
      problems.push({ path, message: `${reason} (the text is not shown: it may hold the secret); write ${SECRET_FORM}, quoting a field that holds a comma` });
      return null;
    }
    fields.forEach((f, i) => {
      const eq = f.indexOf("=");
      secretAttribute(path, i + 1, eq === -1 ? null : f.slice(0, eq), eq === -1 ? "" : f.slice(eq + 1), problems);
    });
    return problems.length === before ? value : null;
  }
  if (!isRecord(value)) {
    problems.push({ path, message: `expects attributes such as ${SECRET_FORM} (a string) or { id, src } (a record), got ${kindOf(value)}` });
    return null;
  }
  const fields: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const name = key.trim().toLowerCase();
    const shown = SECRET_ATTRIBUTES.has(name) || NAMED_MISTAKES.has(name) || nearAttribute(name) !== null;
    const at = shown ? `${path}.${key}` : path;
    const text = scalarText(v);
    if (text === null) problems.push({ path: at, message: `expects a string, got ${kindOf(v)}` });
    else {
      secretAttribute(at, null, key, text, problems);
      fields.push(`${key}=${text}`);
    }
  }
  if (fields.length === 0 && problems.length === before) {
    problems.push({ path, message: `has no attributes; write ${SECRET_FORM}` });
  }
  return problems.length === before ? formatCsv(fields) : null;
}

/** The flag arguments for one option of the table, with every problem in its value. */
export function encodeOption(name: string, row: FlagRow, value: unknown): Encoded {
  const problems: ValueProblem[] = [];
  const notes: ValueProblem[] = [];
  const args = ENCODERS[row.kind](name, row, value, problems, notes);
  return { args: problems.length ? [] : args, problems, notes };
}

// ---------------------------------------------------------------------------------------------
// Choices and attributes, as the table knows them: typos are errors with the word meant, words
// the table does not know pass (where the row is open) with a warning.

/** Go's strconv.ParseBool. */
const BOOL_WORDS = new Set(["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"]);

/** Reads a CSV value (string or record) into lower-case attribute names and their text; null when it is neither, or a bare word. */
export function attributesOf(value: unknown): Record<string, string> | null {
  if (typeof value === "string") {
    if (!value.includes("=")) return null; // a bare path, or a registry ref for a cache
    try {
      return parseAttributes(value);
    } catch {
      return null;
    }
  }
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), scalarText(v) ?? ""]));
  return null;
}

function checkChoice(path: string, row: FlagRow, word: string, problems: ValueProblem[], notes: ValueProblem[], whole: string = word): void {
  const choices = row.choices!;
  if (choices.includes(word)) return;
  const near = nearest(word, choices);
  if (!row.open || near) {
    problems.push({ path, message: `must be one of ${choices.join(", ")}${row.open ? " (or another buildx knows)" : ""}; got ${JSON.stringify(whole)}${near ? ` (did you mean ${near}?)` : ""}` });
    return;
  }
  notes.push({ path, code: "unknown-choice", message: `${JSON.stringify(word)} is not one buildx-kit knows (${choices.join(", ")}); passed to buildx unchecked` });
}

/** The attribute rules that apply to these attributes, and the `type=` they were picked by (null without types). */
function rulesFor(spec: AttributeSpec, attrs: Record<string, string>): { type: string | null; rules: Readonly<Record<string, AttributeRule>> | null } {
  if (!spec.types) return { type: null, rules: spec.common ?? {} };
  const type = (attrs.type ?? spec.defaultType ?? "").toLowerCase();
  const found = spec.types[type];
  return { type, rules: found ? { ...found.attributes, ...spec.common } : null };
}

function checkAttributes(
  path: string, row: FlagRow, spec: AttributeSpec, attrs: Record<string, string>, problems: ValueProblem[], notes: ValueProblem[],
): void {
  const { type, rules } = rulesFor(spec, attrs);
  if (type === "") return; // no type= written and none by default: buildx says what it reads
  const where = type === null ? row.flag : `${row.flag} type=${type}`;
  if (rules === null) {
    const known = Object.keys(spec.types!);
    const near = nearest(type!, known);
    if (near) problems.push({ path, message: `type=${type} is not a ${row.flag} type (did you mean ${near}?); buildx-kit knows ${known.join(", ")}` });
    else notes.push({ path, code: "unknown-type", message: `type=${type} is not a ${row.flag} type buildx-kit knows (${known.join(", ")}); passed to buildx unchecked` });
    return;
  }
  const closed = spec.types === undefined; // a flag's own attributes (call, policy): buildx refuses others
  for (const [key, text] of Object.entries(attrs)) {
    if (key === "type" && type !== null) continue;
    const rule = rules[key];
    if (!rule) {
      if (spec.prefixes?.some((p) => key.startsWith(p))) continue;
      const near = nearest(key, Object.keys(rules));
      if (near || closed) {
        problems.push({ path, message: `${JSON.stringify(key)} is not an attribute of ${where}${near ? ` (did you mean ${near}?)` : ""}; it reads ${Object.keys(rules).join(", ") || "none"}` });
      } else {
        notes.push({ path, code: "unknown-attribute", message: `${JSON.stringify(key)} is not an attribute buildx-kit knows for ${where}; passed to buildx unchecked` });
      }
      continue;
    }
    if (rule.bool && !BOOL_WORDS.has(text)) {
      problems.push({ path, message: `${key}= expects true or false, got ${JSON.stringify(text)}` });
    } else if (rule.values && !rule.values.includes(text)) {
      const near = nearest(text, rule.values);
      problems.push({ path, message: `${key}= must be one of ${rule.values.join(", ")}; got ${JSON.stringify(text)}${near ? ` (did you mean ${near}?)` : ""}` });
    }
  }
}

/** A piece of a value that needs a newer buildx or BuildKit than its flag: a choice, a type, an attribute. */
export interface GatedUse {
  /** The option path (`progress`, `output[1]`). */
  readonly path: string;
  /** What it is, as written on the command line: `--progress=none`, `--output type=local mode=`. */
  readonly what: string;
  readonly gate: Gate;
}

/**
 * Every choice and attribute in a value whose version floor is later than its flag's, from the
 * table's `choiceGates` and attribute rules. Values that do not parse give none (their problems
 * are reported by `encodeOption`).
 */
export function gatedUses(name: string, row: FlagRow, value: unknown): GatedUse[] {
  const uses: GatedUse[] = [];
  for (const item of items(name, value)) {
    if (row.choiceGates && typeof item.value === "string") {
      const words = row.kind === "list" ? item.value.split(",") : [item.value.split(",")[0]!];
      for (const word of words.map((w) => w.trim().split("=")[0]!)) {
        const gate = row.choiceGates[word];
        if (gate) uses.push({ path: item.path, what: `${row.flag}=${word}`, gate });
      }
    }
    if (!row.attributes || row.kind === "string") continue;
    const attrs = attributesOf(item.value);
    if (!attrs) continue;
    const { type, rules } = rulesFor(row.attributes, attrs);
    const typeSpec = type ? row.attributes.types?.[type] : undefined;
    if (typeSpec && (typeSpec.since || typeSpec.buildkit)) uses.push({ path: item.path, what: `${row.flag} type=${type}`, gate: typeSpec });
    for (const [key, text] of Object.entries(attrs)) {
      const rule = rules?.[key];
      if (!rule) continue;
      const prefix = type ? `${row.flag} type=${type}` : row.flag;
      if (rule.since || rule.buildkit) uses.push({ path: item.path, what: `${prefix} ${key}=`, gate: rule });
      if (rule.whenTrue && /^(1|t|true)$/i.test(text)) uses.push({ path: item.path, what: `${prefix} ${key}=true`, gate: rule.whenTrue });
    }
  }
  return uses;
}

/**
 * Arguments for a flag the table does not know, named in camelCase or kebab-case: `true` is a bare
 * flag, `false` nothing, an array repeats it.
 */
export function encodeExtraFlag(name: string, value: unknown): Encoded {
  const flag = `--${name.replace(/^-+/, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, "-")}`;
  const path = `extraFlags.${name}`;
  const problems: ValueProblem[] = [];
  const notes: ValueProblem[] = [];
  if (!/^--[a-z0-9][a-z0-9-]*$/.test(flag)) {
    problems.push({ path, message: `${JSON.stringify(name)} is not a flag name` });
    return { args: [], problems, notes };
  }
  if (value === true) return { args: [flag], problems, notes };
  if (value === false) return { args: [], problems, notes };
  const args: string[] = [];
  for (const item of items(path, value)) {
    if (typeof item.value === "string") args.push(`${flag}=${item.value}`);
    else problems.push({ path: item.path, message: `expects a string, a boolean or an array of strings, got ${describe(item.value)}` });
  }
  return { args: problems.length ? [] : args, problems, notes };
}
