/**
 * One codec per value kind of the flag table (`FlagKind`): everything that depends on how a
 * `map`, `hosts`, `csv`, `ulimit`, `bytes`, `platforms`, ... value is written, in one place.
 *
 * A codec gives its kind's TypeScript type and JSON Schema fragment, encodes a value to argv
 * words (checking it on the way: the messages of `plan()`), decodes argv words back into a value
 * (the CLI and template parser), applies a `--set` override, splits a value into the entries the
 * guide shows and joins typed entries back, converts to and from bake's representation, and
 * merges two values (the template's defaults under its text). Per-flag facts (bare keys,
 * attributes, choices, sensitivity) are columns of the flag table (lib/core/flags.ts); what is common to
 * every kind (describing a value, attribute checks, secrets) is in lib/core/values.ts.
 *
 * This module is the only place that branches on a kind: everything else asks `codecOf(row)`.
 */
import { formatCsv, parseCsv } from "./csv.ts";
import type { Diagnostic, DiagnosticLevel, ParseCode } from "./diagnostics.ts";
import type { FlagKind, FlagRow, Gate } from "./flags.ts";
import {
  attributesOf,
  checkAttributes,
  checkChoice,
  describe,
  type Encoded,
  isRecord,
  items,
  kindOf,
  nearest,
  rulesFor,
  scalarText,
  SECRET_FORM,
  secretText,
  type ValueProblem,
} from "./values.ts";

/** A JSON Schema (draft-07) fragment. */
export type JsonSchema = { readonly [key: string]: unknown };

/** How the guide asks for a value of a kind: a yes/no, yes/no/settings, one text, or entries one at a time. */
export type Question = "confirm" | "toggle" | "text" | "entries";

/** How a flag takes its value on the command line: never (`--push`), optionally (`--sbom`, `--sbom=false`), or always. */
export type TakesValue = "never" | "optional" | "always";

/** One occurrence of a flag on a command line: its value, or `true` for a flag given bare. */
export interface Occurrence {
  readonly value: string | true;
  /** The flag as written (`-t`, `--tag`), for messages. */
  readonly as: string;
}

/** Records a diagnostic: the parser's `say`. */
export type Say = (level: DiagnosticLevel, code: ParseCode, option: string | null, message: string, hint?: string) => void;

/** A `--set` override applied to a value: the new value, or why it cannot be applied. */
export type SetResult = { readonly value: unknown } | { readonly problem: string };

/** Where a bake value is read from, for `KindCodec.fromBake`: its path, and how to report a problem there. */
export interface BakeSource {
  /** The value's path in the bake file (`target.app.args`). */
  readonly path: string;
  /** Records a problem at a path. */
  readonly problem: (path: string, message: string) => void;
  /** Reads a bake list (strings, or records as CSV text), reporting what is not one; null when it is not a list. */
  readonly strings: (value: unknown, path: string) => string[] | null;
  /** The path of an element or key below `path`. */
  readonly child: (path: string, key: string | number) => string;
}

/** Everything the kit does with a value of one kind. */
export interface KindCodec {
  /** The kind this codec reads and writes. */
  readonly kind: FlagKind;
  /** The value's TypeScript type, as lib/core/options.ts writes it. */
  readonly type: string;
  /** How the flag takes its value on the command line. */
  readonly takes: TakesValue;
  /** Whether the flag may be given more than once on a command line, each time adding to the value. */
  readonly repeatable: boolean;
  /** Whether several values go into one argument, joined by commas (`--platform=a,b`), rather than one argument each. */
  readonly joined: boolean;
  /** Whether values are key=value entries held as a record (`{ VERSION: "1" }`): merged per key, sorted when saved. */
  readonly keyed: boolean;
  /** Whether `--set NAME.ENTRY=VALUE` sets one entry (`buildArg.VERSION=1`, `ulimit.nofile=1024`). */
  readonly settable: boolean;
  /** How the guide asks for it (a row with `choices` picks among them instead of typing). */
  readonly question: Question;
  /** The words of one text that name choices of the row (`device` of `device=nvidia.com/gpu`): the first, or each for a list. */
  choiceWords(text: string): string[];
  /** The JSON Schema of the value: accepts exactly what `encode` accepts, but what lib/recipe/schema.ts says a schema leaves to loading. */
  schema(row: FlagRow): JsonSchema;
  /** The flag arguments for a value, recording each problem (an error) and note (a warning) at its path below `name`. */
  encode(name: string, row: FlagRow, value: unknown, problems: ValueProblem[], notes: ValueProblem[]): string[];
  /** The value of every occurrence of the flag on a command line (the parser's), saying what it drops. */
  decode(name: string, row: FlagRow, occurrences: readonly Occurrence[], say: Say): unknown;
  /** Applies `--set NAME[.ENTRY]=TEXT` to the current value; `first` is true for the first `--set` of the option. */
  set(name: string, current: unknown, entry: string | null, text: string, first: boolean): SetResult;
  /** The entries of a value, as the guide shows them and a person types them (`KEY=value`, `nofile=1024:2048`). */
  toEntries(row: FlagRow, value: unknown): string[];
  /** The value for typed entries (undefined when there are none); an entry that does not read stays text, for the plan to name. */
  fromEntries(row: FlagRow, entries: readonly string[]): unknown;
  /** A value the plan accepts, to ask whether the option itself is possible on a machine. */
  sample(row: FlagRow): unknown;
  /** The value as its bake key holds it; null when bake cannot hold it (or the value is invalid: the plan reports that). */
  toBake(name: string, row: FlagRow, value: unknown, diagnostics: Diagnostic[]): unknown;
  /** A bake key's value back into an option value (canonical: one element is a string); undefined after a problem, or when empty. */
  fromBake(row: FlagRow, value: unknown, at: BakeSource): unknown;
  /**
   * Two values of one option (`before` under `after`) as one, calling `overridden` for each entry
   * replaced; null when they do not merge (the later then replaces the earlier whole).
   */
  merge(row: FlagRow, before: unknown, after: unknown, overridden: (entry: string, from: unknown, to: unknown) => void): { value: unknown } | null;
}

// ---------------------------------------------------------------------------------------------
// Grammars shared by the codecs, the parsers and the schema.

/**
 * One platform as buildx reads `--platform` (buildx's platformutil.Parse, then containerd's
 * platforms.Parse): `local` in any case; `os/arch` or `os/arch/variant`, where the OS may carry
 * its version in parentheses (`windows(10.0.17763)/amd64`) and any names pass; or one word alone,
 * which must be an OS or an architecture containerd knows (any case; `x86_64`, `aarch64`, `armhf`
 * and friends are the aliases it normalises). Written as a pattern source without flags (case
 * spelled out per letter) because the JSON Schema uses the same text, and JSON Schema patterns
 * take no flags: the schema and plan() accept exactly the same platforms.
 */
const KNOWN_OS: readonly string[] = [
  "aix",
  "android",
  "darwin",
  "dragonfly",
  "freebsd",
  "hurd",
  "illumos",
  "ios",
  "js",
  "linux",
  "macos",
  "nacl",
  "netbsd",
  "openbsd",
  "plan9",
  "solaris",
  "windows",
  "zos",
];
const KNOWN_ARCH: readonly string[] = [
  "386",
  "amd64",
  "amd64p32",
  "arm",
  "armbe",
  "arm64",
  "arm64be",
  "ppc64",
  "ppc64le",
  "loong64",
  "mips",
  "mipsle",
  "mips64",
  "mips64le",
  "mips64p32",
  "mips64p32le",
  "ppc",
  "riscv",
  "riscv64",
  "s390",
  "s390x",
  "sparc",
  "sparc64",
  "wasm",
  "i386",
  "x86_64",
  "x86-64",
  "aarch64",
  "armhf",
  "armel",
];

/** A pattern source matching `word` in any case, for patterns without flags. */
export function anyCase(word: string): string {
  return word.replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}
const oneOf = (words: readonly string[]): string => `(?:${[...words].sort((a, b) => b.length - a.length).map(anyCase).join("|")})`;
const OS_VERSION = "(?:\\([A-Za-z0-9_.-]*\\))?";
/** The pattern source of one platform (no anchors, no flags). */
export const PLATFORM_PATTERN: string = `(?:${anyCase("local")}|${oneOf(KNOWN_OS)}${OS_VERSION}|${
  oneOf(KNOWN_ARCH)
}|[A-Za-z0-9_-]+${OS_VERSION}/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?)`;
/** The pattern source of a `platform` string: platforms separated by commas, spaces around them allowed. */
export const PLATFORM_LIST_PATTERN: string = `^\\s*${PLATFORM_PATTERN}(?:\\s*,\\s*${PLATFORM_PATTERN})*\\s*$`;
const PLATFORM = new RegExp(`^${PLATFORM_PATTERN}$`, "u");
const PLATFORM_FORMS = "is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), " +
  "an OS version in parentheses (windows(10.0.17763)/amd64) or local";

/**
 * A size as every buildx reads `--shm-size` (docker's go-units RAMInBytes, as vendored from
 * buildx 0.13 on): digits with one optional fraction, one optional space, then an optional unit:
 * `b`, or `k`, `m`, `g`, `t` or `p` with an optional `b` or `ib`, in any case. buildx-kit trims
 * space around the value before it checks and writes it; buildx itself takes none there.
 */
export const BYTES_PATTERN = "^\\d+(?:\\.\\d+)? ?(?:[kKmMgGtTpP](?:[iI]?[bB])?|[bB])?$";
const BYTES = new RegExp(BYTES_PATTERN);

/**
 * The pattern source of one ulimit as text, `name=soft[:hard]` (go-units ParseUlimit's form), for
 * the names a row knows. A limit is a whole number or -1 (unlimited), as in the record form:
 * buildx would take -5 too, which no limit means.
 */
export function ulimitPattern(row: FlagRow): string {
  return `^${row.keys ? `(?:${row.keys.map(escapeRegExp).join("|")})` : "[a-z]+"}=(?:-1|\\d+)(?::(?:-1|\\d+))?$`;
}
const ULIMIT_TEXT = /^([a-z]+)=(-1|\d+)(?::(-1|\d+))?$/;
const LIMITS_TEXT = /^(-1|\d+)(?::(-1|\d+))?$/;

/** One ulimit: its name and limits (the hard limit is the soft one when not given). */
export interface Ulimit {
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

/** Reads `name=soft[:hard]` (`nofile=1024:2048`); null when it is not that. */
export function parseUlimit(text: string): Ulimit | null {
  const m = ULIMIT_TEXT.exec(text);
  return m ? { name: m[1]!, soft: Number(m[2]), hard: Number(m[3] ?? m[2]) } : null;
}

/** A ulimit as text: `nofile=1024`, `nofile=1024:2048`. */
export function formatUlimit(name: string, soft: unknown, hard: unknown): string {
  return `${name}=${soft === hard ? String(soft) : `${String(soft)}:${String(hard)}`}`;
}

/** Limits as an option holds them: one number when soft and hard agree, else `{ soft, hard }`. */
function limits(soft: number, hard: number): number | { soft: number; hard: number } {
  return soft === hard ? soft : { soft, hard };
}

/** Entry names that would reach an object's prototype instead of adding an entry. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__"]);

/**
 * One entry of a key=value kind, split where buildx splits it: at the first `=` for a `map`, at
 * the first `:` or `=` for `hosts`. `[key, value]`, value null for a key alone (no separator);
 * null when the key is empty.
 */
export function splitEntry(kind: "map" | "hosts", text: string): [key: string, value: string | null] | null {
  const at = kind === "hosts" ? text.search(/[:=]/) : text.indexOf("=");
  if (at === 0 || text === "") return null;
  return at === -1 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

/**
 * The entry a `--set` names and its text: `NAME.ENTRY=TEXT` as given, or `NAME=ENTRY<sep>TEXT`
 * split as `kind` splits entries; a problem when there is no entry, or it would reach an object's prototype.
 */
function setEntry(kind: "map" | "hosts", name: string, entry: string | null, text: string): [key: string, value: string] | { problem: string } {
  if (entry !== null) return [entry, text];
  const split = splitEntry(kind, text);
  if (!split || split[1] === null) return { problem: `expects ${name}.NAME=VALUE or ${name}=NAME${kind === "hosts" ? ":" : "="}VALUE` };
  if (PROTOTYPE_KEYS.has(split[0])) return { problem: `"${split[0]}" cannot be an entry name (it names a part of every JavaScript object)` };
  return [split[0], split[1]];
}

/** The items of a value that may be one or an array. */
function listOf(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A list of one as its element, else the list (undefined when empty): the canonical form of a list option. */
function oneOrList(list: readonly string[]): string | string[] | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0]! : [...list];
}

/** The example of a row as a value: a JSON record parsed, text as it is; undefined without one. */
function exampleValue(row: FlagRow): unknown {
  if (row.example === undefined) return undefined;
  if (!row.example.startsWith("{")) return row.example;
  try {
    return JSON.parse(row.example) as unknown;
  } catch {
    return row.example;
  }
}

/** An example entry as the guide asks for it (`key=value`, `host=ip`, `nofile=1024:2048`), or null. */
export function exampleEntry(row: FlagRow): string | null {
  const example = exampleValue(row);
  if (example === undefined) return null;
  return typeof example === "string" ? example : codecOf(row).toEntries(row, example)[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Schema pieces.

const NON_EMPTY: JsonSchema = { type: "string", minLength: 1 };
const SCALAR: JsonSchema = { type: ["string", "number", "boolean"] };

/** One item, or an array of them. */
function oneOrMany(item: JsonSchema): JsonSchema {
  return { anyOf: [item, { type: "array", items: item }] };
}

/** A regular-expression source matching `text` literally. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One field of a CSV record, as lib/core/csv.ts reads it: quoted (quotes doubled), or without quotes and commas. */
const CSV_FIELD = '(?:"(?:[^"]|"")*"|[^",]*)';
/** A CSV record as lib/core/csv.ts reads it. */
const CSV_SYNTAX = `^${CSV_FIELD}(?:,${CSV_FIELD})*$`;
/** A CSV record as lib/core/csv.ts reads it, with something besides space in it. */
const CSV_RECORD = `^(?=[\\s\\S]*\\S)${CSV_SYNTAX.slice(1)}`;

/**
 * A secret's CSV text: each field one of the row's attributes (any case, space around the name)
 * with a value as lib/core/values.ts checks it: `type` one of its values, `env` a variable's name (no
 * `=`), the others not empty. Quoted or not.
 */
function secretRecordPattern(row: FlagRow): string {
  const rules = row.attributes?.common ?? {};
  const field = (quoted: boolean): string => {
    const char = quoted ? '(?:[^"]|"")' : '[^",]';
    const noEq = quoted ? '(?:[^"=]|"")' : '[^",=]';
    const alternatives = Object.entries(rules).map(([name, rule]) => {
      const value = rule.values ? `(?:${rule.values.map(escapeRegExp).join("|")})` : name === "env" ? `${noEq}+` : `${char}+`;
      return `\\s*${anyCase(name)}\\s*=${value}`;
    });
    const inner = `(?:${alternatives.join("|")})`;
    return quoted ? `"${inner}"` : inner;
  };
  const one = `(?:${field(true)}|${field(false)})`;
  return `^${one}(?:,${one})*$`;
}

/** A secret as a record: the row's attributes (any case, space around), each with a value as in text. */
function secretRecordSchema(row: FlagRow): JsonSchema {
  const rules = row.attributes?.common ?? {};
  const nameOf = (name: string): string => `^\\s*${anyCase(name)}\\s*$`;
  const properties: Record<string, JsonSchema> = {};
  for (const [name, rule] of Object.entries(rules)) {
    properties[nameOf(name)] = rule.values
      ? { enum: [...rule.values] }
      : name === "env"
      ? { anyOf: [{ type: "string", pattern: "^[^=]+$" }, { type: ["number", "boolean"] }] }
      : { anyOf: [NON_EMPTY, { type: ["number", "boolean"] }] };
  }
  return {
    type: "object",
    minProperties: 1,
    propertyNames: { pattern: `^\\s*(?:${Object.keys(rules).map(anyCase).join("|")})\\s*$` },
    patternProperties: properties,
    additionalProperties: SCALAR,
  };
}

/** One CSV value of a row: text (one CSV record) or a record of attributes. */
function csvItemSchema(row: FlagRow): JsonSchema {
  if (row.sensitive) {
    return { anyOf: [{ type: "string", pattern: secretRecordPattern(row), description: SECRET_FORM }, secretRecordSchema(row)] };
  }
  return {
    anyOf: [
      { type: "string", pattern: CSV_RECORD, description: "CSV attributes, e.g. type=local,dest=out" },
      { type: "object", minProperties: 1, additionalProperties: SCALAR },
    ],
  };
}

/** A key=value kind: a record (its names and values as `record` says), one `k=v` string, or an array of them. */
function keyValuesSchema(itemPattern: string, itemDescription: string, record: JsonSchema): JsonSchema {
  const item: JsonSchema = { type: "string", pattern: itemPattern, description: itemDescription };
  return { anyOf: [{ type: "object", ...record }, item, { type: "array", items: item }] };
}

/** One `--add-host` entry as text: a host name without `:`, `=` or space, then its address. */
const HOST_ENTRY = "^[^:=\\s]+[:=]\\S+$";

// ---------------------------------------------------------------------------------------------
// Behaviour shared by several kinds.

/** The value of a flag given once on a command line: the last occurrence, with a warning when an earlier, different one is dropped. */
function lastOccurrence(row: FlagRow, name: string, occurrences: readonly Occurrence[], say: Say): Occurrence {
  const last = occurrences[occurrences.length - 1]!;
  const distinct = new Set(occurrences.map((o) => String(o.value)));
  if (distinct.size > 1) {
    say(
      "warning",
      "repeated-flag",
      name,
      `${row.flag} is given ${occurrences.length} times; the last, ${JSON.stringify(String(last.value))}, wins`,
      `give ${row.flag} once`,
    );
  }
  return last;
}

/** The texts of every occurrence (a bare flag is the empty text). */
function texts(occurrences: readonly Occurrence[]): string[] {
  return occurrences.map((o) => (o.value === true ? "" : o.value));
}

/** `--set` of a list kind: the first replaces the recipe's value, later ones add to it. */
function setListItem(current: unknown, text: string, first: boolean): SetResult {
  if (first || current === undefined || typeof current === "boolean") return { value: text };
  return { value: [...(Array.isArray(current) ? current : [current]), text] };
}

/**
 * The entries of a value as typed text: each string as it is, anything else but an object as its
 * text, and each object as `record` writes it.
 */
function entryTexts(value: unknown, record: (item: Record<string, unknown>) => string[]): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((item: unknown): string[] => {
    if (typeof item === "string") return [item];
    if (typeof item !== "object" || item === null) return [String(item)];
    return record(item as Record<string, unknown>);
  });
}

/** The entries of a value as typed text: strings as they are, a record as one CSV record. */
function csvEntries(value: unknown): string[] {
  return entryTexts(value, (item) => [formatCsv(Object.entries(item).map(([k, v]) => `${k}=${String(v)}`))]);
}

/** Reads a bake list of strings (records as CSV text) as a list option. */
function listFromBake(value: unknown, at: BakeSource): unknown {
  const list = at.strings(value, at.path);
  return list ? oneOrList(list) : undefined;
}

/** The flag's texts for a valid value (what follows `--flag=`). */
function argTexts(name: string, row: FlagRow, value: unknown): string[] | null {
  const { args, problems } = encodeOption(name, row, value);
  if (problems.length) return null;
  return args.map((a) => (a === row.flag ? "" : a.slice(row.flag.length + 1)));
}

/** What every codec does the same way unless it says otherwise. */
const BASE = {
  takes: "always",
  repeatable: false,
  joined: false,
  keyed: false,
  settable: false,
  choiceWords(text: string): string[] {
    return [text.split(",")[0]!.trim().split("=")[0]!];
  },
  toEntries(_row: FlagRow, value: unknown): string[] {
    return csvEntries(value);
  },
  fromEntries(_row: FlagRow, entries: readonly string[]): unknown {
    return entries.length ? [...entries] : undefined;
  },
  sample(row: FlagRow): unknown {
    const entry = exampleEntry(row) ?? "x";
    return codecOf(row).fromEntries(row, [entry]);
  },
  merge(): { value: unknown } | null {
    return null;
  },
} as const satisfies Partial<KindCodec>;

/** What the kinds of one text (`string`, `bytes`) share: the last of a repeated flag wins, one entry, bake's one string. */
const ONE_TEXT = {
  ...BASE,
  question: "text",
  decode(name: string, row: FlagRow, occurrences: readonly Occurrence[], say: Say): unknown {
    const last = lastOccurrence(row, name, occurrences, say);
    return last.value === true ? "" : last.value;
  },
  toEntries: (_row: FlagRow, value: unknown): string[] => listOf(value).map(String),
  fromEntries: (_row: FlagRow, entries: readonly string[]): unknown => entries[0],
  toBake: (name: string, row: FlagRow, value: unknown): unknown => argTexts(name, row, value)?.[0] ?? null,
} as const satisfies Partial<KindCodec>;

// ---------------------------------------------------------------------------------------------
// Key=value kinds: map and hosts.

/** Pairs of a key=value value; value null means "key alone" (a build arg taken from the environment). */
function keyValuePairs(name: string, row: FlagRow, value: unknown, problems: ValueProblem[]): [string, string | null][] {
  const pairs: [string, string | null][] = [];
  if (Array.isArray(value) || typeof value === "string") {
    for (const item of items(name, value)) {
      const entry = typeof item.value === "string" ? splitEntry("map", item.value) : null;
      if (entry && (entry[1] !== null || row.bareKeys)) pairs.push(entry);
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

/** The pairs of a key=value value for merging (record or `k=v` strings); null when it is not one. */
function mergePairs(kind: "map" | "hosts", value: unknown): [string, string | null][] | null {
  if (typeof value === "string" || Array.isArray(value)) {
    const pairs: [string, string | null][] = [];
    for (const item of typeof value === "string" ? [value] : value) {
      const entry = typeof item === "string" ? splitEntry(kind, item) : null;
      if (!entry) return null;
      pairs.push(entry);
    }
    return pairs;
  }
  if (!isRecord(value)) return null;
  const pairs: [string, string | null][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return null;
    pairs.push([k, String(v)]);
  }
  return pairs;
}

/** A key=value value as a record (undefined: empty), or null when an entry has no record form (a key alone). */
function toRecord(kind: "map" | "hosts", value: unknown): Record<string, unknown> | null {
  if (value === undefined) return {};
  if (isRecord(value)) return { ...value };
  const out: Record<string, unknown> = {};
  for (const item of listOf(value)) {
    const entry = typeof item === "string" ? splitEntry(kind, item) : null;
    if (!entry || entry[1] === null) return null;
    out[entry[0]] = entry[1];
  }
  return out;
}

/** The codec of a key=value kind, splitting entries as `kind` does and writing `host:ip` for hosts. */
function keyValueCodec(kind: "map" | "hosts"): KindCodec {
  const separator = kind === "hosts" ? ":" : "=";
  return {
    ...BASE,
    kind,
    type: "KeyValues",
    repeatable: true,
    keyed: true,
    settable: true,
    question: "entries",

    schema(row) {
      const names: JsonSchema = { propertyNames: row.keys ? { enum: [...row.keys] } : { minLength: 1, pattern: "^[^=]*$" }, additionalProperties: SCALAR };
      if (kind === "hosts") {
        return keyValuesSchema(HOST_ENTRY, "host:ip", {
          propertyNames: { pattern: "^[^:=\\s]+$" },
          additionalProperties: { anyOf: [{ type: "string", pattern: "^\\S+$" }, { type: ["number", "boolean"] }] },
        });
      }
      // A build arg without "=" takes its value from the environment.
      if (row.bareKeys) return keyValuesSchema("^[^=]", "KEY=VALUE, or KEY to take it from the environment", names);
      return keyValuesSchema(row.keys ? `^(?:${row.keys.map(escapeRegExp).join("|")})=` : "^[^=]+=", "KEY=VALUE", names);
    },

    encode(name, row, value, problems) {
      if (kind === "hosts" && (Array.isArray(value) || typeof value === "string")) {
        return items(name, value).flatMap((item) => {
          if (typeof item.value === "string" && new RegExp(HOST_ENTRY).test(item.value)) return [`${row.flag}=${item.value}`];
          problems.push({ path: item.path, message: `expects host:ip, got ${describe(item.value)}` });
          return [];
        });
      }
      const pairs = keyValuePairs(name, row, value, problems);
      if (kind === "hosts") {
        // A record's entries as the text form has them: buildx splits host:ip at the first ":".
        const before = problems.length;
        for (const [host, ip] of pairs) {
          if (!/^[^:=\s]+$/.test(host) || !/^\S+$/.test(ip ?? "")) {
            problems.push({ path: `${name}.${host}`, message: `expects host:ip, got ${describe(`${host}:${ip ?? ""}`)}` });
          }
        }
        if (problems.length > before) return [];
      }
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
      return pairs.map(([k, v]) => `${row.flag}=${v === null ? k : `${k}${separator}${v}`}`);
    },

    /**
     * A record when every entry is `key=value` (`host:ip` for hosts), the last value of a repeated
     * key winning as in buildx; otherwise the entries as written, for `plan()` to check (a bare
     * build-arg key, taken from the environment, is valid). For hosts, `host=ip` is kept as
     * written (a record reads back as `host:ip`), and so is a comma: buildx splits --add-host on
     * commas itself.
     */
    decode(name, row, occurrences, say) {
      const written = texts(occurrences);
      const record = new Map<string, string>();
      for (const text of written) {
        const entry = splitEntry(kind, text);
        if (!entry || entry[1] === null || (kind === "hosts" && (text.includes(",") || text[entry[0].length] !== ":"))) return [...written];
        const [key, value] = entry;
        const before = record.get(key);
        if (before !== undefined && before !== value) {
          say(
            "warning",
            "repeated-key",
            `${name}.${key}`,
            `${row.flag} sets ${key} twice; the last, ${JSON.stringify(value)}, wins over ${JSON.stringify(before)}`,
            `set ${key} once`,
          );
        }
        record.set(key, value);
      }
      return Object.fromEntries(record);
    },

    set(name, current, entry, text) {
      const set = setEntry(kind, name, entry, text);
      if (!Array.isArray(set)) return set;
      const [key, value] = set;
      const record = toRecord(kind, current);
      if (record) return { value: { ...record, [key]: value } };
      // Entries that have no record form (a build arg taken from the environment): keep the list.
      const list = listOf(current).filter((x) => typeof x !== "string" || x.split(/=/)[0] !== key);
      return { value: [...list, `${key}=${value}`] };
    },

    toEntries: (_row, value) => entryTexts(value, (item) => Object.entries(item).map(([k, v]) => `${k}=${String(v)}`)),

    // A record; when an entry is malformed, the entries stay strings, so the plan names it.
    fromEntries: (_row, entries) => (entries.length ? toRecord(kind, entries) ?? [...entries] : undefined),

    toBake(name, row, value, diagnostics) {
      const list = argTexts(name, row, value);
      if (list === null) return null;
      const out: Record<string, string> = {};
      for (const text of list) {
        const entry = splitEntry(kind, text);
        if (entry && entry[1] !== null) out[entry[0]] = entry[1];
        else {
          diagnostics.push({
            level: "warning",
            code: "bake-build-arg-from-environment",
            option: `${name}.${text}`,
            message: "takes its value from the environment when buildx runs; a bake file cannot: left out",
            hint: `give it a value (${name}: { "${text}": "..." }), or pass it at bake time with --set TARGET.${row.bake ?? "args"}.${text}=...`,
          });
        }
      }
      return out;
    },

    fromBake(_row, value, at) {
      if (!isRecord(value)) {
        at.problem(at.path, `expects an object of key: value, got ${describe(value)}`);
        return undefined;
      }
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === null) continue; // unset
        const text = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : null;
        if (text !== null) out[k] = text;
        else at.problem(at.child(at.path, k), `expects a string, got ${describe(v)}`);
      }
      return Object.keys(out).length ? out : undefined;
    },

    merge(_row, before, after, overridden) {
      const a = mergePairs(kind, before);
      const b = mergePairs(kind, after);
      if (!a || !b) return null;
      const result = new Map(a);
      for (const [k, v] of b) {
        if (result.has(k) && result.get(k) !== v) overridden(k, result.get(k), v);
        result.set(k, v);
      }
      const all = [...result];
      return {
        value: all.every(([, v]) => v !== null) ? Object.fromEntries(all) : all.map(([k, v]) => (v === null ? k : `${k}${separator}${v}`)),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CSV kinds.

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

/** The flag arguments of a CSV value (a string, a record, or an array of them), each item checked. */
function encodeCsv(name: string, row: FlagRow, value: unknown, problems: ValueProblem[], notes: ValueProblem[]): string[] {
  if (row.sensitive && !Array.isArray(value) && typeof value !== "string" && !isRecord(value)) {
    problems.push({ path: name, message: `expects attributes such as ${SECRET_FORM} (a string, a record, or an array of them), got ${kindOf(value)}` });
    return [];
  }
  return items(name, value).flatMap((item) => {
    const text = row.sensitive ? secretText(row, item.path, item.value, problems) : csvText(item.path, item.value, problems);
    if (text === null) return [];
    // A sensitive row's attributes are checked by secretText, without repeating them.
    if (row.attributes && !row.sensitive) {
      const attrs = attributesOf(item.value);
      const before = problems.length;
      if (attrs) checkAttributes(item.path, row, row.attributes, attrs, problems, notes);
      if (problems.length > before) return [];
    }
    return [`${row.flag}=${text}`];
  });
}

const CSV: KindCodec = {
  ...BASE,
  kind: "csv",
  type: "CsvAttributes | readonly CsvAttributes[]",
  repeatable: true,
  question: "entries",
  schema: (row) => oneOrMany(csvItemSchema(row)),
  encode: encodeCsv,
  decode: (_name, _row, occurrences) => texts(occurrences),
  set: (_name, current, _entry, text, first) => setListItem(current, text, first),
  toBake: (name, row, value) => argTexts(name, row, value),
  fromBake: (_row, value, at) => listFromBake(value, at),
};

const CSV_OR_BOOL: KindCodec = {
  ...BASE,
  kind: "csvOrBool",
  type: "boolean | CsvAttributes",
  takes: "optional",
  question: "toggle",
  schema: (row) => ({ anyOf: [{ type: "boolean" }, csvItemSchema(row), { type: "array", items: csvItemSchema(row), maxItems: 1 }] }),
  encode(name, row, value, problems, notes) {
    if (typeof value === "boolean") return [`${row.flag}=${value}`];
    // buildx reads these once: a second value would silently replace the first.
    if (Array.isArray(value) && value.length > 1) {
      problems.push({ path: name, message: `takes one value (buildx keeps only the last ${row.flag}); got ${value.length}` });
      return [];
    }
    return encodeCsv(name, row, value, problems, notes);
  },
  decode(name, row, occurrences, say) {
    const last = lastOccurrence(row, name, occurrences, say);
    if (last.value === true || last.value === "true") return true;
    if (last.value === "false") return false;
    return last.value;
  },
  set(_name, current, _entry, text, first) {
    if (text === "true" || text === "false") return { value: text === "true" };
    return setListItem(current, text, first);
  },
  sample: () => true,
  toBake: (name, row, value) => argTexts(name, row, value),
  fromBake: (_row, value, at) => listFromBake(value, at),
};

// ---------------------------------------------------------------------------------------------
// The codecs.

/** The codec of every kind. */
export const KINDS: { readonly [K in FlagKind]: KindCodec } = {
  bool: {
    ...BASE,
    kind: "bool",
    type: "boolean",
    takes: "never",
    question: "confirm",
    schema: () => ({ type: "boolean" }),
    encode(name, row, value, problems) {
      if (typeof value !== "boolean") {
        problems.push({ path: name, message: `expects true or false, got ${describe(value)}` });
        return [];
      }
      return value ? [row.flag] : [];
    },
    decode(name, row, occurrences, say) {
      const { value, as } = lastOccurrence(row, name, occurrences, say);
      // Go's strconv.ParseBool, as buildx reads it.
      if (value === true || /^(?:1|t|T|true|TRUE|True)$/.test(value)) return true;
      if (/^(?:0|f|F|false|FALSE|False)$/.test(value)) return false;
      say("error", "invalid-value", name, `${as} takes true or false, got ${JSON.stringify(value)}`, `write ${as} alone for true, or ${as}=false`);
      return undefined;
    },
    set(_name, _current, _entry, text) {
      if (text !== "true" && text !== "false") return { problem: `expects true or false, got ${JSON.stringify(text)}` };
      return { value: text === "true" };
    },
    toEntries: (_row, value) => listOf(value).map(String),
    fromEntries: (_row, entries) => (entries.length ? entries[0] === "true" : undefined),
    sample: () => true,
    toBake: (_name, _row, value) => (typeof value === "boolean" ? value : null),
    fromBake(_row, value, at) {
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      at.problem(at.path, `expects true or false, got ${describe(value)}`);
      return undefined;
    },
  },

  string: {
    ...ONE_TEXT,
    kind: "string",
    type: "string",
    schema(row) {
      if (row.choices && !row.open) return { type: "string", enum: [...row.choices] };
      // CHOICE[,key=value...] (`--call=outline,format=json`): one CSV record.
      if (row.choices && row.attributes?.common) return { ...NON_EMPTY, pattern: CSV_SYNTAX, examples: [...row.choices] };
      return row.choices ? { ...NON_EMPTY, examples: [...row.choices] } : NON_EMPTY;
    },
    encode(name, row, value, problems, notes) {
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
        if (words.length > 1) {
          problems.push({ path: name, message: `names ${words.length} methods (${words.join(", ")}); give one, then key=value attributes` });
        }
        if (words[0] !== undefined) checkChoice(name, row, words[0], problems, notes);
        const attrs = Object.fromEntries(
          fields.filter((f) => f.includes("=")).map((f) => [f.slice(0, f.indexOf("=")).trim().toLowerCase(), f.slice(f.indexOf("=") + 1)]),
        );
        checkAttributes(name, row, row.attributes, attrs, problems, notes);
      } else if (row.choices) {
        checkChoice(name, row, value, problems, notes);
      }
      return problems.length === before ? [`${row.flag}=${value}`] : [];
    },
    set: (_name, _current, _entry, text) => ({ value: text }),
    sample: (row) => row.choices?.[0] ?? exampleEntry(row) ?? "x",
    fromBake(_row, value, at) {
      if (typeof value === "string") return value;
      at.problem(at.path, `expects a string, got ${describe(value)}`);
      return undefined;
    },
  },

  list: {
    ...BASE,
    kind: "list",
    type: "string | readonly string[]",
    repeatable: true,
    question: "entries",
    choiceWords: (text) => text.split(",").map((w) => w.trim().split("=")[0]!),
    schema: (row) => oneOrMany(row.choices ? { ...NON_EMPTY, examples: [...row.choices] } : NON_EMPTY),
    encode(name, row, value, problems, notes) {
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
    decode: (_name, _row, occurrences) => texts(occurrences),
    set: (_name, current, _entry, text, first) => setListItem(current, text, first),
    sample: (row) => (row.choices?.length ? [row.choices[0]!] : [exampleEntry(row) ?? "x"]),
    toBake: (name, row, value) => argTexts(name, row, value),
    fromBake: (_row, value, at) => listFromBake(value, at),
  },

  platforms: {
    ...BASE,
    kind: "platforms",
    type: "string | readonly string[]",
    repeatable: true,
    joined: true,
    question: "entries",
    // The same pattern encode checks each platform with.
    schema: () =>
      oneOrMany({
        type: "string",
        pattern: PLATFORM_LIST_PATTERN,
        description: "os/arch[/variant], an OS or architecture alone, os(version)/arch, or local; comma-separated",
      }),
    encode(name, row, value, problems) {
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
    decode: (_name, _row, occurrences) => texts(occurrences).flatMap((t) => t.split(",").map((p) => p.trim())),
    set: (_name, current, _entry, text, first) => setListItem(current, text, first),
    sample: (row) => exampleEntry(row) ?? "x",
    toBake: (name, row, value) => {
      const list = argTexts(name, row, value);
      return list === null ? null : list.length ? list[0]!.split(",") : [];
    },
    fromBake: (_row, value, at) => listFromBake(value, at),
  },

  map: keyValueCodec("map"),
  hosts: keyValueCodec("hosts"),
  csv: CSV,
  csvOrBool: CSV_OR_BOOL,

  ulimit: {
    ...BASE,
    kind: "ulimit",
    type: "Ulimits",
    repeatable: true,
    settable: true,
    question: "entries",
    schema(row) {
      const limit: JsonSchema = { type: "integer", minimum: -1 };
      const text: JsonSchema = { type: "string", pattern: ulimitPattern(row), description: "name=soft[:hard], e.g. nofile=1024:2048" };
      return {
        anyOf: [
          text,
          { type: "array", items: text },
          {
            type: "object",
            propertyNames: row.keys ? { enum: [...row.keys] } : { pattern: "^[a-z]+$" },
            additionalProperties: {
              anyOf: [
                limit,
                { type: "array", items: [limit, limit], minItems: 2, maxItems: 2 },
                { type: "object", required: ["soft", "hard"], properties: { soft: limit, hard: limit }, additionalProperties: false },
              ],
            },
          },
        ],
      };
    },
    encode(name, row, value, problems) {
      if (typeof value === "string" || Array.isArray(value)) {
        return items(name, value).flatMap((item) => {
          const limit = typeof item.value === "string" ? parseUlimit(item.value) : null;
          if (limit && !knownUlimit(row, limit.name)) {
            problems.push({ path: item.path, message: unknownUlimit(row, limit.name) });
            return [];
          }
          if (limit) {
            const { soft, hard } = limit;
            if (hard === -1 || (soft !== -1 && soft <= hard)) return [`${row.flag}=${item.value as string}`];
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
        if (!/^[a-z]+$/.test(limit) || !knownUlimit(row, limit)) {
          problems.push({ path, message: unknownUlimit(row, limit) });
          continue;
        }
        let soft: unknown, hard: unknown, softPath = path, hardPath = path;
        if (typeof spec === "number") [soft, hard] = [spec, spec];
        else if (Array.isArray(spec) && spec.length === 2) [soft, hard, softPath, hardPath] = [spec[0], spec[1], `${path}[0]`, `${path}[1]`];
        else if (isRecord(spec)) {
          [soft, hard, softPath, hardPath] = [spec.soft, spec.hard, `${path}.soft`, `${path}.hard`];
          const other = Object.keys(spec).find((k) => k !== "soft" && k !== "hard");
          if (other !== undefined) {
            problems.push({ path: `${path}.${other}`, message: `${JSON.stringify(other)} is not a limit: give soft and hard` });
            continue;
          }
        } else {
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
          problems.push({ path, message: `soft limit ${String(soft)} is above the hard limit ${String(hard)}` });
          continue;
        }
        args.push(`${row.flag}=${formatUlimit(limit, soft, hard)}`);
      }
      return args;
    },
    decode: (_name, _row, occurrences) => texts(occurrences),
    set(name, current, entry, text) {
      // NAME=soft[:hard], split at the first "=" as a map entry is.
      const set = setEntry("map", name, entry, text);
      if (!Array.isArray(set)) return set;
      const [limit, spec] = set;
      const record: Record<string, unknown> = {};
      if (isRecord(current)) Object.assign(record, current);
      else {
        for (const item of listOf(current)) {
          const m = typeof item === "string" ? /^([a-z]+)=(.*)$/.exec(item) : null;
          if (m) record[m[1]!] = limitsOf(m[2]!);
        }
      }
      record[limit] = limitsOf(spec);
      return { value: record };
    },
    toEntries: (_row, value) =>
      entryTexts(value, (item) =>
        Object.entries(item).map(([k, v]) => {
          const [soft, hard]: unknown[] = typeof v === "number"
            ? [v, v]
            : Array.isArray(v)
            ? v
            : [(v as { soft?: unknown }).soft, (v as { hard?: unknown }).hard];
          return formatUlimit(k, soft, hard);
        })),
    fromEntries(_row, entries) {
      if (!entries.length) return undefined;
      // As a record, so the plan checks each limit (soft above hard, ...) and the recipe reads well.
      const record: Record<string, { soft: number; hard: number }> = {};
      for (const entry of entries) {
        const limit = parseUlimit(entry);
        if (!limit) return [...entries];
        record[limit.name] = { soft: limit.soft, hard: limit.hard };
      }
      return record;
    },
    toBake: (name, row, value) => argTexts(name, row, value),
    fromBake(_row, value, at) {
      const list = at.strings(value, at.path);
      if (!list) return undefined;
      const out: Record<string, unknown> = {};
      for (const [i, text] of list.entries()) {
        const limit = parseUlimit(text);
        if (!limit) {
          at.problem(at.child(at.path, i), `expects name=soft[:hard], got ${describe(text)}`);
          continue;
        }
        out[limit.name] = limits(limit.soft, limit.hard);
      }
      return Object.keys(out).length ? out : undefined;
    },
  },

  bytes: {
    ...ONE_TEXT,
    kind: "bytes",
    type: "number | string",
    schema: () => ({
      anyOf: [
        { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        // Space around the value is trimmed before it is written.
        { type: "string", pattern: `^\\s*${BYTES_PATTERN.slice(1, -1)}\\s*$` },
      ],
    }),
    encode(name, row, value, problems) {
      if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return [`${row.flag}=${value}`];
      if (typeof value === "string" && BYTES.test(value.trim())) return [`${row.flag}=${value.trim()}`];
      problems.push({ path: name, message: `expects a size in bytes or with a unit (64m, 1g), got ${describe(value)}` });
      return [];
    },
    set: (_name, _current, _entry, text) => ({ value: /^\d+$/.test(text) ? Number(text) : text }),
    sample: () => "64m",
    fromBake(_row, value, at) {
      if (typeof value === "number") return value;
      if (typeof value === "string") return /^\d+$/.test(value) ? Number(value) : value;
      at.problem(at.path, `expects a size, got ${describe(value)}`);
      return undefined;
    },
  },
};

/** Whether buildx knows a ulimit name (any lower-case word, for a row that does not list them). */
function knownUlimit(row: FlagRow, name: string): boolean {
  return row.keys ? row.keys.includes(name) : /^[a-z]+$/.test(name);
}

/** Why a ulimit name is refused, with the name meant when it is a typo of one. */
function unknownUlimit(row: FlagRow, name: string): string {
  const near = row.keys ? nearest(name, row.keys) : null;
  return `${JSON.stringify(name)} is not a ulimit name (nofile, nproc, memlock, ...)${near ? `; did you mean ${near}?` : ""}`;
}

/** `soft[:hard]` as an option holds it (one number, or `{ soft, hard }`); text that is not that stays text, for the plan to name. */
function limitsOf(text: string): number | { soft: number; hard: number } | string {
  const m = LIMITS_TEXT.exec(text);
  return m ? limits(Number(m[1]), Number(m[2] ?? m[1])) : text;
}

/** The codec of a row's kind. */
export function codecOf(row: FlagRow): KindCodec {
  return KINDS[row.kind];
}

/** The flag arguments for one option of the table, with every problem in its value (its kind's `encode`). */
export function encodeOption(name: string, row: FlagRow, value: unknown): Encoded {
  const problems: ValueProblem[] = [];
  const notes: ValueProblem[] = [];
  const args = codecOf(row).encode(name, row, value, problems, notes);
  return { args: problems.length ? [] : args, problems, notes };
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
      for (const word of codecOf(row).choiceWords(item.value)) {
        const gate = row.choiceGates[word];
        if (gate) uses.push({ path: item.path, what: `${row.flag}=${word}`, gate });
      }
    }
    if (!row.attributes) continue;
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
 * True when a value only turns off what the flag controls: `false` for a flag whose value is
 * optional (`provenance: false`). A buildx older than the flag has nothing to turn off, so the
 * plan leaves such a value out there instead of refusing it.
 */
export function turnsOff(row: FlagRow, value: unknown): boolean {
  return codecOf(row).takes === "optional" && value === false;
}
