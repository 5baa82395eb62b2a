/**
 * What checking option values needs whatever their kind (the kinds themselves: lib/core/kinds.ts):
 * describing a value for a message without `undefined` or the secret in it, "did you mean",
 * choices and CSV attributes as the table knows them, secrets, version gates of choices and
 * attributes, and flags the table does not know.
 */
import { CsvSyntaxError, formatCsv, parseAttributes, parseCsv } from "./csv.ts";
import type { PlanCode } from "./diagnostics.ts";
import { type AttributeRule, type AttributeSpec, type FlagRow, flagRow, FLAGS } from "./flags.ts";

/** A problem with one value, at a path such as `ulimit.nofile.soft` or `tag[1]`. */
export interface ValueProblem {
  readonly path: string;
  readonly message: string;
  /** A diagnostic code more precise than `invalid-value`: `secret-value` for a secret that holds more than its whereabouts. */
  readonly code?: PlanCode;
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

/** A plain record: an object that is neither an array nor a promise. */
export function isRecord(value: unknown): value is Record<string, unknown> {
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
export function items(path: string, value: unknown): { path: string; value: unknown }[] {
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

// ---------------------------------------------------------------------------------------------
// Secrets: a secret names where its value comes from (a file, an environment variable), and its
// attributes are checked as buildx checks them. Nothing given here is ever repeated in a message:
// a field that is not key=value, an unknown attribute's name, a type or an env value may be the
// secret itself, pasted where its whereabouts were expected. Only attribute names from the lists
// below are named.

/** Whether an option's values are never repeated in a message (its row is `sensitive`: `secret`). */
export function isSensitive(option: string): boolean {
  return flagRow(option)?.sensitive === true;
}

/** The attributes of a `--secret`, from its row (buildx reads their names case-insensitively). */
export const SECRET_KEYS: readonly string[] = Object.keys(FLAGS.secret.attributes.common);

/** The attribute rules of a sensitive row, by name. */
function secretRules(row: FlagRow): Readonly<Record<string, AttributeRule>> {
  return row.attributes?.common ?? {};
}

/** "id, type, src, source or env". */
function either(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** Attribute names people write by mistake, safe to name in a message: words, not values. */
const NAMED_MISTAKES: ReadonlySet<string> = new Set([
  "value",
  "values",
  "token",
  "password",
  "passwd",
  "pass",
  "secret",
  "data",
  "content",
  "contents",
  "text",
  "key",
  "apikey",
  "api-key",
  "api_key",
  "credential",
  "credentials",
  "auth",
  "string",
  "literal",
  "name",
  "path",
  "file",
  "dest",
  "target",
  "required",
  "mode",
  "uid",
  "gid",
  "var",
  "variable",
]);

/** How a secret is written, for messages. */
export const SECRET_FORM = "id=NAME,src=FILE or id=NAME,env=VARIABLE";
const SECRET_RULE = `a secret says where its value comes from (${SECRET_FORM}), never the value itself`;

/** The known attribute one edit away from a short unknown name (`scr` -> `src`), or null. */
function nearAttribute(known: readonly string[], name: string): string | null {
  if (name.length < 2 || name.length > 7) return null;
  const near = (a: string, b: string): boolean => {
    if (Math.abs(a.length - b.length) > 1) return false;
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    // one substitution, insertion, deletion, or a swap of neighbours
    return a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i) ||
      (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  };
  return known.find((k) => near(name, k)) ?? null;
}

/** Checks one attribute of a secret; `field` is its 1-based place in a string, null in a record. */
function secretAttribute(
  rules: Readonly<Record<string, AttributeRule>>,
  path: string,
  field: number | null,
  key: string | null,
  value: string,
  problems: ValueProblem[],
): void {
  const where = field === null ? "" : ` field ${field},`;
  if (key === null) {
    problems.push({
      path,
      code: "secret-value",
      message: `holds${where} which is not key=value (not shown: it may be the secret itself); write ${SECRET_FORM}`,
    });
    return;
  }
  const name = key.trim().toLowerCase();
  const known = Object.keys(rules);
  const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
  if (!rule) {
    const near = nearAttribute(known, name);
    const named = NAMED_MISTAKES.has(name) || near !== null;
    problems.push({
      path,
      code: "secret-value",
      message: named
        ? `"${name}" is not a secret attribute${near ? ` (did you mean ${near}?)` : ""}: ${SECRET_RULE}`
        : `holds an attribute that is not ${either(known)} (${
          field === null ? "its name" : `field ${field}`
        } is not shown: it may be the secret itself): ${SECRET_RULE}`,
    });
    return;
  }
  if (rule.values && !rule.values.includes(value)) {
    problems.push({ path, message: `${name} must be ${either(rule.values)} (the ${name} given is not shown: it may be the secret itself)` });
  } else if (name === "env" && (value === "" || value.includes("="))) {
    problems.push({
      path,
      code: "secret-value",
      message: `env= names an environment variable, and the name given is empty or holds "=" (not shown: it may be the secret itself); write ${SECRET_FORM}`,
    });
  } else if (value === "" && !rule.values) {
    problems.push({ path, message: `${name}= is empty; write ${SECRET_FORM}` });
  }
}

/**
 * One value of a sensitive row (a secret) as its flag's text, or null after recording, without
 * repeating it, why it cannot be one: each attribute one of the row's, with a value its rule takes.
 */
export function secretText(row: FlagRow, path: string, value: unknown, problems: ValueProblem[]): string | null {
  const rules = secretRules(row);
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
      secretAttribute(rules, path, i + 1, eq === -1 ? null : f.slice(0, eq), eq === -1 ? "" : f.slice(eq + 1), problems);
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
    const shown = Object.hasOwn(rules, name) || NAMED_MISTAKES.has(name) || nearAttribute(Object.keys(rules), name) !== null;
    const at = shown ? `${path}.${key}` : path;
    const text = scalarText(v);
    if (text === null) problems.push({ path: at, message: `expects a string, got ${kindOf(v)}` });
    else {
      secretAttribute(rules, at, null, key, text, problems);
      fields.push(`${key}=${text}`);
    }
  }
  if (fields.length === 0 && problems.length === before) {
    problems.push({ path, message: `has no attributes; write ${SECRET_FORM}` });
  }
  return problems.length === before ? formatCsv(fields) : null;
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

/**
 * Checks one word against a row's choices: a typo of one (within two edits) is an error saying
 * which was meant; another word is an error for a closed row, a warning (passed unchecked) for an open one.
 */
export function checkChoice(path: string, row: FlagRow, word: string, problems: ValueProblem[], notes: ValueProblem[], whole: string = word): void {
  const choices = row.choices!;
  if (choices.includes(word)) return;
  const near = nearest(word, choices);
  if (!row.open || near) {
    problems.push({
      path,
      message: `must be one of ${choices.join(", ")}${row.open ? " (or another buildx knows)" : ""}; got ${JSON.stringify(whole)}${
        near ? ` (did you mean ${near}?)` : ""
      }`,
    });
    return;
  }
  notes.push({
    path,
    code: "unknown-choice",
    message: `${JSON.stringify(word)} is not one buildx-kit knows (${choices.join(", ")}); passed to buildx unchecked`,
  });
}

/** The attribute rules that apply to these attributes, and the `type=` they were picked by (null without types). */
export function rulesFor(spec: AttributeSpec, attrs: Record<string, string>): { type: string | null; rules: Readonly<Record<string, AttributeRule>> | null } {
  if (!spec.types) return { type: null, rules: spec.common ?? {} };
  const type = (attrs.type ?? spec.defaultType ?? "").toLowerCase();
  const found = spec.types[type];
  return { type, rules: found ? { ...found.attributes, ...spec.common } : null };
}

/**
 * Checks CSV attributes against a row's attribute spec: the `type=` (a typo is an error, an
 * unknown type a warning), each attribute's name (a typo, or any unknown one of a closed spec, is
 * an error) and value (a boolean, one of its values).
 */
export function checkAttributes(
  path: string,
  row: FlagRow,
  spec: AttributeSpec,
  attrs: Record<string, string>,
  problems: ValueProblem[],
  notes: ValueProblem[],
): void {
  const { type, rules } = rulesFor(spec, attrs);
  if (type === "") return; // no type= written and none by default: buildx says what it reads
  const where = type === null ? row.flag : `${row.flag} type=${type}`;
  if (rules === null) {
    const known = Object.keys(spec.types!);
    const near = nearest(type!, known);
    if (near) problems.push({ path, message: `type=${type} is not a ${row.flag} type (did you mean ${near}?); buildx-kit knows ${known.join(", ")}` });
    else {notes.push({
        path,
        code: "unknown-type",
        message: `type=${type} is not a ${row.flag} type buildx-kit knows (${known.join(", ")}); passed to buildx unchecked`,
      });}
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
        problems.push({
          path,
          message: `${JSON.stringify(key)} is not an attribute of ${where}${near ? ` (did you mean ${near}?)` : ""}; it reads ${
            Object.keys(rules).join(", ") || "none"
          }`,
        });
      } else {
        notes.push({
          path,
          code: "unknown-attribute",
          message: `${JSON.stringify(key)} is not an attribute buildx-kit knows for ${where}; passed to buildx unchecked`,
        });
      }
      continue;
    }
    if (rule.bool && !BOOL_WORDS.has(text)) {
      problems.push({ path, message: `${key}= expects true or false, got ${JSON.stringify(text)}` });
    } else if (rule.values && !rule.values.includes(text)) {
      const near = nearest(text, rule.values);
      problems.push({
        path,
        message: `${key}= must be one of ${rule.values.join(", ")}; got ${JSON.stringify(text)}${near ? ` (did you mean ${near}?)` : ""}`,
      });
    }
  }
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
