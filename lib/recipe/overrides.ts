/**
 * `--set key=value` overrides: `tag=api:1.2`, `buildArg.VERSION=1.2`, `ulimit.nofile=1024:2048`,
 * read through the flag table's value kinds and applied to a recipe's options.
 */
import { flagRow } from "../core/flags.ts";
import { codecOf, PROTOTYPE_KEYS } from "../core/kinds.ts";
import type { BuildOptions } from "../core/options.ts";
import { suggestOption } from "../core/plan.ts";
import { RecipeError, type RecipeProblem } from "./problems.ts";
import { describe, isSensitive } from "../core/values.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One `--set key=value`, read. */
export interface SetOverride {
  /** The argument as given. */
  readonly text: string;
  /** The option: `tag`, `buildArg`, `context`, `extraFlags`. */
  readonly option: string;
  /** The entry within a key=value option (`VERSION` of `buildArg.VERSION`), or null. */
  readonly key: string | null;
  readonly value: string;
}

/**
 * A `--set` argument as messages show it: as given, except the value of a secret (or of a
 * misspelt one) is not shown, as it may be the secret itself: `secret=(not shown)`.
 */
export function shownSet(text: string): string {
  const eq = text.indexOf("=");
  if (eq === -1) return text;
  const option = text.slice(0, eq).replace(/^options\./, "").split(".")[0]!;
  const hidden = isSensitive(option) || isSensitive(suggestOption(option) ?? "");
  return hidden ? `${text.slice(0, eq)}=(not shown)` : text;
}

/**
 * Reads `--set key=value`: `tag=api:1.2`, `buildArg.VERSION=1.2`, `platform=linux/arm64`,
 * `ulimit.nofile=1024:2048`, `extraFlags.foo=bar` (an `options.` prefix is allowed). An empty
 * value unsets the option. Throws a `RecipeError` naming what is wrong.
 */
export function parseSet(text: string): SetOverride {
  const bad = (message: string): never => {
    throw new RecipeError([{ path: "", code: "invalid-set", ...(typeof text === "string" ? { set: shownSet(text) } : {}), message }], "invalid --set");
  };
  if (typeof text !== "string") return bad(`expects key=value text, got ${describe(text)}`);
  const eq = text.indexOf("=");
  if (eq <= 0) return bad("expects key=value (e.g. tag=api:1.2 or buildArg.VERSION=1.2)");
  const path = text.slice(0, eq).replace(/^options\./, "");
  const value = text.slice(eq + 1);
  const dot = path.indexOf(".");
  const option = dot === -1 ? path : path.slice(0, dot);
  const key = dot === -1 ? null : path.slice(dot + 1);
  const row = flagRow(option);
  if (!row && option !== "context" && option !== "extraFlags") {
    const guess = suggestOption(option);
    return bad(`"${option}" is not a build option${guess ? `; did you mean ${guess}?` : ""}`);
  }
  if (key !== null && key === "") return bad(`the entry after "${option}." is empty`);
  if (key !== null && option !== "extraFlags" && !(row && codecOf(row).settable)) {
    return bad(`${option} has no entries: write ${option}=VALUE`);
  }
  if (key === null && option === "extraFlags") return bad("name the flag: extraFlags.NAME=VALUE");
  if (key !== null && PROTOTYPE_KEYS.has(key)) return bad(`"${key}" cannot be an entry name (it names a part of every JavaScript object)`);
  return { text, option, key, value };
}

/**
 * Applies `--set` overrides to options: the first `--set` of a list option replaces the recipe's
 * value and later ones add to it; an entry (`buildArg.V=1`) is set within the recipe's entries.
 * Values are checked afterwards, with everything else.
 */
export function applySets(options: BuildOptions, sets: readonly (string | SetOverride)[]): BuildOptions {
  if (!isRecord(options)) {
    throw new RecipeError(
      [{ path: "options", code: "invalid-value", message: `expects an object of build options, got ${describe(options)}` }],
      "invalid --set",
    );
  }
  if (!Array.isArray(sets)) {
    throw new RecipeError([{ path: "", code: "invalid-set", message: `expects a list of key=value texts, got ${describe(sets)}` }], "invalid --set");
  }
  const out: Record<string, unknown> = { ...options };
  const problems: RecipeProblem[] = [];
  const replaced = new Set<string>();
  for (const item of Array.from(sets)) {
    let s: SetOverride;
    try {
      // A SetOverride is read again from its parts: only what parseSet accepts is applied.
      const o = item as Partial<SetOverride> | undefined;
      s = typeof item === "string"
        ? parseSet(item)
        : isRecord(o) && typeof o.option === "string" && (o.key === null || typeof o.key === "string") && typeof o.value === "string"
        ? { ...parseSet(`${o.option}${o.key !== null ? `.${o.key}` : ""}=${o.value}`), ...(typeof o.text === "string" ? { text: o.text } : {}) }
        : parseSet(item as never);
    } catch (e) {
      if (e instanceof RecipeError) {
        problems.push(...e.problems);
        continue;
      }
      throw e;
    }
    const { option, key, value } = s;
    const unset = value === "" && key === null;
    if (unset) {
      delete out[option];
      continue;
    }
    if (option === "context") {
      out[option] = value;
      continue;
    }
    if (option === "extraFlags") {
      const extra = isRecord(out.extraFlags) ? { ...out.extraFlags } : {};
      extra[key!] = value === "true" ? true : value === "false" ? false : value;
      out.extraFlags = extra;
      continue;
    }
    // Every option of the table: as its kind applies text (parseSet checked the option exists).
    const row = flagRow(option);
    if (!row) continue;
    const result = codecOf(row).set(option, out[option], key, value, !replaced.has(option));
    if ("problem" in result) {
      problems.push({ path: `options.${option}`, code: "invalid-set", set: shownSet(s.text), message: result.problem });
      continue;
    }
    out[option] = result.value;
    replaced.add(option);
  }
  if (problems.length) throw new RecipeError(problems, "invalid --set");
  return out as BuildOptions;
}
