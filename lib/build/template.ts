/**
 * The tagged template: ``await buildx`--platform ${platforms} -t ${tag} --push .` ``, the way a
 * zx user writes a build. The text is split into words as a shell would (quotes and backslashes
 * respected, nothing expanded); every interpolation is exactly one argument, and an array after a
 * flag that takes a value is that flag's values; the words are read through the flag table
 * (`lib/core/parse.ts`), then planned and run by `build()`, as in the API. An interpolated value is
 * never read as a flag.
 *
 * No shell ever sees the words: `build()` hands buildx one argument per word, with no shell between.
 */
import * as host from "../runtime/host.ts";
import { UNKNOWN_CAPABILITIES } from "../core/capabilities.ts";
import { type Diagnostic, formatDiagnostic } from "../core/diagnostics.ts";
import { BuildxKitError, EXIT, type ExitStatus, ValidationError } from "../core/errors.ts";
import { flagRow } from "../core/flags.ts";
import { codecOf } from "../core/kinds.ts";
import type { BuildOptions } from "../core/options.ts";
import { readBuildArgs, type WordReading } from "../core/parse.ts";
import { type Plan, plan } from "../core/plan.ts";
import type { BuildResult } from "../core/result.ts";
import { build, type RunOptions } from "./run.ts";
import { describe } from "../core/values.ts";

/**
 * A template that cannot become arguments: a bad interpolation (or one that would be read as a
 * flag), an open quote, shell syntax, `docker buildx build` written out.
 */
export class TemplateError extends BuildxKitError {
  override readonly name = "TemplateError";
  /** Bad input: 2. */
  readonly exitStatus: ExitStatus = EXIT.badInput;
  /** The interpolation at fault, counting from 1; null for a problem in the text itself. */
  readonly interpolation: number | null;
  constructor(message: string, interpolation: number | null = null) {
    super(message);
    this.interpolation = interpolation;
  }
}

// ---------------------------------------------------------------------------------------------
// Words: shell-like splitting of the template text, with interpolations as whole arguments.

type State = "plain" | "single" | "double" | "ansi" | "comment";

/** Characters that are syntax to a shell but mean nothing here: an error unless quoted. */
const SHELL_SYNTAX = new Set([";", "&", "|", "<", ">", "(", ")", "`"]);
/** After `$`, what a shell would expand. */
const EXPANSION = /[A-Za-z_{(0-9@*#?$!-]/;
const ANSI_SIMPLE: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  f: "\f",
  v: "\v",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** Where an interpolation sits, for messages: "after `-t `". */
function position(pieces: readonly string[], index: number): string {
  const before = pieces[index]!.replace(/\s+/g, " ").trimStart();
  if (!before) return index === 0 ? "at the start of the template" : `right after interpolation #${index}`;
  return `after \`${before.length > 30 ? `…${before.slice(-30)}` : before}\``;
}

/** Some text around a character, for messages. */
function near(text: string, at: number): string {
  return text.slice(Math.max(0, at - 20), at + 1).replace(/\s+/g, " ").trimStart();
}

/** The text of one interpolated value, or null when it has none that can be an argument. */
function argumentText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : null;
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  // zx's ProcessOutput (`${await $`git rev-parse HEAD`}`): its stdout without the last newline,
  // as zx does. Plain objects stay an error.
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    const stdout = (value as { stdout?: unknown }).stdout;
    if (
      proto !== Object.prototype && proto !== null && typeof stdout === "string" &&
      typeof (value as { then?: unknown }).then !== "function"
    ) {
      return stdout.replace(/\n$/, "");
    }
  }
  return null;
}

function what(value: unknown): string {
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { then?: unknown }).then !== "function") {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return "a plain object (build options go in buildx({ ... }), not in the text)";
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    return `an object${name ? ` (${name})` : ""}; pass String(value) if its text is meant`;
  }
  return describe(value);
}

const ONE_ARGUMENT = "every interpolation is one argument: pass a string, a number, a boolean, or an array of them";

function checkedText(value: unknown, label: () => string, interpolation: number): string {
  const text = argumentText(value);
  if (text === null) throw new TemplateError(`${label()} is ${what(value)}; ${ONE_ARGUMENT}`, interpolation);
  if (text.includes("\0")) throw new TemplateError(`${label()} holds a NUL character, which no command-line argument can`, interpolation);
  return text;
}

/** One word of a template, and whether it starts with an interpolated value. */
interface Word {
  readonly text: string;
  /**
   * The index of the interpolation whose text starts the word (a value is data: it may become a
   * flag's value or the context, never a flag); null when the word starts with the template's
   * own text, or is an element of an array.
   */
  readonly lead: number | null;
}

/** What the words of a template are, with what the splitting itself has to say. */
interface Words {
  readonly words: Word[];
  /** Info about arrays given to a flag (an empty one leaves the flag out). */
  readonly diagnostics: Diagnostic[];
}

/**
 * Splits template pieces and interpolated values into words. Quotes: '...', "..." (where \\ \"
 * \$ \` escape) and $'...' (the ANSI-C quoting bash and zx print, so their commands read back). A
 * backslash escapes the next character; `#` at the start of a word comments out the rest of the
 * line. Nothing is expanded: `$VAR`, `$(...)`, backticks and `; & | < > ( )` are errors unless
 * quoted; `* ? [ ~` are plain characters.
 *
 * An interpolated value joins the word it is written in (`--tag=${t}`, `"${a} ${b}"`). An array
 * written as the value of a flag of the table (`--platform ${list}`, `--platform=${list}`, `-t
 * ${tags}`) is that flag's values: joined by commas for platforms, one occurrence of the flag per
 * element for a flag that repeats, its one element for a flag that takes one value; an empty one
 * leaves the flag out. Any other array stands alone between spaces and gives one word per
 * element, as in zx.
 */
function words(pieces: readonly string[], values: readonly unknown[]): Words {
  const out: Word[] = [];
  const diagnostics: Diagnostic[] = [];
  let word: string | null = null;
  // Where the word's first character came from: undefined until it has one.
  let lead: number | null | undefined;
  let state: State = "plain";
  let openedNear = "";
  const push = () => {
    if (word !== null) out.push({ text: word, lead: lead ?? null });
    word = null;
    lead = undefined;
  };
  const add = (s: string, from: number | null = null) => {
    if (s !== "" && lead === undefined) lead = from;
    word = (word ?? "") + s;
  };
  const escapesNothing = (p: number) => {
    throw new TemplateError(
      p + 1 < pieces.length
        ? `a backslash right before interpolation #${p + 1} escapes nothing; remove it (every interpolation is taken literally)`
        : "the template ends with a backslash that escapes nothing",
    );
  };

  for (let p = 0; p < pieces.length; p++) {
    const text = pieces[p]!;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      switch (state) {
        case "comment":
          if (ch === "\n") state = "plain";
          break;
        case "single":
          if (ch === "'") state = "plain";
          else add(ch);
          break;
        case "ansi":
          if (ch === "'") state = "plain";
          else if (ch === "\\") {
            if (i + 1 >= text.length) escapesNothing(p);
            const [decoded, next] = ansiEscape(text, i + 1);
            add(decoded);
            i = next - 1;
          } else add(ch);
          break;
        case "double":
          if (ch === '"') state = "plain";
          else if (ch === "\\") {
            const next = text[i + 1];
            if (next === undefined) escapesNothing(p);
            else if (next === "\n") i++;
            else if ('"\\$`'.includes(next)) {
              add(next);
              i++;
            } else add(ch);
          } else if (ch === "`" || (ch === "$" && EXPANSION.test(text[i + 1] ?? ""))) {
            throw noShell(ch === "`" ? "`" : expansionAt(text, i), text, i);
          } else add(ch);
          break;
        case "plain":
          if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") push();
          else if (ch === "'") {
            add("");
            state = "single";
            openedNear = near(text, i);
          } else if (ch === '"') {
            add("");
            state = "double";
            openedNear = near(text, i);
          } else if (ch === "\\") {
            const next = text[i + 1];
            if (next === undefined) escapesNothing(p);
            else if (next !== "\n") add(next);
            i++;
          } else if (ch === "$" && (text[i + 1] === "'" || text[i + 1] === '"')) {
            add("");
            state = text[i + 1] === "'" ? "ansi" : "double";
            openedNear = near(text, i + 1);
            i++;
          } else if (ch === "$" && EXPANSION.test(text[i + 1] ?? "")) {
            throw noShell(expansionAt(text, i), text, i);
          } else if (SHELL_SYNTAX.has(ch)) {
            throw noShell(ch, text, i);
          } else if (ch === "#" && word === null) state = "comment";
          else add(ch);
          break;
      }
    }

    if (p === values.length) break;
    if (state === "comment") continue; // commented out: not an argument
    const value = values[p];
    const n = p + 1;
    const label = () => `interpolation #${n} (${position(pieces, p)})`;
    if (!Array.isArray(value)) {
      add(checkedText(value, label, n), p);
      continue;
    }
    const following = pieces[p + 1]!;
    const gluedAfter = following === "" ? p + 1 < values.length : !/^\s/.test(following);
    // The flag this array is the value of: `--platform ${list}` (the word before) or
    // `--platform=${list}` (the word so far), when the parser reads that word as a flag waiting
    // for its value.
    const inline: string | undefined = state === "plain" && word !== null ? /^(-[^=]+)=$/.exec(word)?.[1] : undefined;
    const wanting: WordReading["wantsValue"] = gluedAfter || state !== "plain" || (word !== null && inline === undefined)
      ? undefined
      : readBuildArgs([...out.map((w) => w.text), ...(inline === undefined ? [] : [inline])]).readings.at(-1)?.wantsValue;
    if (!wanting) {
      if (word !== null || state !== "plain" || gluedAfter) {
        throw new TemplateError(
          `${label()} is an array joined to other text; an array gives one argument per element, so it must stand alone between spaces`,
          n,
        );
      }
      value.forEach((item, j) => out.push({ text: checkedText(item, () => `${label()}, element [${j}],`, n), lead: null }));
      continue;
    }
    const items = value.map((item, j) => checkedText(item, () => `${label()}, element [${j}],`, n));
    const { name, row, as }: NonNullable<WordReading["wantsValue"]> = wanting;
    // The value goes where the flag's value is written: after its `=`, or as the next word (after
    // `=` for a csvOrBool flag, which reads the next word only when it looks like its value).
    const give = (item: string) => {
      if (inline !== undefined) {
        add(item, null);
        push();
      } else if (codecOf(row).takes === "optional") {
        const flag = out.pop()!;
        out.push({ text: `${flag.text}=${item}`, lead: flag.lead });
      } else out.push({ text: item, lead: null });
    };
    // A misspelt flag (taken for the flag it is near): its occurrences stay, for the parser to name.
    const misspelt = as !== row.flag && as !== row.short;
    if (items.length === 0) {
      if (misspelt) continue;
      // The flag goes; in a bundle (`-qt ${[]}`), only its letter.
      const rest: string = (inline ?? out.at(-1)!.text).slice(0, -(as.length - 1));
      if (inline !== undefined) {
        word = as.startsWith("--") || rest === "-" ? null : rest;
        if (word === null) lead = undefined;
      } else {
        const flag = out.pop()!;
        if (!as.startsWith("--") && rest !== "-") out.push({ text: rest, lead: flag.lead });
      }
      diagnostics.push({
        level: "info",
        code: "template-empty-array",
        option: name,
        message: `${label()} is an empty array: ${as} is left out`,
      });
    } else if (codecOf(row).joined) {
      give(items.join(","));
    } else if (codecOf(row).repeatable || misspelt) {
      items.forEach((item, j) => {
        if (j > 0) {
          if (inline !== undefined) word = `${as}=`;
          else out.push({ text: as, lead: null });
        }
        give(item);
      });
    } else if (items.length === 1) {
      give(items[0]!);
    } else {
      throw new TemplateError(`${label()} is an array of ${items.length} values, but ${as} takes one value; pass one string`, n);
    }
  }

  if (state === "single" || state === "double" || state === "ansi") {
    const quote = state === "double" ? '"' : "'";
    throw new TemplateError(`a ${quote} quote is never closed (opened at \`${openedNear}\`)`);
  }
  push();
  return { words: out, diagnostics };
}

/** The whole expansion starting at a `$`: `$HOME`, `${HOME}`, `$(date)`. */
function expansionAt(text: string, at: number): string {
  return /^\$(\{[^}]*\}?|\([^)]*\)?|[A-Za-z_][A-Za-z0-9_]*|.)/.exec(text.slice(at))?.[0] ?? "$";
}

function noShell(syntax: string, text: string, at: number): TemplateError {
  const expands = syntax.startsWith("$");
  return new TemplateError(
    `\`${syntax}\` (at \`${near(text, at)}\`) is shell syntax, but buildx\`...\` runs no shell: ` +
      (expands
        ? `nothing is expanded; interpolate the value instead (\${process.env.NAME}), or quote it ('${syntax}') for the text itself`
        : `quote it ('${syntax}') if it is part of a value`),
  );
}

/** One escape of $'...' starting after the backslash: the text it stands for and where it ends. */
function ansiEscape(text: string, i: number): [string, number] {
  const c = text[i]!;
  const simple = ANSI_SIMPLE[c];
  if (simple !== undefined) return [simple, i + 1];
  const digits = (re: RegExp, from: number) => re.exec(text.slice(from))?.[0] ?? "";
  if (c === "x" || c === "u" || c === "U") {
    const hex = digits(c === "x" ? /^[0-9a-fA-F]{1,2}/ : c === "u" ? /^[0-9a-fA-F]{1,4}/ : /^[0-9a-fA-F]{1,8}/, i + 1);
    const code = parseInt(hex, 16);
    if (hex && code <= 0x10ffff) return [String.fromCodePoint(code), i + 1 + hex.length];
    return [`\\${c}`, i + 1];
  }
  if (/[0-7]/.test(c)) {
    const oct = digits(/^[0-7]{1,3}/, i);
    return [String.fromCharCode(parseInt(oct, 8) & 0xff), i + oct.length];
  }
  if (c === "c" && i + 1 < text.length) return [String.fromCharCode(text.charCodeAt(i + 1) & 0x1f), i + 2];
  return [`\\${c}`, i + 1];
}

/**
 * Splits command-line text into words the way the template does (quotes, backslashes, comments;
 * nothing expanded). Throws a `TemplateError` for an open quote or shell syntax.
 *
 * @example
 * splitWords(`-t app:1 --label "title=my app" .`); // ["-t", "app:1", "--label", "title=my app", "."]
 */
export function splitWords(text: string): string[] {
  return words([text], []).words.map((w) => w.text);
}

// ---------------------------------------------------------------------------------------------
// Options: what the call gives, merged with what the text says.

/**
 * What `buildx({ ... })` takes: how to run (`cwd`, `env`, `signal`, `quiet`, `nothrow`, ... as in
 * `build()`) and defaults for any build option (`builder`, `platform`, `buildArg`, ...), which the
 * template's text overrides. `quiet` here is zx's: print nothing (buildx's own `--quiet` is
 * written in the text).
 */
export interface TemplateOptions extends Omit<BuildOptions, "quiet">, RunOptions {}

const RUN_KEYS = [
  "cwd",
  "env",
  "signal",
  "dryRun",
  "offline",
  "capabilities",
  "quiet",
  "stdout",
  "nothrow",
  "onProgress",
  "secrets",
  "log",
  "killGraceMs",
  "plainAtTerminal",
] as const satisfies readonly (keyof RunOptions)[];
// A new field of RunOptions must be sorted here, or the typecheck fails.
const everyRunKey: [Exclude<keyof RunOptions, (typeof RUN_KEYS)[number]>] extends [never] ? true : never = true;
void everyRunKey;

function splitOptions(config: TemplateOptions): { run: RunOptions; defaults: BuildOptions } {
  const run: Record<string, unknown> = {};
  const defaults: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if ((RUN_KEYS as readonly string[]).includes(key)) run[key] = value;
    else defaults[key] = value;
  }
  return { run: run as RunOptions, defaults: defaults as BuildOptions };
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => JSON.stringify(Array.isArray(v) && v.length === 1 ? v[0] : v);
  return norm(a) === norm(b);
}

/**
 * The call's defaults under the text's options: the text wins, with a warning for every value it
 * replaces. Key=value options (`buildArg`, `label`, ...) and `extraFlags` merge key by key.
 */
function mergeOptions(defaults: BuildOptions, text: BuildOptions): { options: BuildOptions; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const overridden = (option: string, from: unknown, to: unknown) =>
    diagnostics.push({
      level: "warning",
      code: "template-overrides-option",
      option,
      message: `the template's ${JSON.stringify(to)} replaces ${JSON.stringify(from)} given to buildx({ ... })`,
      hint: "give it in one place only",
    });
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(text)) {
    const before = merged[key];
    if (before === undefined) {
      merged[key] = value;
      continue;
    }
    const row = flagRow(key);
    // Key=value options merge key by key, as their kind does it.
    const entries = row ? codecOf(row).merge(row, before, value, (k, from, to) => overridden(`${key}.${k}`, from, to)) : null;
    if (entries) {
      merged[key] = entries.value;
      continue;
    } else if (key === "extraFlags" && typeof before === "object" && !Array.isArray(before)) {
      const result: Record<string, unknown> = { ...(before as Record<string, unknown>) };
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (result[k] !== undefined && !sameValue(result[k], v)) overridden(`extraFlags.${k}`, result[k], v);
        result[k] = v;
      }
      merged[key] = result;
      continue;
    }
    if (!sameValue(before, value)) overridden(key, before, value);
    merged[key] = value;
  }
  return { options: merged as BuildOptions, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// The handle.

interface HandleState {
  readonly words: readonly string[];
  readonly options: BuildOptions;
  /** What the text and the merge said (parse errors and warnings, overrides). */
  readonly diagnostics: readonly Diagnostic[];
  /** Extra flags that came from the text: parse warned about them already. */
  readonly textExtraFlags: ReadonlySet<string>;
  readonly run: RunOptions;
}

/**
 * One build written as a template: nothing runs until it is awaited (then it runs once, however
 * often it is awaited). Immutable: `.nothrow()`, `.quiet()` and `.dryRun()` return new handles.
 */
export class BuildHandle implements PromiseLike<BuildResult> {
  readonly #state: HandleState;
  readonly #abort = new AbortController();
  #running: Promise<BuildResult> | null = null;
  #plan: Plan | null = null;

  /** Made by the `buildx` tag; not meant to be constructed directly. */
  constructor(state: HandleState) {
    this.#state = state;
  }

  /** The arguments the template's text and interpolations became, before parsing. */
  get words(): readonly string[] {
    return this.#state.words;
  }

  /** The build options: the text's, over the defaults given to `buildx({ ... })`. */
  get options(): BuildOptions {
    return this.#state.options;
  }

  /**
   * The plan, before anything runs: pure, against the capabilities given to `buildx({ ... })` or
   * `UNKNOWN_CAPABILITIES` (assume the latest buildx). Its diagnostics start with the template's
   * own (parse errors, overridden defaults).
   */
  get plan(): Plan {
    if (!this.#plan) {
      const p = plan(this.#state.options, this.#state.run.capabilities ?? UNKNOWN_CAPABILITIES);
      const diagnostics = [...this.#state.diagnostics, ...p.diagnostics.filter((d) => !this.#warnedByParse(d))];
      this.#plan = { ...p, diagnostics, ok: !diagnostics.some((d) => d.level === "error") };
    }
    return this.#plan;
  }

  /** A handle that resolves to a failed `BuildResult` (`ok: false`) instead of throwing when buildx fails. */
  nothrow(value = true): BuildHandle {
    return this.#with({ nothrow: value });
  }

  /** A handle that prints nothing: no warnings, no progress. */
  quiet(value = true): BuildHandle {
    return this.#with({ quiet: value });
  }

  /**
   * A handle that does everything but the build: awaiting it probes the machine (unless
   * `offline` or `capabilities` were given), plans, prints the same warnings, and gives a
   * `BuildResult` with `dryRun: true` and the `argv` and `command` the real run would have.
   */
  dryRun(value = true): BuildHandle {
    return this.#with({ dryRun: value });
  }

  /**
   * Stops the build through its AbortSignal: buildx gets SIGINT, then SIGKILL after the grace
   * period, and the handle rejects with an interrupted `BuildError`. Before the build starts, it
   * keeps it from starting. `signal` becomes the abort's reason (`build()` sends SIGINT today).
   */
  kill(signal: host.Signal = "SIGINT"): void {
    this.#abort.abort(signal);
  }

  then<T = BuildResult, E = never>(
    onfulfilled?: ((value: BuildResult) => T | PromiseLike<T>) | null,
    onrejected?: ((reason: unknown) => E | PromiseLike<E>) | null,
  ): Promise<T | E> {
    return this.#start().then(onfulfilled, onrejected);
  }

  catch<E = never>(onrejected?: ((reason: unknown) => E | PromiseLike<E>) | null): Promise<BuildResult | E> {
    return this.#start().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<BuildResult> {
    return this.#start().finally(onfinally);
  }

  get [Symbol.toStringTag](): string {
    return "BuildHandle";
  }

  #with(run: Partial<RunOptions>): BuildHandle {
    return new BuildHandle({ ...this.#state, run: { ...this.#state.run, ...run } });
  }

  /** The plan's own warning for an extra flag the parser already reported. */
  #warnedByParse(d: Diagnostic): boolean {
    return d.code === "unvalidated-flag" && d.option !== null && d.option.startsWith("extraFlags.") &&
      this.#state.textExtraFlags.has(d.option.slice("extraFlags.".length));
  }

  #start(): Promise<BuildResult> {
    this.#running ??= this.#go();
    return this.#running;
  }

  async #go(): Promise<BuildResult> {
    const { run, options, diagnostics: own } = this.#state;
    // Errors the pure plan already finds (in the text or the options) need no machine to report.
    if (!this.plan.ok) throw new ValidationError(this.plan.diagnostics);

    const log = run.log ?? ((line: string) => host.write("stderr", `${line}\n`));
    if (!run.quiet) { for (const d of own) if (d.level === "warning") log(formatDiagnostic(d)); }
    // build() prints the plan's warnings; the ones the parser already printed are left out.
    const skip = new Set(
      plan(options, run.capabilities ?? UNKNOWN_CAPABILITIES).diagnostics
        .filter((d) => this.#warnedByParse(d)).map(formatDiagnostic),
    );

    const outer = run.signal;
    const abort = this.#abort;
    const forward = () => abort.abort(outer?.reason);
    if (outer?.aborted) forward();
    else outer?.addEventListener("abort", forward, { once: true });
    try {
      const result = await build(options, {
        ...run,
        signal: abort.signal,
        log: (line) => {
          if (!skip.has(line)) log(line);
        },
      });
      return this.#withOwn(result);
    } finally {
      outer?.removeEventListener("abort", forward);
    }
  }

  /** The result with the template's diagnostics first, and without duplicates of them. */
  #withOwn(result: BuildResult): BuildResult {
    const own = this.#state.diagnostics;
    const rest = result.diagnostics.filter((d) => !this.#warnedByParse(d));
    const dropped = new Set(result.diagnostics.filter((d) => this.#warnedByParse(d)).map(formatDiagnostic));
    return {
      ...result,
      diagnostics: [...own, ...rest],
      warnings: [...own.filter((d) => d.level === "warning").map(formatDiagnostic), ...result.warnings.filter((w) => !dropped.has(w))],
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The tag.

/**
 * The `buildx` tag: ``buildx`-t ${tag} --push .` `` makes a `BuildHandle`; `buildx({ ... })`
 * makes a tag with those run options and option defaults.
 */
export interface Buildx {
  /** A build, parsed from the template; runs when awaited. Throws a `TemplateError` at once for a bad interpolation. */
  (strings: TemplateStringsArray, ...values: unknown[]): BuildHandle;
  /** A tag whose builds use these options (the template's text wins over the build options). */
  (options: TemplateOptions): Buildx;
  /** The same tag for dry runs: awaiting a build checks it against the machine and gives its argv and command; nothing is built. */
  readonly dry: Buildx;
  /** The options this tag was made with. */
  readonly options: Readonly<TemplateOptions>;
}

/** The command a template must not repeat: buildx`...` runs `docker buildx build` itself. */
const COMMANDS: readonly (readonly string[])[] = [["docker", "buildx", "build"], ["buildx", "build"], ["docker", "build"]];

function refusePrefix(argv: readonly string[]): void {
  const command = COMMANDS.find((c) => c.every((w, i) => argv[i] === w));
  if (command) {
    throw new TemplateError(
      `the template starts with \`${command.join(" ")}\`, which buildx\`...\` runs itself: ` +
        "drop it and write only the flags and the context (buildx`-t app:1 .`)",
    );
  }
}

/**
 * An interpolated value is data: the parser may read it as a flag's value or as the context,
 * never as a flag (`buildx\`--target base ${ctx}\`` with ctx `--output=type=local,dest=/` must
 * not write files), and never as a context that starts with a dash. An array standing alone is
 * the exception, as in zx: its elements are the words written.
 */
function refuseValuesAsFlags(split: readonly Word[], readings: readonly WordReading[], pieces: readonly string[]): void {
  split.forEach(({ text, lead }, i) => {
    if (lead === null) return;
    const { role } = readings[i]!;
    const label = `interpolation #${lead + 1} (${position(pieces, lead)})`;
    if (role === "flag" || role === "end") {
      throw new TemplateError(
        `${label} would be read as the flag ${JSON.stringify(text)}; an interpolated value never becomes a flag: ` +
          "write the flag in the template's text and interpolate only its value (and ./ before a path that starts with a dash)",
        lead + 1,
      );
    }
    if (role === "context" && text.startsWith("-")) {
      throw new TemplateError(
        `${label} would be the context ${JSON.stringify(text)}, which starts with a dash; an interpolated context never does: ` +
          `write ./${text} for a folder of that name${text === "-" ? ", or - in the template's text to read a tarball from stdin" : ""}`,
        lead + 1,
      );
    }
  });
}

function isTemplate(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && Array.isArray((value as unknown as { raw?: unknown }).raw);
}

function makeBuildx(config: TemplateOptions): Buildx {
  const tag = (first: TemplateStringsArray | TemplateOptions, ...values: unknown[]): BuildHandle | Buildx => {
    if (!isTemplate(first)) {
      if (typeof first !== "object" || first === null || Array.isArray(first)) {
        throw new TypeError(`buildx takes a template (buildx\`-t app .\`) or options (buildx({ cwd })), got ${describe(first)}`);
      }
      return makeBuildx({ ...config, ...first });
    }
    // Cooked text, as zx uses (so "\\ " in the source is an escaped space); raw where a piece
    // has an escape JavaScript cannot cook.
    const pieces = first.map((piece, i) => piece ?? first.raw[i]!);
    const split = words(pieces, values);
    const argv = split.words.map((w) => w.text);
    refusePrefix(argv);
    const parsed = readBuildArgs(argv);
    refuseValuesAsFlags(split.words, parsed.readings, pieces);
    const { run, defaults } = splitOptions(config);
    const merged = mergeOptions(defaults, parsed.options);
    return new BuildHandle({
      words: argv,
      options: merged.options,
      diagnostics: [...split.diagnostics, ...parsed.diagnostics, ...merged.diagnostics],
      textExtraFlags: new Set(Object.keys(parsed.options.extraFlags ?? {})),
      run,
    });
  };
  Object.defineProperty(tag, "dry", { get: () => makeBuildx({ ...config, dryRun: true }), enumerable: true });
  Object.defineProperty(tag, "options", { value: Object.freeze({ ...config }), enumerable: true });
  return tag as Buildx;
}

/**
 * Builds an image from zx-style text: the words are split as a shell would (without running
 * one), every interpolation is one argument (an array after a flag that takes a value: that
 * flag's values), the flags are checked through the flag table, and the build runs when the
 * handle is awaited.
 *
 * @example
 * const platforms = ["linux/amd64", "linux/arm64"];
 * const result = await buildx`--platform ${platforms} -t ${"localhost:5000/app:1"} --push .`;
 * const dry = await buildx.dry`-t app:1 --build-arg VERSION=${version} .`; // dry.command
 * const $b = buildx({ cwd: "./app", quiet: true, buildArg: { CI: "1" } });
 * await $b`-t app:1 .`;
 */
export const buildx: Buildx = makeBuildx({});
