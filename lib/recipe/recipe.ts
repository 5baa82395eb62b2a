/**
 * Saved recipes: a build written down as a JSON file a person can read, diff and edit, validated
 * before anything runs, saved atomically, and rerun later from any folder.
 *
 * ```json
 * { "$schema": "../node_modules/buildx-kit/schema/recipe.schema.json", "recipe": 1,
 *   "name": "api", "description": "...", "options": { "context": ".", "tag": "api:1" } }
 * ```
 *
 * The options are exactly `BuildOptions`. Their values are checked by `plan()` (the flag table's
 * value kinds, `lib/core/values.ts`); this file adds only what is about the file: syntax with line and
 * column, the format version, unknown keys, and the rule that a recipe never holds a secret.
 */
import * as host from "../runtime/host.ts";
import { basename, dirname, join, relative, resolve } from "../runtime/posix.ts";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "../core/capabilities.ts";
import { type FlagRow, flagRow, FLAGS } from "../core/flags.ts";
import { codecOf } from "../core/kinds.ts";
import type { BuildOptions } from "../core/options.ts";
import { JsonSyntaxError, type Located, type ParsedJson, parseJsonWithPositions, positionOf } from "../core/json.ts";
import { distance as editDistance, plan, suggestOption } from "../core/plan.ts";
import { NotWritten, writeAtomic } from "../runtime/files.ts";
import { RecipeError, type RecipeProblem } from "./problems.ts";
import { describe } from "../core/values.ts";

// ---------------------------------------------------------------------------------------------
// The format

/** The recipe format version this buildx-kit reads and writes. */
export const RECIPE_VERSION = 1;

/**
 * The recipe JSON Schema's id (`schema/recipe.schema.json` in the package). A saved recipe's
 * `$schema` is the relative path to that file when the package is installed beside the recipe
 * (node_modules/buildx-kit, so editors complete and check it), else this id.
 */
export const RECIPE_SCHEMA_URL = "urn:buildx-kit:recipe-schema:1";

/** The schema file of the installed package, as a path relative to `dir`, or null when none is found above it. */
export async function schemaPathFrom(dir: string): Promise<string | null> {
  for (let here = resolve(dir);; here = dirname(here)) {
    const candidate = join(here, "node_modules", "buildx-kit", "schema", "recipe.schema.json");
    try {
      await host.stat(candidate);
      return relative(resolve(dir), candidate);
    } catch {
      if (dirname(here) === here) return null;
    }
  }
}

/** The largest recipe file read (1 MiB): a recipe is a few hundred bytes; anything this big is the wrong file. */
export const MAX_RECIPE_BYTES = 1024 * 1024;

/** A saved build: the options of `build()`, with a name, a description and the format version. */
export interface Recipe {
  /** The JSON Schema editors check the file against. */
  readonly $schema?: string;
  /** The format version: 1. */
  readonly recipe: number;
  readonly name?: string;
  readonly description?: string;
  /** The builder instance to build with (the same as `options.builder`; set one or the other). */
  readonly builder?: string;
  /** The buildx version the recipe was made with (informative). */
  readonly buildx?: string;
  /** Exactly the `BuildOptions` of `build()`. */
  readonly options: BuildOptions;
}

/** The top-level keys of a recipe, in the order they are saved. */
const TOP_KEYS = ["$schema", "recipe", "name", "description", "builder", "buildx", "options"] as const;

export { formatProblem, RecipeError, type RecipeProblem } from "./problems.ts";

// ---------------------------------------------------------------------------------------------
// Validation

/** Codes of `plan()` that are about a value itself (not about how options combine). */
const VALUE_CODES = new Set(["invalid-value", "secret-value", "unknown-option", "invalid-tag", "invalid-options"]);

/** The attributes a `--secret` may have: where the secret comes from, never the secret (checked by `plan()`). */
export { SECRET_KEYS } from "../core/values.ts";

/** A word in a build arg's name that says it holds a credential. */
const CREDENTIAL = /^(?:.*TOKEN|.*PASSWORD|PASSWD|.*SECRETS?|(?:API|ACCESS|PRIVATE|SSH|AUTH|SECRET|SIGNING|GPG)?KEY|.*CREDENTIALS?|.*PASSPHRASE)$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Problem0 = Omit<RecipeProblem, "file" | "line" | "column">;

/** Problems with the option values, found by `plan()` and the secret rule. Paths start with `options.`. */
export function optionProblems(options: unknown): Problem0[] {
  const problems: Problem0[] = [];
  if (!isRecord(options)) {
    return [{ path: "options", code: "invalid-value", message: `expects an object of build options, got ${describe(options)}` }];
  }
  const p = plan(options as BuildOptions, UNKNOWN_CAPABILITIES);
  for (const d of p.diagnostics) {
    if (d.level !== "error" || !VALUE_CODES.has(d.code)) continue;
    const path = d.option ? `options.${d.option}` : "options";
    const message = d.code === "unknown-option" ? `is not a buildx build option${d.hint ? `; ${d.hint}` : ""}` : d.message;
    problems.push({ path, code: d.code === "unknown-option" ? "unknown-key" : d.code === "secret-value" ? "secret-value" : "invalid-value", message });
  }
  return problems;
}

/** Warnings for build args whose name says they hold a credential: build args stay in the image's history. */
export function credentialWarnings(options: BuildOptions): Problem0[] {
  const value = options.buildArg;
  if (value === undefined) return [];
  const names: [string, string][] = isRecord(value)
    ? Object.keys(value).map((k) => [k, `options.buildArg.${k}`])
    : (Array.isArray(value) ? value : [value]).map((
      v,
      i,
    ) => [String(v).split("=")[0] ?? "", Array.isArray(value) ? `options.buildArg[${i}]` : "options.buildArg"]);
  return names
    .filter(([name]) => name.split(/[_.\-]/).some((word) => CREDENTIAL.test(word)) || CREDENTIAL.test(name))
    .map(([name, path]) => ({
      path,
      code: "credential-build-arg",
      message: `${name} looks like a credential: build args stay in the image's history; pass it as a secret instead ` +
        `(secret: "id=${name},env=${name}" and RUN --mount=type=secret,id=${name},env=${name} ...)`,
    }));
}

/** Problems with the recipe around the options: format version, unknown keys, field types. */
function recipeProblems(value: unknown): Problem0[] {
  if (!isRecord(value)) {
    return [{ path: "", code: "invalid-value", message: `a recipe is a JSON object, got ${describe(value)}` }];
  }
  const problems: Problem0[] = [];
  for (const key of Object.keys(value)) {
    if ((TOP_KEYS as readonly string[]).includes(key)) continue;
    const field = TOP_KEYS.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
    const option = suggestOption(key);
    problems.push({
      path: key,
      code: "unknown-key",
      message: Object.hasOwn(FLAGS, key) || key === "context"
        ? `is not a recipe field: build options go inside "options"`
        : field
        ? `is not a recipe field; did you mean "${field}"?`
        : `is not a recipe field (fields: ${TOP_KEYS.join(", ")})${option ? `; build options go inside "options" (did you mean options.${option}?)` : ""}`,
    });
  }
  const version = value.recipe;
  if (version === undefined) {
    problems.push({ path: "recipe", code: "version", message: `is missing: add "recipe": ${RECIPE_VERSION} (the format version)` });
  } else if (typeof version !== "number" || !Number.isInteger(version)) {
    problems.push({ path: "recipe", code: "version", message: `expects the format version ${RECIPE_VERSION} (a number), got ${describe(version)}` });
  } else if (version > RECIPE_VERSION) {
    problems.push({
      path: "recipe",
      code: "version",
      message: `format version ${version} is newer than this buildx-kit reads (${RECIPE_VERSION}): upgrade buildx-kit`,
    });
  } else if (version !== RECIPE_VERSION) {
    problems.push({ path: "recipe", code: "version", message: `format version ${version} is not supported (this buildx-kit reads ${RECIPE_VERSION})` });
  }
  for (const key of ["$schema", "name", "description", "builder", "buildx"] as const) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== "string") problems.push({ path: key, code: "invalid-value", message: `expects a string, got ${describe(v)}` });
    else if (v.trim() === "" && key !== "description") problems.push({ path: key, code: "invalid-value", message: "must not be empty" });
  }
  if (typeof value.buildx === "string" && value.buildx.trim() && !/^v?\d+\.\d+(\.\d+)?([-+.].*)?$/.test(value.buildx.trim())) {
    problems.push({ path: "buildx", code: "invalid-value", message: `expects a buildx version such as 0.13.1, got ${describe(value.buildx)}` });
  }
  if (value.options === undefined) {
    problems.push({ path: "options", code: "invalid-value", message: `is missing: add "options": { ... } with the build options` });
  } else {
    problems.push(...optionProblems(value.options));
    const opts = value.options;
    if (isRecord(opts) && typeof value.builder === "string" && typeof opts.builder === "string" && opts.builder !== value.builder) {
      problems.push({
        path: "builder",
        code: "invalid-value",
        message: `"${value.builder}" differs from options.builder "${opts.builder}": name the builder in one place`,
      });
    }
  }
  return problems;
}

/** Every problem with a recipe object, with positions when `positions` come from its text. */
export function validateRecipe(value: unknown, where: { file?: string; positions?: ReadonlyMap<string, Located> } = {}): RecipeProblem[] {
  return recipeProblems(value).map((p) => locate(p, where));
}

function locate(p: Problem0, where: { file?: string; positions?: ReadonlyMap<string, Located> }): RecipeProblem {
  // A problem with a key's name points at the key; any other at the value.
  const pos = positionOf(where.positions, p.path, p.code === "unknown-key" || p.code === "credential-build-arg");
  return {
    ...(where.file !== undefined ? { file: where.file } : {}),
    ...p,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
  };
}

/**
 * Reads a recipe from its text: syntax, format version, unknown keys, every option value. Throws
 * a `RecipeError` listing every problem, each with its path, line and column.
 */
export function parseRecipe(text: string, file?: string): Recipe {
  return parseRecipeText(text, file).recipe;
}

function parseRecipeText(text: string, file?: string): { recipe: Recipe; warnings: RecipeProblem[] } {
  const where = file !== undefined ? { file } : {};
  if (text.length > MAX_RECIPE_BYTES) {
    throw new RecipeError([{
      ...where,
      path: "",
      code: "too-large",
      message: `is ${sizeText(text.length)}; a recipe is at most ${sizeText(MAX_RECIPE_BYTES)} (is this the right file?)`,
    }]);
  }
  let parsed: ParsedJson;
  try {
    parsed = parseJsonWithPositions(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw new RecipeError([{ ...where, path: "", code: "syntax", message: e.reason, line: e.line, column: e.column }]);
  }
  const problems = [
    ...parsed.duplicates.map((d): RecipeProblem => ({
      ...where,
      path: d.path,
      code: "duplicate-key",
      line: d.key.line,
      column: d.key.column,
      message: "appears twice in one object: keep one (JSON readers would silently use the last)",
    })),
    ...validateRecipe(parsed.value, { ...where, positions: parsed.positions }),
  ];
  if (problems.length) throw new RecipeError(problems);
  const recipe = parsed.value as Recipe;
  const warnings = credentialWarnings(recipe.options).map((w) => locate(w, { ...where, positions: parsed.positions }));
  return { recipe, warnings };
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** A recipe read from a file. */
export interface LoadedRecipe {
  /** The file, as the caller named it (for messages). */
  readonly path: string;
  /** The file, absolute. */
  readonly file: string;
  /** The recipe's folder: its relative paths resolve against it (builds run there). */
  readonly dir: string;
  readonly recipe: Recipe;
  /** Advice that does not stop a build (a build arg named like a credential). */
  readonly warnings: readonly RecipeProblem[];
}

/**
 * Reads and validates a recipe file. Throws a `RecipeError` listing every problem (syntax with
 * line and column, unknown keys, wrong types, bad values, secret values, unsupported version).
 *
 * @example
 * const recipe = await loadRecipe("recipes/api.json");
 * console.log(recipe.name, recipe.options.tag);
 */
export async function loadRecipe(path: string): Promise<Recipe> {
  return (await loadRecipeFile(path)).recipe;
}

/**
 * Like `loadRecipe`, with where the recipe lives (its folder: relative paths resolve there) and
 * its warnings (build args that look like credentials).
 */
export async function loadRecipeFile(path: string, options: { readonly cwd?: string } = {}): Promise<LoadedRecipe> {
  // A relative path starts at `cwd` (default: this process's folder); messages name it as given.
  const file = options.cwd !== undefined ? resolve(options.cwd, path) : resolve(path);
  let bytes: Uint8Array;
  try {
    const info = await host.stat(file);
    if (info.isDirectory) throw new RecipeError([{ file: path, path: "", code: "not-a-file", message: "is a folder, not a recipe file" }]);
    if (info.size > MAX_RECIPE_BYTES) {
      throw new RecipeError([{
        file: path,
        path: "",
        code: "too-large",
        message: `is ${sizeText(info.size)}; a recipe is at most ${sizeText(MAX_RECIPE_BYTES)} (is this the right file?)`,
      }]);
    }
    bytes = await host.readBytes(file);
  } catch (e) {
    if (e instanceof RecipeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new RecipeError([{
      file: path,
      path: "",
      code: "unreadable",
      message: code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : `cannot be read (${(e as Error).message})`,
    }]);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new RecipeError([{ file: path, path: "", code: "syntax", message: "is not UTF-8 text: save it as UTF-8" }]);
  }
  const { recipe, warnings } = parseRecipeText(text, path);
  // Its real folder, as buildx sees it once it runs there: ".." of a symlinked folder is the real parent.
  const dir = await host.realPath(file).then(dirname, () => dirname(file));
  return { path, file, dir, recipe, warnings };
}

/**
 * The folder a recipe file's relative paths resolve against, and where its builds run: the real
 * folder of the file, symbolic links resolved (the file's own, then its folders'), as buildx sees
 * it once it runs there. For a file not written yet, the real path of the folder it goes in; where
 * that does not exist either, the folder as given, made absolute. `cwd` is where a relative `file`
 * starts (default: the working directory).
 */
export async function recipeFolder(file: string, cwd?: string): Promise<string> {
  const absolute = cwd !== undefined ? resolve(cwd, file) : resolve(file);
  try {
    return dirname(await host.realPath(absolute));
  } catch {
    return await host.realPath(dirname(absolute)).catch(() => dirname(absolute));
  }
}

// ---------------------------------------------------------------------------------------------
// Saving

/** The options in table order (context first, extraFlags last); key=value records sorted by key. */
function orderedOptions(options: BuildOptions): Record<string, unknown> {
  const source = options as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ["context", ...Object.keys(FLAGS), "extraFlags"]) {
    const value = source[key];
    if (value === undefined) continue;
    const row: FlagRow | undefined = flagRow(key);
    const sorted = ((row !== undefined && codecOf(row).keyed) || key === "extraFlags") && isRecord(value);
    out[key] = sorted ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]])) : value;
  }
  for (const key of Object.keys(source)) if (!(key in out) && source[key] !== undefined) out[key] = source[key];
  return out;
}

/**
 * A recipe as saved: stable key order (the format's fields, then the options in flag-table
 * order, key=value records sorted), two-space indent, a final newline. Same recipe, same bytes.
 */
export function formatRecipe(recipe: Recipe): string {
  const source = recipe as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of TOP_KEYS) {
    const value = key === "$schema" ? (recipe.$schema ?? RECIPE_SCHEMA_URL) : source[key];
    if (value === undefined) continue;
    out[key] = key === "options" ? orderedOptions(recipe.options) : value;
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** What to make a recipe of. */
export interface MakeRecipeOptions {
  readonly name?: string;
  readonly description?: string;
  readonly builder?: string;
  /** The machine it was made on: its buildx version is recorded. */
  readonly capabilities?: Capabilities;
}

/** A recipe for these build options, with the format version, the schema and the buildx version filled in. */
export function makeRecipe(options: BuildOptions, about: MakeRecipeOptions = {}): Recipe {
  return {
    $schema: RECIPE_SCHEMA_URL,
    recipe: RECIPE_VERSION,
    ...(about.name !== undefined ? { name: about.name } : {}),
    ...(about.description !== undefined ? { description: about.description } : {}),
    ...(about.builder !== undefined ? { builder: about.builder } : {}),
    ...(about.capabilities?.buildxVersion ? { buildx: about.capabilities.buildxVersion } : {}),
    options,
  };
}

/** How to save. */
export interface SaveOptions {
  /** Replace an existing file (the file a symbolic link points to: the link stays). Default false: an existing file is an error and stays as it was. */
  readonly overwrite?: boolean;
  /** Where a relative path starts (default: the working directory). Messages name the path as given. */
  readonly cwd?: string;
}

/** What `saveRecipe` wrote. */
export interface SavedRecipe {
  /** The file, absolute. */
  readonly file: string;
  /** The text written. */
  readonly text: string;
  /** Advice: build args that look like credentials. */
  readonly warnings: readonly RecipeProblem[];
}

/**
 * Saves a recipe: validates it (refusing secret values and every other problem), then writes it
 * atomically (a temporary file in the same folder, fsync, rename), never over an existing file
 * unless `overwrite` is set. A failure at any point leaves the old file as it was.
 *
 * @example
 * await saveRecipe("recipes/api.json", makeRecipe({ context: ".", tag: "api:1" }, { name: "api" }));
 */
export async function saveRecipe(path: string, recipe: Recipe, options: SaveOptions = {}): Promise<SavedRecipe> {
  const problems = validateRecipe(recipe, { file: path });
  if (problems.length) throw new RecipeError(problems, "not saved: invalid recipe");
  let named: Recipe = recipe.name === undefined ? { ...recipe, name: basename(path).replace(/\.json$/i, "") } : recipe;
  if ((named.$schema ?? RECIPE_SCHEMA_URL) === RECIPE_SCHEMA_URL) {
    // Where an editor opening the file as named looks (the schema is not for buildx).
    const local = await schemaPathFrom(dirname(options.cwd !== undefined ? resolve(options.cwd, path) : resolve(path)));
    if (local) named = { ...named, $schema: local };
  }
  const text = formatRecipe(named);
  const file = await writeFileAtomic(path, text, options);
  return { file, text, warnings: credentialWarnings(recipe.options).map((w) => ({ file: path, ...w })) };
}

/** Why a file could not be written, in words (a system error's code, else its message). */
export const writeFailure: (e: unknown) => string = host.fileFailure;

/**
 * Writes a file atomically (see `writeAtomic`: a temporary file beside it, fsync, then a rename or
 * a hard link). Returns the absolute path written. Throws `RecipeError` (heading `not saved`)
 * naming `path` as given, never the temporary file: code `file-exists` when the file exists and
 * `overwrite` is off, `no-folder`, `not-a-folder`, or `not-written` (no space, a read-only file
 * system, ...); the old file is then as it was and no temporary file is left.
 */
export async function writeFileAtomic(path: string, text: string, options: SaveOptions = {}): Promise<string> {
  try {
    return await writeAtomic(path, text, options);
  } catch (e) {
    if (!(e instanceof NotWritten)) throw e;
    const message = e.code === "file-exists" ? "already exists: pass overwrite (CLI: --force) to replace it" : e.message;
    throw new RecipeError([{ file: path, path: "", code: e.code, message }], "not saved");
  }
}

/** The options a recipe builds with: its options, plus its builder. */
export function recipeOptions(recipe: Recipe): BuildOptions {
  return recipe.builder !== undefined && recipe.options.builder === undefined ? { ...recipe.options, builder: recipe.builder } : recipe.options;
}
