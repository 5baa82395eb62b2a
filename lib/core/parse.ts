/**
 * `parseBuildArgs()`: the words of a `docker buildx build` command line back into `BuildOptions`,
 * read through the flag table. The inverse of `lib/core/values.ts`: what `plan()` emits parses back
 * to the same options. Used by the tagged template and by the CLI's `build [flags] [context]`.
 *
 * It reads flags the way buildx (pflag) does: `--flag=value` and `--flag value`, `-t value`,
 * `-tvalue` and `-t=value`, bundled one-letter booleans (`-qt app`), flags before and after the
 * context, and `--` to end the flags. Values are checked by `plan()`, not here, except where a
 * value cannot be represented at all (a boolean flag given `maybe`).
 */
import type { Diagnostic, ParseCode } from "./diagnostics.ts";
import { FLAG_ROWS, type FlagRow, flagRow } from "./flags.ts";
import { codecOf, type Occurrence } from "./kinds.ts";
import type { BuildOptions } from "./options.ts";
import { distance, suggestOption } from "./plan.ts";
import { describe } from "./values.ts";

/** What `parseBuildArgs()` read: the options, and every problem found on the way. */
export interface ParsedBuildArgs {
  /**
   * The options, in their canonical form: repeatable flags as arrays, `map` and `hosts` flags as
   * records (or, when an entry is not `key=value`, as the `k=v` strings themselves, so nothing is
   * lost), booleans as booleans, everything else as the text given.
   */
  readonly options: BuildOptions;
  /** Errors (the options cannot be built as written) and warnings, in the order of the words. */
  readonly diagnostics: Diagnostic[];
}

type Entry = readonly [name: string, row: FlagRow];

/** How the parser read one word (`readBuildArgs()`), for callers that must know where a word landed. */
export interface WordReading {
  /**
   * `flag`: a flag (with its value, if written inline); `value`: the value of the flag before it;
   * `context`: a positional word (the context, or a second one); `end`: the `--` that ends the flags.
   */
  readonly role: "flag" | "value" | "context" | "end";
  /**
   * For a flag written without its value that takes one from the next word (for `csvOrBool`
   * flags, a word that reads as their value): the flag's option name, row, and the flag as
   * written (the last letter of a bundle, `-t` in `-qt`). For a misspelt flag, the flag it is
   * taken for.
   */
  readonly wantsValue?: { readonly name: string; readonly row: FlagRow; readonly as: string };
}

/** `parseBuildArgs()`'s result, with how each word was read. */
export interface ReadBuildArgs extends ParsedBuildArgs {
  /** One reading per word, in order. */
  readonly readings: readonly WordReading[];
}

// Views of the flag table: by long flag and by short flag.
const BY_FLAG: ReadonlyMap<string, Entry> = new Map(FLAG_ROWS.map(([name, row]) => [row.flag, [name, row] as const]));
const BY_SHORT: ReadonlyMap<string, Entry> = new Map(
  FLAG_ROWS.flatMap(([name, row]) => (row.short ? [[row.short, [name, row] as const] as const] : [])),
);

/** A name an unknown long flag may have (buildx flags are lowercase kebab-case). */
const FLAG_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The flags of the table nearest to `written` (long or short form, as the table spells them),
 * within an edit distance of 2; several when they are equally near. Empty when none is that near.
 *
 * @example
 * nearFlags("--plaform"); // ["--platform"]
 */
export function nearFlags(written: string): string[] {
  let best: string[] = [];
  let bestScore = 3;
  for (const [, row] of FLAG_ROWS) {
    for (const form of [row.flag, row.short]) {
      if (!form || form === written) continue;
      const score = distance(written, form);
      if (score > 2) continue;
      if (score < bestScore) [best, bestScore] = [[form], score];
      else if (score === bestScore) best.push(form);
    }
  }
  return best;
}

/** "--a", "--a or --b", "-f, -o or -q". */
function either(flags: readonly string[]): string {
  return flags.length < 2 ? flags.join("") : `${flags.slice(0, -1).join(", ")} or ${flags.at(-1)}`;
}

function shortList(): string {
  return [...BY_SHORT].map(([short, [, row]]) => `${short} (${row.flag})`).join(", ");
}

/**
 * Reads the words after `docker buildx build` into `BuildOptions`, through the flag table.
 *
 * Errors: a flag with no value, an unknown one-letter flag, a value a boolean flag cannot take,
 * a second context, and a typo: a long flag the table does not know but within an edit distance
 * of 2 of one it does (`--plaform`: "did you mean --platform?"), whose value is then read as
 * that flag would read it. Any other long flag the table does not know is passed through in
 * `extraFlags` with a warning, so a newer buildx is never blocked; it takes a value only as
 * `--flag=value`.
 *
 * @example
 * const { options, diagnostics } = parseBuildArgs(["-t", "app:1", "--push", "."]);
 * // options: { context: ".", tag: ["app:1"], push: true }
 */
export function parseBuildArgs(words: readonly string[]): ParsedBuildArgs {
  const { options, diagnostics } = readBuildArgs(words);
  return { options, diagnostics };
}

/**
 * `parseBuildArgs()`, also saying how each word was read (a flag, a flag's value, the context):
 * the template uses it to keep an interpolated value from becoming a flag, and to give an array
 * written after a flag to that flag.
 */
export function readBuildArgs(input: readonly string[]): ReadBuildArgs {
  const diagnostics: Diagnostic[] = [];
  const misspelt = new Set<string>();
  const say = (level: Diagnostic["level"], code: ParseCode, option: string | null, message: string, hint?: string) =>
    diagnostics.push(hint === undefined ? { level, code, option, message } : { level, code, option, message, hint });
  // Only text is a word: anything else (a hole in a sparse array too) is an error, and left out.
  const words: string[] = [];
  if (!Array.isArray(input)) {
    say("error", "invalid-words", null, `expects the words of a command line (an array of strings), got ${describe(input)}`);
  } else {
    for (let i = 0; i < input.length; i++) {
      const word: unknown = input[i];
      if (typeof word === "string") words.push(word);
      else say("error", "invalid-words", null, `word ${i + 1} is ${describe(word)}, not text`, "pass every word as a string");
    }
  }
  const readings: WordReading[] = words.map(() => ({ role: "flag" }));

  const seen = new Map<string, Occurrence[]>();
  const extra = new Map<string, Occurrence[]>();
  let context: string | undefined;
  // The unknown bare flag right before the context, if one was: it may have meant the context as its value.
  let contextAfter: string | null = null;
  // The last word, when it was an unknown bare flag.
  let lastUnknownBare: string | null = null;
  let flagsEnded = false;

  const add = (name: string, occurrence: Occurrence) => {
    const list = seen.get(name) ?? [];
    list.push(occurrence);
    seen.set(name, list);
  };

  const positional = (word: string, after: string | null) => {
    if (context === undefined) {
      context = word;
      contextAfter = after;
      return;
    }
    const [flag, value] = contextAfter ? [contextAfter, context] : after ? [after, word] : [null, null];
    say(
      "error",
      "two-contexts",
      "context",
      `a second build context ${JSON.stringify(word)} (the first is ${JSON.stringify(context)})`,
      flag
        ? `${flag} is not a flag buildx-kit knows, so it did not take ${JSON.stringify(value)} as its value: write ${flag}=${value}`
        : "a build has one context; quote a value that holds spaces",
    );
  };

  /** The value of a flag that needs one: after "=" in the same word, or the next word. */
  const takeValue = (i: number, as: string, name: string, inline: string | undefined): [string | undefined, number] => {
    if (inline !== undefined) return [inline, i];
    if (i + 1 >= words.length) {
      say("error", "missing-value", name, `${as} needs a value`, `write ${as}=VALUE or ${as} VALUE`);
      return [undefined, i];
    }
    const next = words[i + 1]!;
    // buildx takes the next word whatever it is; a known flag there usually means a missing value.
    if (next.startsWith("--") && BY_FLAG.has(next.split("=")[0]!)) {
      say(
        "warning",
        "value-looks-like-flag",
        name,
        `${as} takes ${JSON.stringify(next)} as its value, as buildx would`,
        `if ${as} was meant to have a value, give it one: ${as}=VALUE`,
      );
    }
    readings[i + 1] = { role: "value" };
    return [next, i + 1];
  };

  /** Whether the word after a `csvOrBool` flag written alone reads as its value (so `--sbom .` keeps its context). */
  const readsAsCsvOrBool = (next: string | undefined): next is string =>
    next !== undefined && (next === "true" || next === "false" || (next.includes("=") && !next.startsWith("-")));

  /**
   * A misspelt flag written without a value (`--plaform linux/amd64`): the next word read as the
   * flag it is taken for would read it, so the typo is the one error. Returns the last index read.
   */
  const readAsMeant = (i: number, meant: string, as: string): number => {
    const [name, row] = (meant.startsWith("--") ? BY_FLAG : BY_SHORT).get(meant)!;
    const takes = codecOf(row).takes;
    if (takes === "never") return i;
    readings[i] = { role: "flag", wantsValue: { name, row, as } };
    const next = words[i + 1];
    if (next === undefined || (takes === "optional" && !readsAsCsvOrBool(next))) return i;
    readings[i + 1] = { role: "value" };
    return i + 1;
  };

  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const after = lastUnknownBare;
    lastUnknownBare = null;

    if (flagsEnded || word === "-" || !word.startsWith("-")) {
      readings[i] = { role: "context" };
      positional(word, after);
      continue;
    }
    if (word === "--") {
      readings[i] = { role: "end" };
      flagsEnded = true;
      continue;
    }

    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const flag = eq === -1 ? word : word.slice(0, eq);
      const inline = eq === -1 ? undefined : word.slice(eq + 1);
      const known = BY_FLAG.get(flag);
      if (!known) {
        const name = flag.slice(2);
        if (!FLAG_NAME.test(name)) {
          const normal = `--${name.toLowerCase().replace(/_/g, "-")}`;
          const near = BY_FLAG.has(normal) ? [normal] : nearFlags(normal);
          if (!misspelt.has(flag)) {
            if (near.length) misspelt.add(flag);
            say(
              "error",
              "invalid-flag",
              null,
              `${JSON.stringify(flag)} is not a flag name`,
              `${near.length ? `did you mean ${either(near)}? ` : ""}buildx flags are lowercase words joined by dashes, such as --build-arg`,
            );
          }
          if (near.length && inline === undefined) i = readAsMeant(i, near[0]!, flag);
          continue;
        }
        const near = nearFlags(flag);
        if (near.length) {
          // A typo, not a newer flag: an error, and the word after it read as the meant flag
          // would read it, so no second error follows from the first.
          if (!misspelt.has(flag)) {
            misspelt.add(flag);
            say(
              "error",
              "misspelt-flag",
              null,
              `${flag} is not in buildx-kit's flag table; did you mean ${either(near)}?`,
              "a flag this near a known one is taken for a typo; give a flag of a newer buildx in extraFlags",
            );
          }
          if (inline === undefined) i = readAsMeant(i, near[0]!, flag);
          continue;
        }
        const guess = flagRow(suggestOption(name) ?? "")?.flag;
        say(
          "warning",
          "unknown-flag",
          `extraFlags.${name}`,
          `${flag} is not in buildx-kit's flag table; passed to buildx unchecked`,
          `${guess ? `did you mean ${guess}? ` : ""}an unknown flag takes a value only as ${flag}=VALUE`,
        );
        const list = extra.get(name) ?? [];
        list.push({ value: inline ?? true, as: flag });
        extra.set(name, list);
        if (inline === undefined) lastUnknownBare = flag;
        continue;
      }
      const [name, row] = known;
      const takes = codecOf(row).takes;
      if (takes !== "never" && inline === undefined) readings[i] = { role: "flag", wantsValue: { name, row, as: flag } };
      if (takes === "never") {
        add(name, { value: inline ?? true, as: flag });
      } else if (takes === "optional" && inline === undefined) {
        // `--sbom` alone means true; it takes the next word only when that reads as its value, so
        // `--sbom .` keeps its context.
        const next = words[i + 1];
        if (readsAsCsvOrBool(next)) {
          add(name, { value: next, as: flag });
          readings[++i] = { role: "value" };
        } else {
          add(name, { value: true, as: flag });
        }
      } else {
        const [value, at] = takeValue(i, flag, name, inline);
        i = at;
        if (value !== undefined) add(name, { value, as: flag });
      }
      continue;
    }

    // One-letter flags, possibly bundled: -q, -tapp, -t=app, -qt app.
    for (let c = 1; c < word.length; c++) {
      const short = `-${word[c]}`;
      const known = BY_SHORT.get(short);
      if (!known) {
        // `-platform`: a long flag written with one dash.
        const long = c === 1 && word.length > 2 ? `-${word.split("=")[0]}` : null;
        const meant = long === null ? [] : BY_FLAG.has(long) ? [long] : nearFlags(long).filter((f) => f.startsWith("--"));
        if (!misspelt.has(word)) {
          if (meant.length) misspelt.add(word);
          say(
            "error",
            "unknown-short-flag",
            null,
            `${short}${word.length > 2 ? ` (in ${JSON.stringify(word)})` : ""} is not a flag of docker buildx build`,
            meant.length ? `did you mean ${either(meant)}? long flags take two dashes` : `one-letter flags: ${shortList()}; write long flags with two dashes`,
          );
        }
        if (meant.length && !word.includes("=")) i = readAsMeant(i, meant[0]!, word);
        break;
      }
      const [name, row] = known;
      const rest = word.slice(c + 1);
      if (codecOf(row).takes === "never") {
        if (rest.startsWith("=")) {
          add(name, { value: rest.slice(1), as: short });
          break;
        }
        add(name, { value: true, as: short });
        continue;
      }
      const inline = rest.startsWith("=") ? rest.slice(1) : rest === "" ? undefined : rest;
      if (inline === undefined) readings[i] = { role: "flag", wantsValue: { name, row, as: short } };
      const [value, at] = takeValue(i, short, name, inline);
      i = at;
      if (value !== undefined) add(name, { value, as: short });
      break;
    }
  }

  const options: Record<string, unknown> = {};
  if (context !== undefined) options.context = context;
  for (const [name, row] of FLAG_ROWS) {
    const occurrences = seen.get(name);
    if (!occurrences) continue;
    // Each kind reads its occurrences: the last of a flag given once, every one of a repeatable flag.
    const value = codecOf(row).decode(name, row, occurrences, say);
    if (value !== undefined) options[name] = value;
  }
  if (extra.size) {
    const flags: Record<string, string | boolean | string[]> = {};
    for (const [name, occurrences] of extra) {
      const values = occurrences.map((o) => o.value);
      const texts = values.filter((v): v is string => v !== true);
      if (texts.length === 0) flags[name] = true;
      else if (texts.length !== values.length) {
        say(
          "error",
          "invalid-value",
          `extraFlags.${name}`,
          `--${name} is given both alone and with a value`,
          `give it a value every time (--${name}=VALUE), or never`,
        );
      } else flags[name] = texts.length === 1 ? texts[0]! : texts;
    }
    if (Object.keys(flags).length) options.extraFlags = Object.fromEntries(Object.entries(flags));
  }
  return { options: options as BuildOptions, diagnostics, readings };
}
