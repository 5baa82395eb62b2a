/**
 * Recipes to and from `docker buildx bake` JSON, so a recipe is never a lock-in.
 *
 * `toBake(recipe)` writes one bake target that `docker buildx bake -f FILE` builds the way
 * `buildx-kit run` does: each option goes to the bake key its flag-table row names, encoded by the
 * same value kinds as the command line (CSV strings for outputs, caches and secrets), `${` and
 * `%{` escaped as bake's template syntax needs, `push`/`load` (and the default load) written as
 * outputs, `provenance`/`sbom` as `attest` entries. What bake cannot say, and keys the installed
 * buildx's bake does not know (it would silently ignore them), are diagnostics, never silent drops.
 *
 * `fromBake(json, target?)` reads a bake JSON value back into a recipe, resolving groups and
 * `inherits` as bake does; a matrix, variables or interpolation are rejected with a clear message.
 *
 * `exportBake(files)` writes several recipes as one bake file (a target each, a `default` group),
 * paths relative to the bake file's folder, with the `--allow` entitlements bake >= 0.20 asks for;
 * `importBakeTargets(file)` reads JSON or HCL through `docker buildx bake --print` (the engine's
 * own parser: variables, `inherits`, `matrix`), each target a recipe, paths rebased to its folder.
 */
import * as host from "../runtime/host.ts";
import { basename, dirname, isAbsolute, join, normalize, relative, resolve } from "../runtime/posix.ts";
import type { Capabilities } from "../core/capabilities.ts";
import { formatCsv, parseAttributes } from "../core/csv.ts";
import type { Diagnostic } from "../core/diagnostics.ts";
import { CONTEXT, FLAG_ROWS, type FlagRow, flagRow, FLAGS } from "../core/flags.ts";
import { codecOf, encodeOption } from "../core/kinds.ts";
import type { BuildOptions } from "../core/options.ts";
import { outputExports, plan, readOutputs } from "../core/plan.ts";
import { probe } from "../build/probe.ts";
import { childPath, JsonSyntaxError, parseJsonWithPositions } from "../core/json.ts";
import { applySets } from "./overrides.ts";
import { capture } from "../runtime/spawn.ts";
import { isRemote, mapPaths, rebase, visitPaths } from "./paths.ts";
import { atLeast } from "../core/version.ts";
import {
  loadRecipeFile,
  MAX_RECIPE_BYTES,
  type Recipe,
  RECIPE_SCHEMA_URL,
  RECIPE_VERSION,
  RecipeError,
  recipeOptions,
  type RecipeProblem,
  validateRecipe,
  writeFileAtomic,
} from "./recipe.ts";
import { describe, scalarText } from "../core/values.ts";

/** One bake target: bake keys (`tags`, `cache-to`, ...) to values. */
export type BakeTarget = Record<string, unknown>;

/** A bake JSON file. */
export interface BakeFile {
  readonly group?: Record<string, { readonly targets: readonly string[] }>;
  readonly target: Record<string, BakeTarget>;
}

/** The bake keys toBake may write besides the table's: where the flag table has no row for them. */
const DOCKERFILE_KEY = FLAGS.file.bake; // "dockerfile"
const OUTPUT_KEY = FLAGS.output.bake; // "output"
const ATTEST_KEY = FLAGS.attest.bake; // "attest"
const DESCRIPTION_KEY = "description";

/** Every bake target key toBake can write: the table's bake keys, the context and a description. */
export const BAKE_KEYS: readonly string[] = [
  CONTEXT.bake,
  ...new Set(FLAG_ROWS.flatMap(([, r]) => (r.bake ? [r.bake] : []))),
  DESCRIPTION_KEY,
];

/**
 * The bake target keys of options that a buildx release's bake reads, from the flag table (each
 * row's `bake` key, from its `bakeSince` or else its `since`): what `probeBakeKeys()` finds by
 * asking, known without running anything. The context's key is always there; `description` is no
 * option and not among them. A null version is the latest (as `atLeast` reads it).
 */
export function optionBakeKeys(version: string | null): string[] {
  const keys = new Set<string>([CONTEXT.bake]);
  for (const row of Object.values(FLAGS)) {
    if (row.bake !== null && atLeast(version, row.bakeSince ?? row.since)) keys.add(row.bake);
  }
  return [...keys];
}

/** The option each bake key comes from. */
const OPTION_OF_BAKE_KEY: ReadonlyMap<string, [string, FlagRow]> = new Map(
  FLAG_ROWS.flatMap(([name, row]) => (row.bake ? [[row.bake, [name, row]] as [string, [string, FlagRow]]] : [])),
);

/**
 * How bake's `inherits` combines a list key: these replace the inherited value, every other list
 * appends to it (buildx's `Target.Merge`); key=value keys merge per key.
 */
const REPLACED_ON_INHERIT = new Set(["tags", "platforms", "cache-to", "output"]);

/** Bake's template syntax in every JSON string: `${` and `%{` start one, `$${` and `%%{` are literal. */
export function escapeBake(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sanitizeTarget(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, "_");
  return cleaned === "" ? "default" : cleaned;
}

// ---------------------------------------------------------------------------------------------
// toBake

/** How to export. */
export interface ToBakeOptions {
  /** The bake target's name. Default: the recipe's name (made a valid target name), else `default`. */
  readonly target?: string;
  /**
   * The bake keys the installed buildx knows (`probeBakeKeys()`); keys outside it are left out with
   * a warning. null or absent: not checked (an info diagnostic says so).
   */
  readonly bakeKeys?: readonly string[] | null;
  /** The recipe's folder, for a relative Dockerfile beside an absolute context. Default: the working directory. */
  readonly dir?: string;
}

/** A recipe as a bake file. */
export interface BakeExport {
  readonly bake: BakeFile;
  /** The target's name (the file also has a `default` group holding it). */
  readonly target: string;
  /** Everything bake could not say, and every translation worth knowing. */
  readonly diagnostics: readonly Diagnostic[];
}

function diag(level: Diagnostic["level"], code: Diagnostic["code"], option: string | null, message: string, hint?: string): Diagnostic {
  return hint === undefined ? { level, code, option, message } : { level, code, option, message, hint };
}

/** One option's value as its bake key holds it, by value kind; null when it cannot be expressed. */
function bakeValue(name: string, row: FlagRow, value: unknown, diagnostics: Diagnostic[]): unknown {
  return codecOf(row).toBake(name, row, value, diagnostics);
}

/** Deeply escapes every string (keys too: bake reads object keys as templates as well). */
function escapeDeep(value: unknown): unknown {
  if (typeof value === "string") return escapeBake(value);
  if (Array.isArray(value)) return value.map(escapeDeep);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeBake(k), escapeDeep(v)]));
  return value;
}

/** An attestation shorthand (`provenance: "mode=max"`, `sbom: true`) as `attest` entries (`type=provenance,mode=max`). */
function attestEntries(name: string, row: FlagRow, value: unknown): string[] {
  const { args, problems } = encodeOption(name, row, value);
  const entry = row.bakeAs?.entry;
  if (problems.length || entry === undefined) return [];
  return args.map((a) => a.slice(row.flag.length + 1)).map((text) =>
    text === "true" ? entry : text === "false" ? `${entry},disabled=true` : `${entry},${text}`
  );
}

/**
 * A recipe as a `docker-bake.json` that `docker buildx bake -f FILE` builds the same way. Pure.
 * Throws a `RecipeError` for an invalid recipe; everything bake cannot express is a diagnostic.
 *
 * @example
 * const { bake, diagnostics } = toBake(recipe, { bakeKeys: await probeBakeKeys() });
 */
export function toBake(recipe: Recipe, options: ToBakeOptions = {}): BakeExport {
  const problems = validateRecipe(recipe);
  if (problems.length) throw new RecipeError(problems);
  const diagnostics: Diagnostic[] = [];
  const planned = plan(recipeOptions(recipe));
  // What the plan says about the options themselves (bake would meet the same), then the translation.
  for (const d of planned.diagnostics) if (d.level !== "info") diagnostics.push(d);
  const resolved = planned.options as Record<string, unknown>;
  const target: BakeTarget = {};

  const context = resolved.context as string | undefined;
  if (context === "-") {
    diagnostics.push(diag("warning", "bake-cannot-express", "context", "a context read from stdin (-) is not allowed in bake: left out"));
  } else if (context !== undefined) {
    target[CONTEXT.bake] = context;
  }

  const outputs: string[] = [];
  const attest: string[] = [];
  for (const [name, row] of FLAG_ROWS) {
    const value = resolved[name];
    if (value === undefined) continue;
    if (name === "file") {
      const file = value as string;
      if (file === "-") {
        diagnostics.push(diag("warning", "bake-cannot-express", "file", "a Dockerfile read from stdin (-) is not allowed in bake: left out"));
        continue;
      }
      // buildx reads -f against the working directory; bake reads dockerfile against the context.
      const base = context ?? ".";
      target[DOCKERFILE_KEY] = isRemote(base) || isAbsolute(file)
        ? file
        : isAbsolute(base)
        ? resolve(options.dir ?? host.cwd(), file)
        : relative(normalize(base), normalize(file)) || ".";
      continue;
    }
    if (row.bakeAs?.option === "output") continue; // outputs, below
    if (row.bakeAs?.option === "attest") {
      for (const entry of attestEntries(name, row, value)) {
        attest.push(entry);
        diagnostics.push(diag("info", "bake-attest", name, `written as attest entry ${entry}`));
      }
      continue;
    }
    if (row.bake === null) {
      diagnostics.push(
        diag(
          "warning",
          "bake-cannot-express",
          name,
          `${row.flag} has no bake file key: left out`,
          name === "builder" ? `run docker buildx bake --builder ${String(value)}` : `pass ${row.flag} to docker buildx build instead, or leave it out`,
        ),
      );
      continue;
    }
    const v = bakeValue(name, row, value, diagnostics);
    if (v === null) continue;
    if (row.bake === OUTPUT_KEY) outputs.push(...(v as string[]));
    else if (row.bake === ATTEST_KEY) attest.push(...(v as string[]));
    else target[row.bake] = v;
  }

  // push and load are outputs in bake: what `--push` and `--load` add to buildx's exporters.
  if (resolved.push === true) {
    const image = outputs.findIndex((o) => readOutputs(o).some((out) => outputExports(out) === "push-attribute"));
    if (image >= 0) {
      const attrs = parseAttributes(outputs[image]!);
      outputs[image] = formatCsv(Object.entries({ ...attrs, push: "true" }).map(([k, v]) => `${k}=${v}`));
      diagnostics.push(diag("info", "bake-push-as-output", "push", `written as push=true on output ${outputs[image]}`));
    } else {
      outputs.push(FLAGS.push.bakeAs.entry);
      diagnostics.push(diag("info", "bake-push-as-output", "push", "written as output type=registry"));
    }
  }
  if (resolved.load === true && !outputs.some((o) => readOutputs(o).some((out) => outputExports(out) === "load" && !out.attrs.dest))) {
    outputs.push(FLAGS.load.bakeAs.entry);
    diagnostics.push(
      diag(
        "info",
        "bake-load-as-output",
        "load",
        recipe.options.load === true ? "written as output type=docker" : "is on by default (no push, no output): written as output type=docker",
      ),
    );
  }
  if (outputs.length) target[OUTPUT_KEY] = outputs;
  if (attest.length) target[ATTEST_KEY] = attest;

  const extra = resolved.extraFlags;
  if (isRecord(extra)) {
    for (const flag of Object.keys(extra)) {
      diagnostics.push(diag("warning", "bake-cannot-express", `extraFlags.${flag}`, "flags outside the flag table have no known bake key: left out"));
    }
  }
  if (recipe.description) target[DESCRIPTION_KEY] = recipe.description;

  // Keys this buildx's bake does not know: it would ignore them without a word.
  const known = options.bakeKeys;
  if (known === undefined || known === null) {
    diagnostics.push(diag("info", "bake-keys-unchecked", null, "the installed buildx's bake keys were not probed: every key is written"));
  } else {
    for (const key of Object.keys(target)) {
      if (known.includes(key)) continue;
      const option = key === DESCRIPTION_KEY ? "description" : key === CONTEXT.bake ? "context" : OPTION_OF_BAKE_KEY.get(key)?.[0] ?? key;
      const row = flagRow(option);
      if (key === DESCRIPTION_KEY) {
        diagnostics.push(diag("info", "bake-key-unknown-to-buildx", null, `this buildx's bake has no "${key}" key: the recipe's description is left out`));
      } else {
        diagnostics.push(
          diag(
            "warning",
            "bake-key-unknown-to-buildx",
            option,
            `this buildx's bake does not know the key "${key}" (it would ignore it): left out`,
            `upgrade buildx, or build with buildx-kit run${row ? ` (${row.flag} works with docker buildx build >= ${row.since})` : ""}`,
          ),
        );
      }
      delete target[key];
    }
  }

  const name = options.target ?? sanitizeTarget(recipe.name ?? "default");
  const escaped = escapeDeep(target) as BakeTarget;
  const bake: BakeFile = name === "default" ? { target: { default: escaped } } : { group: { default: { targets: [name] } }, target: { [name]: escaped } };
  return { bake, target: name, diagnostics };
}

/** A bake file as written: two-space indent, final newline. */
export function formatBake(bake: BakeFile): string {
  return `${JSON.stringify(bake, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// fromBake

/** A recipe read from a bake file. */
export interface BakeImport {
  readonly recipe: Recipe;
  /** The target it came from. */
  readonly target: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** How to import. */
export interface FromBakeOptions {
  /** The file's name, for messages. */
  readonly file?: string;
  /**
   * The value is `docker buildx bake --print`'s: variables, interpolation, escapes, `inherits` and
   * `matrix` already evaluated by bake, so every string is literal.
   */
  readonly printed?: boolean;
}

/** Interpolation (`${...}`) or a directive (`%{...}`) in a bake string, or null; `$${`, `%%{` are literal. */
function templateIn(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    if ((text[i] === "$" || text[i] === "%") && text[i + 1] === text[i] && text[i + 2] === "{") {
      i += 2;
      continue;
    }
    if ((text[i] === "$" || text[i] === "%") && text[i + 1] === "{") return text.slice(i, text.indexOf("}", i) + 1 || undefined);
  }
  return null;
}

function unescapeBake(text: string): string {
  return text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}

/**
 * Reads a bake target into a recipe. `json` is the file's text (syntax errors get line and
 * column) or its parsed value; `target` names a target or a group of one target (default: the
 * `default` group or target, else the only target). Groups and `inherits` are resolved as bake
 * does. Throws a `RecipeError` for a matrix, variables in use, keys a recipe cannot hold, and
 * every value the recipe would not accept.
 *
 * @example
 * const { recipe } = fromBake(await readFile("docker-bake.json", "utf8"), "api");
 */
export function fromBake(json: string | object, target?: string, options: FromBakeOptions = {}): BakeImport {
  const where = options.file !== undefined ? { file: options.file } : {};
  const fail = (path: string, message: string, code = "bake"): never => {
    throw new RecipeError([{ ...where, path, code, message }], "cannot import");
  };
  let value: unknown = json;
  let positions: ReadonlyMap<string, { value: { line: number; column: number } }> | undefined;
  if (typeof json === "string") {
    try {
      const parsed = parseJsonWithPositions(json);
      [value, positions] = [parsed.value, parsed.positions];
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      throw new RecipeError([{ ...where, path: "", code: "syntax", message: e.reason, line: e.line, column: e.column }], "cannot import");
    }
  }
  if (!isRecord(value)) return fail("", `a bake file is a JSON object, got ${describe(value)}`);
  const targets = value.target ?? {};
  const groups = value.group ?? {};
  if (!isRecord(targets)) return fail("target", `expects an object of targets, got ${describe(targets)}`);
  if (!isRecord(groups)) return fail("group", `expects an object of groups, got ${describe(groups)}`);
  const names = Object.keys(targets);
  if (names.length === 0) return fail("target", "the bake file has no targets");

  // Which target: a group must come down to exactly one.
  const expand = (name: string, seen: string[] = []): string[] => {
    const group = groups[name];
    // A group that names itself (or a group above it) means the target of that name, as in bake.
    if (!isRecord(group) || seen.includes(name)) return [name];
    const list = Array.isArray(group.targets) ? group.targets.filter((t): t is string => typeof t === "string") : [];
    return [...new Set(list.flatMap((t) => expand(t, [...seen, name])))];
  };
  const wanted = target ?? (("default" in groups || "default" in targets) ? "default" : names.length === 1 ? names[0]! : null);
  if (wanted === null) {
    return fail("target", `the bake file has ${names.length} targets (${names.join(", ")}) and no default group: choose one (CLI: --target NAME)`);
  }
  if (!(wanted in targets) && !(wanted in groups)) {
    return fail(
      "target",
      `no target or group "${wanted}" (targets: ${names.join(", ")}${Object.keys(groups).length ? `; groups: ${Object.keys(groups).join(", ")}` : ""})`,
    );
  }
  const chosen = expand(wanted);
  if (chosen.length !== 1) {
    return fail(
      `group.${wanted}`,
      `group "${wanted}" holds ${chosen.length} targets (${chosen.join(", ")}); a recipe is one build: choose one (CLI: --target NAME)`,
    );
  }
  const name = chosen[0]!;
  if (!isRecord(targets[name])) return fail(`target.${name}`, `no target "${name}" (targets: ${names.join(", ")})`);

  // inherits, resolved as bake's Target.Merge does.
  const problems: RecipeProblem[] = [];
  const at = (path: string) => {
    const pos = positions?.get(path)?.value;
    return pos ? { line: pos.line, column: pos.column } : {};
  };
  const problem = (path: string, message: string, code = "bake") => problems.push({ ...where, path, code, message, ...at(path) });
  const resolveTarget = (tname: string, chain: string[]): { merged: BakeTarget; sources: Map<string, string> } => {
    const t = targets[tname];
    if (!isRecord(t)) {
      problem(`target.${chain[chain.length - 1]}.inherits`, `inherits "${tname}", which is not a target`);
      return { merged: {}, sources: new Map() };
    }
    if (chain.includes(tname)) {
      problem(`target.${tname}.inherits`, `inherits itself (${[...chain, tname].join(" -> ")})`);
      return { merged: {}, sources: new Map() };
    }
    if ("matrix" in t) {
      fail(
        `target.${tname}.matrix`,
        `target "${tname}" has a matrix, which makes several builds of one target; a recipe is one build: ` +
          `write the combination you want as a plain target (docker buildx bake --print ${tname} lists them)`,
        "bake-matrix",
      );
    }
    const merged: BakeTarget = {};
    const sources = new Map<string, string>(); // key -> path of the value, for messages
    const inherits = t.inherits;
    if (inherits !== undefined && (!Array.isArray(inherits) || inherits.some((x) => typeof x !== "string"))) {
      problem(`target.${tname}.inherits`, `expects an array of target names, got ${describe(inherits)}`);
    }
    for (const parent of Array.isArray(inherits) ? inherits.filter((x): x is string => typeof x === "string") : []) {
      const r = resolveTarget(parent, [...chain, tname]);
      merge(merged, r.merged);
      for (const [k, p] of r.sources) sources.set(k, p);
    }
    const own = Object.fromEntries(Object.entries(t).filter(([k]) => k !== "inherits"));
    merge(merged, own);
    for (const k of Object.keys(own)) sources.set(k, `target.${tname}.${k}`);
    return { merged, sources };
  };
  const { merged, sources } = resolveTarget(name, []);
  const diagnostics: Diagnostic[] = [];
  if (!options.printed && ("variable" in value || "function" in value)) {
    diagnostics.push(diag("info", "bake-variables-ignored", null, "the file's variables and functions are not evaluated: values that use them are rejected"));
  }

  // Strings: escapes undone; interpolation cannot be carried into a recipe.
  const literal = (v: unknown, path: string): unknown => {
    if (options.printed) return v;
    if (typeof v === "string") {
      const t = templateIn(v);
      if (t !== null) {
        problem(
          path,
          `uses bake interpolation (${t}), which a recipe cannot hold: resolve it first (docker buildx bake --print ${name} > resolved.json), or write the value`,
          "bake-interpolation",
        );
        return v;
      }
      return unescapeBake(v);
    }
    if (Array.isArray(v)) return v.map((x, i) => literal(x, childPath(path, i)));
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [unescapeBake(k), literal(x, childPath(path, k))]));
    return v;
  };

  const out: Record<string, unknown> = {};
  const one = <T>(list: T[]): T | T[] => (list.length === 1 ? list[0]! : list);
  const strings = (v: unknown, path: string): string[] | null => {
    const list = Array.isArray(v) ? v : null;
    if (!list) {
      problem(path, `expects an array, got ${describe(v)}`);
      return null;
    }
    const texts: string[] = [];
    list.forEach((item, i) => {
      if (typeof item === "string") texts.push(item);
      else if (isRecord(item)) {
        const fields = Object.entries(item).map(([k, x]) => [k, scalarText(x)] as const);
        const bad = fields.find(([, x]) => x === null);
        if (bad) problem(childPath(childPath(path, i), bad[0]), `expects a string, number or boolean, got ${describe(item[bad[0]])}`);
        else texts.push(formatCsv(fields.map(([k, x]) => `${k}=${x}`)));
      } else problem(childPath(path, i), `expects a string, got ${describe(item)}`);
    });
    return texts;
  };
  let context: string | undefined;
  const troubled = new Set<string>(); // keys already reported: their values are not checked again
  for (const [key, raw] of Object.entries(merged)) {
    const before = problems.length;
    convert(key, raw);
    if (problems.length > before) troubled.add(key);
  }
  function convert(key: string, raw: unknown): void {
    const path = sources.get(key) ?? `target.${name}.${key}`;
    const v = literal(raw, path);
    if (key === CONTEXT.bake) {
      if (typeof v !== "string") problem(path, `expects a string, got ${describe(v)}`);
      else context = v.replace(/^cwd:\/\//, "");
      return;
    }
    if (key === DESCRIPTION_KEY || key === "name") return;
    if (key === DOCKERFILE_KEY) return; // below, once the context is known
    if (key === OUTPUT_KEY) {
      const texts = strings(v, path);
      if (!texts) return;
      const rest: string[] = [];
      for (const text of texts) {
        const parsed = readOutputs(text)[0];
        const only = parsed && Object.keys(parsed.attrs).length === 1;
        if (only && outputExports(parsed) === "push") out.push = true;
        else if (only && outputExports(parsed) === "load") out.load = true;
        else rest.push(text);
      }
      if (rest.length) out.output = one(rest);
      return;
    }
    const option = OPTION_OF_BAKE_KEY.get(key);
    if (!option) {
      problem(
        path,
        key === "dockerfile-inline"
          ? `"${key}" has no equivalent in a recipe, which builds from a Dockerfile on disk: write the Dockerfile to a file and name it in "dockerfile"`
          : `"${key}" is not a bake target key buildx-kit can carry into a recipe`,
        "bake-unknown-key",
      );
      return;
    }
    const [optionName, row] = option;
    const converted = codecOf(row).fromBake(row, v, { path, problem, strings, child: childPath });
    if (converted !== undefined) out[optionName] = converted;
  }
  const dockerfile = merged[DOCKERFILE_KEY];
  if (dockerfile !== undefined) {
    const path = sources.get(DOCKERFILE_KEY) ?? `target.${name}.${DOCKERFILE_KEY}`;
    const v = literal(dockerfile, path);
    if (typeof v !== "string") problem(path, `expects a string, got ${describe(v)}`);
    else {
      const file = v.replace(/^cwd:\/\//, "");
      const base = context ?? ".";
      out.file = isRemote(base) || isAbsolute(file) || v.startsWith("cwd://") ? file : join(base, file);
    }
  }
  const ordered: Record<string, unknown> = {};
  if (context !== undefined) ordered.context = context;
  for (const key of Object.keys(FLAGS)) if (out[key] !== undefined) ordered[key] = out[key];
  const description = merged[DESCRIPTION_KEY];
  const recipe: Recipe = {
    $schema: RECIPE_SCHEMA_URL,
    recipe: RECIPE_VERSION,
    name,
    ...(typeof description === "string" && description ? { description: unescapeBake(description) } : {}),
    options: ordered as BuildOptions,
  };
  // The values are checked as a recipe's, and each problem is named by the bake key it came from.
  for (const p of validateRecipe(recipe)) {
    const m = /^options\.([A-Za-z]+)(.*)$/.exec(p.path);
    const option = m?.[1] ?? "";
    const row = flagRow(option);
    const key = option === "context" ? CONTEXT.bake : option === "push" || option === "load" ? OUTPUT_KEY : row?.bake ?? null;
    if (key && troubled.has(key)) continue;
    const base = key ? sources.get(key) ?? `target.${name}.${key}` : null;
    const path = base === null ? p.path : row && codecOf(row).keyed ? `${base}${m?.[2] ?? ""}` : base;
    problem(path, p.message, p.code);
  }
  if (problems.length) throw new RecipeError(problems, "cannot import");
  return { recipe, target: name, diagnostics };
}

/** Merges a bake target into another as bake's `inherits` does. */
function merge(into: BakeTarget, from: BakeTarget): void {
  for (const [key, value] of Object.entries(from)) {
    const current = into[key];
    if (isRecord(value) && (current === undefined || isRecord(current))) {
      // key=value keys merge per key; a null value in args/labels leaves the inherited one.
      const next: Record<string, unknown> = { ...(current as Record<string, unknown> | undefined) };
      for (const [k, v] of Object.entries(value)) if (v !== null) next[k] = v;
      into[key] = next;
    } else if (Array.isArray(value) && Array.isArray(current) && !REPLACED_ON_INHERIT.has(key)) {
      into[key] = [...new Set([...current, ...value])];
    } else if (value !== null) {
      into[key] = value;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// What the installed buildx's bake knows

const keyCache = new Map<string, Promise<string[] | null>>();

/** A value for each bake key, to see whether this buildx's bake keeps it. */
function sampleTarget(keys: readonly string[]): BakeTarget {
  const sample: BakeTarget = {};
  for (const key of keys) {
    if (key === CONTEXT.bake) sample[key] = ".";
    else if (key === DESCRIPTION_KEY) sample[key] = "probe";
    else if (key === OUTPUT_KEY) sample[key] = ["type=cacheonly"];
    else {
      const [name, row] = OPTION_OF_BAKE_KEY.get(key)!;
      let example: unknown = codecOf(row).takes === "never" ? false : row.example ?? "x";
      if (typeof example === "string" && example.startsWith("{")) example = JSON.parse(example);
      sample[key] = bakeValue(name, row, example, []);
    }
  }
  return sample;
}

/**
 * The bake target keys the installed buildx knows, found by asking it: `bake --print` of a target
 * holding each key (an unknown key is dropped silently by older buildx). Cached per buildx; null
 * when buildx cannot be run.
 */
export function probeBakeKeys(
  options: { capabilities?: Capabilities; env?: Readonly<Record<string, string | undefined>>; refresh?: boolean } = {},
): Promise<string[] | null> {
  const command = options.capabilities?.buildxCommand ?? ["docker", "buildx"];
  const cacheKey = `${command.join(" ")}@${options.capabilities?.buildxVersion ?? "?"}`;
  if (!options.refresh && keyCache.has(cacheKey)) return keyCache.get(cacheKey)!;
  const found = (async () => {
    const dir = await host.makeTempDir("buildx-kit-bake-");
    const env = { ...(options.env ?? host.env()), SSH_AUTH_SOCK: "" };
    let files = 0;
    const print = async (keys: readonly string[]) => {
      const file = join(dir, `probe-${files++}.json`);
      await host.writeText(file, JSON.stringify({ target: { probe: sampleTarget(keys) } }));
      return await capture([...command, "bake", "--print", "-f", file, "probe"], { cwd: dir, env, timeoutMs: 30_000 });
    };
    // All keys at once; when a sample value is refused (a secret file, an ssh agent), each half
    // again, down to single keys: a refused value was read, so its key is known.
    const known = async (keys: readonly string[], first: boolean): Promise<string[] | null> => {
      const out = await print(keys);
      if (out.code === 0) return printedKeys(out.stdout)?.filter((k) => keys.includes(k)) ?? null;
      if (first && /unknown (?:command|flag)|is not a docker command|Cannot connect/i.test(out.stderr)) return null;
      if (keys.length === 1) return /unsupported argument|unknown key|not expected/i.test(out.stderr) ? [] : [...keys];
      const mid = keys.length >> 1;
      const halves = await Promise.all([known(keys.slice(0, mid), false), known(keys.slice(mid), false)]);
      return halves.flatMap((h) => h ?? []);
    };
    try {
      return await known(BAKE_KEYS, true);
    } catch {
      return null;
    } finally {
      await host.remove(dir);
    }
  })();
  keyCache.set(cacheKey, found);
  return found;
}

function printedKeys(stdout: string): string[] | null {
  try {
    const printed = JSON.parse(stdout) as { target?: Record<string, Record<string, unknown>> };
    return Object.keys(printed.target?.probe ?? {});
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Files

/** How to export recipe files. */
export interface ExportBakeOptions extends ToBakeOptions {
  /** Where to write the bake file; absent: not written (the text is returned). */
  readonly out?: string;
  /** Replace an existing `out`. */
  readonly overwrite?: boolean;
  /** `--set` overrides applied before exporting (to every recipe). */
  readonly set?: readonly string[];
  /**
   * Where relative recipe paths and `out` start; without `out`, also the folder the bake file's
   * relative paths are written for (where it will be saved and bake run). Messages name paths as
   * given. Default: the working directory.
   */
  readonly cwd?: string;
  /** For probing the bake keys (absent `bakeKeys`) and the buildx version: the machine, and its environment. */
  readonly capabilities?: Capabilities;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What `exportBake` made. */
export interface BakeFileExport extends BakeExport {
  /** Every target written, one per recipe, in the order given (the `default` group holds them all). */
  readonly targets: readonly string[];
  /** The bake file's text. */
  readonly text: string;
  /** The file written (absolute), or null. */
  readonly file: string | null;
  /** The folder to run bake in: the bake file's own (or `cwd`); every relative path in the file resolves against it. */
  readonly cwd: string;
  /**
   * The entitlements bake (buildx >= 0.20) asks for to read or write outside `cwd`:
   * `fs.read=PATH`, `fs.write=PATH`, `fs=PATH` for both.
   */
  readonly allow: readonly string[];
  /** The command that builds it: run it in `cwd`. */
  readonly command: readonly string[];
}

/** The buildx release whose bake asks for `--allow fs.read=`/`fs.write=` to go outside its folder. */
export const BAKE_FS_ENTITLEMENTS_SINCE = "0.20.0";

/** `path` itself, or the nearest folder above it that exists, symbolic links resolved: as bake checks a path. */
async function nearestExisting(path: string): Promise<string> {
  for (let p = path;; p = dirname(p)) {
    try {
      return await host.realPath(p);
    } catch {
      if (p === "/" || dirname(p) === p) return p;
    }
  }
}

function isInside(path: string, dir: string): boolean {
  return path === dir || dir === "/" || path.startsWith(`${dir}/`);
}

/**
 * The `--allow` entitlements bake asks for, for the targets' local paths outside `dir` (read:
 * context, Dockerfile, named contexts, cache sources, secret files; write: file outputs and
 * cache destinations), each at the nearest existing folder as bake checks it.
 */
export async function bakeFsEntitlements(all: readonly BuildOptions[], dir: string): Promise<string[]> {
  const reads = new Set<string>();
  const writes = new Set<string>();
  for (const options of all) {
    const found: [string, boolean][] = [];
    visitPaths(options, (path, written) => {
      if (path !== "" && path !== "-" && !isRemote(path)) found.push([path, written]);
      return path;
    });
    for (const [path, written] of found) {
      const abs = resolve(dir, path);
      if (isInside(abs, dir)) continue;
      (written ? writes : reads).add(await nearestExisting(abs));
    }
  }
  // Only the outermost of nested paths; a path both read and written is fs=.
  const outermost = (set: Set<string>) =>
    [...set].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
      .filter((p, i, list) => !list.slice(0, i).some((q) => isInside(p, q)));
  const r = outermost(reads);
  const w = outermost(writes);
  const both = r.filter((p) => w.includes(p));
  return [
    ...both.map((p) => `fs=${p}`),
    ...r.filter((p) => !both.includes(p)).map((p) => `fs.read=${p}`),
    ...w.filter((p) => !both.includes(p)).map((p) => `fs.write=${p}`),
  ].sort((a, b) => (a.slice(a.indexOf("=") + 1) < b.slice(b.indexOf("=") + 1) ? -1 : 1));
}

/**
 * Exports recipe files as one bake file (`buildx-kit recipe export FILE... [--bake OUT]`): one
 * target per recipe (named after it, made unique) and a `default` group of them all, every
 * relative path rewritten against the bake file's folder so `docker buildx bake -f FILE` runs
 * there; probes which keys the installed buildx's bake knows (unless `bakeKeys` is given),
 * translates, and writes `out` atomically when given. `allow` and `command` carry the `--allow`
 * entitlements bake >= 0.20 asks for to reach outside that folder. Throws `RecipeError` for an
 * invalid recipe, one whose plan has errors (push without a tag, ...), or an existing `out`
 * without `overwrite`.
 */
export async function exportBake(paths: string | readonly string[], options: ExportBakeOptions = {}): Promise<BakeFileExport> {
  const files = typeof paths === "string" ? [paths] : [...paths];
  if (files.length === 0) throw new TypeError("exportBake needs at least one recipe file");
  const from = resolve(options.cwd ?? host.cwd());
  const loaded = await Promise.all(files.map((f) => loadRecipeFile(f, { cwd: from })));
  const wanted = options.out !== undefined ? dirname(resolve(from, options.out)) : from;
  const bakeDir = await host.realPath(wanted).catch(() => wanted);
  const capabilities = options.capabilities ??
    (options.bakeKeys === undefined ? await probe({ inspect: false, ...(options.env ? { env: options.env } : {}) }) : undefined);
  const bakeKeys = options.bakeKeys !== undefined
    ? options.bakeKeys
    : await probeBakeKeys({ ...(capabilities ? { capabilities } : {}), ...(options.env ? { env: options.env } : {}) });

  const many = files.length > 1;
  const taken = new Set<string>(many ? ["default"] : []);
  const unique = (base: string): string => {
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return name;
  };
  const targets: Record<string, BakeTarget> = {};
  const names: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const problems: RecipeProblem[] = [];
  const rebased: BuildOptions[] = [];
  loaded.forEach((l, i) => {
    let recipe = l.recipe;
    let opts = recipeOptions(recipe);
    if (options.set?.length) opts = applySets(opts, options.set);
    // Paths were the recipe's (its folder); now the bake file's.
    opts = mapPaths(opts, (p) => rebase(p, l.dir, bakeDir));
    recipe = { ...recipe, options: opts };
    rebased.push(opts);
    const base = !many && options.target !== undefined ? options.target : sanitizeTarget(recipe.name ?? basename(l.path).replace(/\.json$/i, ""));
    const name = unique(base);
    names.push(name);
    const exported = toBake(recipe, { bakeKeys, dir: bakeDir, target: name });
    for (const d of exported.diagnostics) {
      if (d.level === "error") {
        problems.push({
          file: files[i]!,
          path: d.option ? `options.${d.option}` : "options",
          code: d.code,
          message: `${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`,
        });
      } else if (!(many && i > 0 && d.code === "bake-keys-unchecked")) {
        diagnostics.push(many && d.code !== "bake-keys-unchecked" ? { ...d, message: `target ${name}: ${d.message}` } : d);
      }
    }
    Object.assign(targets, exported.bake.target);
  });
  // A recipe that cannot build makes a bake file that cannot either: nothing is written.
  if (problems.length) throw new RecipeError(problems, "cannot export");

  const single = names.length === 1 ? names[0]! : null;
  const bake: BakeFile = single === "default" ? { target: targets } : { group: { default: { targets: names } }, target: targets };
  const text = formatBake(bake);
  const allow = await bakeFsEntitlements(rebased, bakeDir);
  const version = capabilities?.buildxVersion ?? null;
  const allowFlags = allow.length && (version === null || atLeast(version, BAKE_FS_ENTITLEMENTS_SINCE));
  if (allow.length && !allowFlags) {
    diagnostics.push(
      diag(
        "info",
        "bake-allow-left-out",
        null,
        `buildx ${BAKE_FS_ENTITLEMENTS_SINCE} and later ask for ${
          allow.map((a) => `--allow=${a}`).join(" ")
        } to reach outside ${bakeDir}; this buildx (${version}) has no bake --allow, so the command leaves it out`,
      ),
    );
  }
  let file: string | null = null;
  if (options.out !== undefined) file = await writeFileAtomic(options.out, text, { overwrite: options.overwrite ?? false, cwd: from });
  return {
    bake,
    target: single ?? "default",
    targets: names,
    diagnostics,
    text,
    file,
    cwd: bakeDir,
    allow,
    command: [
      "docker",
      "buildx",
      "bake",
      ...(allowFlags ? allow.map((a) => `--allow=${a}`) : []),
      "-f",
      file ? relative(bakeDir, file) || file : "-",
      ...(single ? [single] : []),
    ],
  };
}

/** How to import a bake file. */
export interface ImportBakeOptions {
  /** A target or group (default: every target of the file). */
  readonly target?: string;
  /** The folder the recipes will be saved in: their relative paths are written for it. Default: the working directory. */
  readonly dir?: string;
  /** Where a relative bake file path starts (messages name it as given). Default: the working directory. */
  readonly cwd?: string;
  /** For running `docker buildx bake --print`: the machine, and its environment. */
  readonly capabilities?: Capabilities;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The names of a bake file's targets and groups, read without evaluating it (JSON keys; HCL block labels). */
function declaredNames(text: string, hcl: boolean): { targets: string[]; groups: string[] } | null {
  if (hcl) {
    const labels = (kind: string) => [...text.matchAll(new RegExp(`^\\s*${kind}\\s+"([^"]+)"\\s*\\{`, "gm"))].map((m) => m[1]!);
    return { targets: [...new Set(labels("target"))], groups: [...new Set(labels("group"))] };
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!isRecord(value)) return null;
    return { targets: isRecord(value.target) ? Object.keys(value.target) : [], groups: isRecord(value.group) ? Object.keys(value.group) : [] };
  } catch {
    return null; // bake says what is wrong with it
  }
}

/**
 * Imports a bake file, JSON or HCL (`buildx-kit recipe import BAKE [--target T] [--out DIR/]`):
 * `docker buildx bake --print` evaluates it in its folder (variables, functions, `inherits` and
 * `matrix` as the installed buildx's bake does them), and each target printed becomes a recipe,
 * its relative paths rewritten from the bake file's folder to `dir`. Without `target`, every
 * target of the file. Keys the installed bake dropped are warnings; what a recipe cannot hold is a
 * `RecipeError`.
 */
export async function importBakeTargets(path: string, options: ImportBakeOptions = {}): Promise<BakeImport[]> {
  const bad = (message: string, code = "unreadable", at = ""): never => {
    throw new RecipeError([{ file: path, path: at, code, message }], "cannot import");
  };
  let text: string;
  let real: string;
  const file = options.cwd !== undefined ? resolve(options.cwd, path) : path;
  try {
    const info = await host.stat(file);
    if (info.size > MAX_RECIPE_BYTES) bad(`is ${(info.size / 1024 / 1024).toFixed(1)} MiB; a bake file to import is at most 1 MiB`);
    text = await host.readText(file);
    real = await host.realPath(file);
  } catch (e) {
    if (e instanceof RecipeError) throw e;
    return bad((e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `cannot be read (${(e as Error).message})`);
  }
  const bakeDir = dirname(real);
  const hcl = !/\.json$/i.test(real);
  const declared = declaredNames(text, hcl);
  // A matrix names targets only bake can tell: then bake says whether the target exists.
  const matrix = /\bmatrix\b/.test(text);
  if (declared && !matrix && options.target !== undefined && !declared.targets.includes(options.target) && !declared.groups.includes(options.target)) {
    bad(
      `no target or group "${options.target}" (targets: ${declared.targets.join(", ")}${
        declared.groups.length ? `; groups: ${declared.groups.join(", ")}` : ""
      })`,
      "bake",
      "target",
    );
  }
  if (declared && declared.targets.length === 0) bad("the bake file has no targets", "bake", "target");
  const names = options.target !== undefined ? [options.target] : declared?.targets ?? [];
  const command = options.capabilities?.buildxCommand ?? ["docker", "buildx"];
  const printed = await capture([...command, "bake", "--print", "-f", basename(real), ...names], {
    cwd: bakeDir,
    env: { ...(options.env ?? host.env()) },
    timeoutMs: 60_000,
  });
  let value: unknown = null;
  try {
    value = printed.code === 0 ? JSON.parse(printed.stdout) : null;
  } catch {
    value = null;
  }
  if (!isRecord(value) || !isRecord(value.target)) {
    const why = printed.stderr.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("ERROR:")).join("; ") ||
      printed.stderr.trim().split("\n").pop() || `exit code ${printed.code}`;
    return bad(`docker buildx bake --print could not read it: ${why}`, "bake-print");
  }
  // Keys the installed bake does not know: older buildx drops them from --print without a word.
  let source: Record<string, unknown> | null = null;
  if (!hcl) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (isRecord(parsed) && isRecord(parsed.target)) source = parsed.target;
    } catch { /* bake read it */ }
  }
  const dir = resolve(options.dir ?? host.cwd());
  const recipeDir = await host.realPath(dir).catch(() => dir);
  const imports: BakeImport[] = [];
  for (const [name, target] of Object.entries(value.target)) {
    const one = fromBake({ target: { [name]: target } }, name, { file: path, printed: true });
    const diagnostics: Diagnostic[] = [...one.diagnostics];
    const own = source?.[name];
    if (isRecord(own) && isRecord(target)) {
      for (const [key, v] of Object.entries(own)) {
        if (v === null || key === "inherits" || key === "matrix" || key === "name" || key in target) continue;
        diagnostics.push(
          diag(
            "warning",
            "bake-key-unknown-to-buildx",
            null,
            `target ${name}: this buildx's bake does not know the key "${key}" (bake --print left it out): not in the recipe`,
            "upgrade buildx, or write the option in the recipe",
          ),
        );
      }
    }
    const options2 = mapPaths(one.recipe.options, (p) => rebase(p, bakeDir, recipeDir));
    imports.push({ ...one, recipe: { ...one.recipe, options: options2 }, diagnostics });
  }
  return imports;
}

/**
 * Imports one target of a bake file, JSON or HCL (see `importBakeTargets`): `target` (a target,
 * or a group or matrix of one target), else the file's only target. Throws `RecipeError` when
 * there are several, or with what cannot be carried over.
 */
export async function importBake(path: string, options: ImportBakeOptions = {}): Promise<BakeImport> {
  const all = await importBakeTargets(path, options);
  if (all.length !== 1) {
    throw new RecipeError([{
      file: path,
      path: "target",
      code: "bake",
      message: `${options.target !== undefined ? `"${options.target}" makes` : "the bake file has"} ${all.length} targets (${
        all.map((i) => i.target).join(", ")
      }); a recipe is one build: choose one (CLI: --target NAME), or import them all into a folder (CLI: --out DIR/)`,
    }], "cannot import");
  }
  return all[0]!;
}
