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
 * value kinds, `lib/values.ts`); this file adds only what is about the file: syntax with line and
 * column, the format version, unknown keys, and the rule that a recipe never holds a secret.
 */
import * as host from "./host.ts";
import { basename, dirname, join, relative, resolve } from "./posix.ts";
import { type Capabilities, UNKNOWN_CAPABILITIES } from "./capabilities.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { BuildError } from "./errors.ts";
import { FLAGS, type FlagRow } from "./flags.ts";
import type { BuildOptions } from "./options.ts";
import { JsonSyntaxError, type Located, type ParsedJson, parseJsonWithPositions, positionOf } from "./json.ts";
import { distance as editDistance, plan, suggestOption } from "./plan.ts";
import { isRemote, visitPaths } from "./paths.ts";
import { probe } from "./probe.ts";
import type { BakeGroup, BakeOutcome } from "./bake-run.ts";
import type { BuildResult } from "./result.ts";
import { build, type RunOptions } from "./run.ts";
import { commandIn } from "./shell.ts";
import { applySets, parseSet, shownSet } from "./overrides.ts";
import { describe } from "./values.ts";

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
  for (let here = resolve(dir); ; here = dirname(here)) {
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

/** One thing wrong with a recipe (or a `--set`, or a bake file being imported). */
export interface RecipeProblem {
  /** The file, as the caller named it; absent for a recipe object. */
  readonly file?: string;
  /** The JSON path of the value: `options.ulimit.nofile.soft`, `options.tag[1]`; "" for the file as a whole. */
  readonly path: string;
  readonly message: string;
  /** 1-based line of the value (or of the syntax error) in the file, when known. */
  readonly line?: number;
  /** 1-based column, counted in UTF-16 code units as editors do. */
  readonly column?: number;
  /** Stable, kebab-case: `syntax`, `unknown-key`, `invalid-value`, `secret-value`, `version`, ... */
  readonly code: string;
  /** The `--set` argument the value came from, when it came from one. */
  readonly set?: string;
}

/** One line of a problem, as the CLI prints it: `file:line:col: path: message`. */
export function formatProblem(p: RecipeProblem): string {
  const where = p.set !== undefined
    ? `--set ${p.set}`
    : p.file !== undefined
    ? `${p.file}${p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : ""}`
    : p.line !== undefined
    ? `${p.line}:${p.column ?? 1}`
    : "";
  return [where, p.path, p.message].filter(Boolean).join(": ");
}

/**
 * A recipe (or a bake file to import, or `--set` overrides) that cannot be used as given. Its
 * message lists every problem, one per line, and is what the CLI prints before exiting with code 2.
 */
export class RecipeError extends Error {
  override readonly name = "RecipeError";
  /** The file the problems are in (the first, when several files are), or null for a recipe object. */
  readonly file: string | null;
  /** Every problem, in file order. */
  readonly problems: readonly RecipeProblem[];
  /** What went wrong in a few words: `invalid recipe`, `not saved`, `cannot build`. */
  readonly heading: string;

  constructor(problems: readonly RecipeProblem[], heading = "invalid recipe") {
    const sorted = sortProblems(problems);
    super(formatProblems(sorted, heading));
    this.problems = sorted;
    this.heading = heading;
    this.file = sorted.find((p) => p.file !== undefined)?.file ?? null;
  }
}

function sortProblems(problems: readonly RecipeProblem[]): RecipeProblem[] {
  // Stable: within one file, by position; problems without one keep their order, after the rest.
  const files: (string | undefined)[] = [];
  for (const p of problems) if (!files.includes(p.file)) files.push(p.file);
  return files.flatMap((f) =>
    problems.filter((p) => p.file === f)
      .map((p, i) => ({ p, i }))
      .sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
      .map(({ p }) => p)
  );
}

function formatProblems(problems: readonly RecipeProblem[], heading: string): string {
  const files: (string | undefined)[] = [];
  for (const p of problems) if (!files.includes(p.file)) files.push(p.file);
  return files.map((f) => {
    const mine = problems.filter((p) => p.file === f);
    const count = mine.length === 1 ? "1 problem" : `${mine.length} problems`;
    const head = `${f !== undefined ? `${f}: ` : ""}${heading} (${count}):`;
    return [head, ...mine.map((p) => `  ${formatProblem(p)}`)].join("\n");
  }).join("\n");
}

// ---------------------------------------------------------------------------------------------
// Validation

/** Codes of `plan()` that are about a value itself (not about how options combine). */
const VALUE_CODES = new Set(["invalid-value", "secret-value", "unknown-option", "invalid-tag", "invalid-options"]);

/** The attributes a `--secret` may have: where the secret comes from, never the secret (checked by `plan()`). */
export { SECRET_KEYS } from "./values.ts";

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
    const message = d.code === "unknown-option"
      ? `is not a buildx build option${d.hint ? `; ${d.hint}` : ""}`
      : d.message;
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
    : (Array.isArray(value) ? value : [value]).map((v, i) => [String(v).split("=")[0] ?? "", Array.isArray(value) ? `options.buildArg[${i}]` : "options.buildArg"]);
  return names
    .filter(([name]) => name.split(/[_.\-]/).some((word) => CREDENTIAL.test(word)) || CREDENTIAL.test(name))
    .map(([name, path]) => ({
      path, code: "credential-build-arg",
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
      path: key, code: "unknown-key",
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
    problems.push({ path: "recipe", code: "version", message: `format version ${version} is newer than this buildx-kit reads (${RECIPE_VERSION}): upgrade buildx-kit` });
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
      problems.push({ path: "builder", code: "invalid-value", message: `"${value.builder}" differs from options.builder "${opts.builder}": name the builder in one place` });
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
    throw new RecipeError([{ ...where, path: "", code: "too-large", message: `is ${sizeText(text.length)}; a recipe is at most ${sizeText(MAX_RECIPE_BYTES)} (is this the right file?)` }]);
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
      ...where, path: d.path, code: "duplicate-key", line: d.key.line, column: d.key.column,
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
export async function loadRecipeFile(path: string): Promise<LoadedRecipe> {
  const file = resolve(path);
  let bytes: Uint8Array;
  try {
    const info = await host.stat(file);
    if (info.isDirectory) throw new RecipeError([{ file: path, path: "", code: "not-a-file", message: "is a folder, not a recipe file" }]);
    if (info.size > MAX_RECIPE_BYTES) {
      throw new RecipeError([{ file: path, path: "", code: "too-large", message: `is ${sizeText(info.size)}; a recipe is at most ${sizeText(MAX_RECIPE_BYTES)} (is this the right file?)` }]);
    }
    bytes = await host.readBytes(file);
  } catch (e) {
    if (e instanceof RecipeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new RecipeError([{
      file: path, path: "", code: "unreadable",
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
    const row: FlagRow | undefined = Object.hasOwn(FLAGS, key) ? FLAGS[key] : undefined;
    const sorted = (row?.kind === "map" || row?.kind === "hosts" || key === "extraFlags") && isRecord(value);
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

/** The temporary files `writeFileAtomic` makes for `name`: `.NAME.PID.HEX.tmp`. */
function tempPattern(name: string): RegExp {
  return new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp$`);
}

/** Whether a process with this id is running (one of another user's counts). */
function alive(pid: number, kill: (pid: number, signal: 0) => unknown): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Writes a file atomically: a temporary file beside it, fsync, then a rename (or, when not
 * overwriting, a hard link, which fails rather than replace a file created meanwhile). A symbolic
 * link is followed: the file it points to is replaced, the link stays. Temporary files left by an
 * earlier save of the same file that was killed (their process is gone) are removed. Returns the
 * absolute path written. Throws `RecipeError` (heading `not saved`) naming `path` as given, never
 * the temporary file: code `file-exists` when the file exists and `overwrite` is off, `no-folder`,
 * `not-a-folder`, or `not-written` (no space, a read-only file system, ...); the old file is then
 * as it was and no temporary file is left.
 */
export async function writeFileAtomic(path: string, text: string, options: SaveOptions = {}): Promise<string> {
  const notSaved = (code: string, message: string): RecipeError => new RecipeError([{ file: path, path: "", code, message }], "not saved");
  const exists = (): RecipeError => notSaved("file-exists", "already exists: pass overwrite (CLI: --force) to replace it");
  // Saving is not on a build's path: node:fs/promises, loaded here (lib/host.ts).
  const [{ link, lstat, open, readdir, readlink, rename, stat, unlink }, { randomBytes }, { default: proc }] = await Promise.all([
    import("node:fs/promises"), import("node:crypto"), import("node:process"),
  ]);
  // A symbolic link (or a chain of them) is written through: the file it points to is replaced.
  const base = options.cwd !== undefined ? resolve(options.cwd) : resolve(".");
  let file = resolve(base, path);
  for (let hops = 0; ; hops++) {
    let target: string;
    try {
      if (!(await lstat(file)).isSymbolicLink()) break;
      target = await readlink(file);
    } catch {
      break; // nothing there (or not a folder on the way): the checks below say which
    }
    if (hops === 40) throw notSaved("not-written", `cannot be written: ${writeFailure({ code: "ELOOP" })}`);
    file = resolve(dirname(file), target);
  }
  const dir = dirname(file);
  let oldMode: number | null = null;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw notSaved("not-written", "is a folder");
    if (!options.overwrite) throw exists();
    oldMode = info.mode & 0o777;
  } catch (e) {
    if (e instanceof RecipeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw notSaved("not-written", `cannot be written: ${writeFailure(e)}`);
    // The nearest folder above that exists: a file there is in the way; none is a missing folder.
    for (let at = dir, shown = dirname(path) || "."; ; at = dirname(at), shown = dirname(shown)) {
      try {
        if ((await stat(at)).isDirectory()) {
          if (at !== dir) throw notSaved("no-folder", `the folder ${dirname(path) || "."} does not exist`);
          break;
        }
        throw notSaved("not-a-folder", `${resolve(base, shown) === at ? shown : at} is a file, not a folder`);
      } catch (e2) {
        if (e2 instanceof RecipeError) throw e2;
        if (dirname(at) === at) throw notSaved("no-folder", `the folder ${dirname(path) || "."} does not exist`);
      }
    }
  }
  // Temporary files of this name whose save was killed: gone before this one adds its own.
  const stale = tempPattern(basename(file));
  await readdir(dir).then(
    (names) => Promise.all(names.map((name) => {
      const pid = Number(stale.exec(name)?.[1] ?? NaN);
      return Number.isSafeInteger(pid) && pid !== host.pid() && !alive(pid, (p, sig) => proc.kill(p, sig)) ? unlink(join(dir, name)).catch(() => {}) : undefined;
    })),
    () => {},
  );
  const temp = join(dir, `.${basename(file)}.${host.pid()}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", oldMode ?? 0o644);
    try {
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (options.overwrite) {
        await rename(temp, file);
      } else {
        try {
          await link(temp, file);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EEXIST") throw exists();
          // A file system without hard links: check, then rename (a narrow race, but no worse).
          if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw e;
          try {
            await stat(file);
            throw exists();
          } catch (e2) {
            if (e2 instanceof RecipeError || (e2 as NodeJS.ErrnoException).code !== "ENOENT") throw e2;
          }
          await rename(temp, file);
        }
        await unlink(temp).catch(() => {});
      }
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
  } catch (e) {
    if (e instanceof RecipeError) throw e;
    // The message names the file as given, never the temporary file (nor its absolute path).
    const reason = writeFailure(e).split(temp).join(path).split(file).join(path);
    throw notSaved("not-written", `cannot be written: ${reason}`);
  }
  // The rename itself is durable once the folder is synced (not possible everywhere: best effort).
  try {
    const d = await open(dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // not supported here
  }
  return file;
}

// ---------------------------------------------------------------------------------------------
// Running

/** How to run recipes: `RunOptions` plus overrides. */
export interface RecipeRunOptions extends RunOptions {
  /** `--set key=value` overrides, applied to every recipe. */
  readonly set?: readonly string[];
  /**
   * Where the relative paths of a recipe *object* resolve (a recipe file's always resolve against
   * its own folder, where its build runs). Default: `process.cwd()`.
   */
  readonly cwd?: string;
  /**
   * How many buildx processes may run at once: builds, and bakes (a bake of several recipes is one).
   * Recipes that write the same place always run one after another. Default 4.
   */
  readonly concurrency?: number;
  /**
   * How the recipes run: `"bake"`, the recipes bake can express (per builder) as the targets of one
   * `docker buildx bake`, even a single one; `"build"`, one `docker buildx build` each;
   * `"auto"` (the default), a bake where at least `AUTO_BAKE_FROM` (2) recipes can share one
   * (BENCHMARKS.md: faster from 6 recipes, within the noise at 3, a third of the memory or less). What bake cannot express builds alone either way,
   * and each result's `diagnostics` say how it ran and why.
   */
  readonly via?: RunVia;
}

/** How `runRecipes` runs recipes: through one `docker buildx bake`, one `docker buildx build` each, or the faster (`auto`). */
export type RunVia = "bake" | "build" | "auto";

/** The ways a run can take, for checking a `via` given at run time. */
export const RUN_VIAS: readonly RunVia[] = ["auto", "bake", "build"];

/** The bake a recipe was built in (`RecipeRunResult.bake`). */
export interface RecipeBake {
  /** The recipe's target in it. */
  readonly target: string;
  /** Every target of that bake, one per recipe, in order. */
  readonly targets: readonly string[];
  /**
   * The bake file's name in the command (`buildx-kit-bake.json`): the run writes it to a private
   * temporary folder and removes it afterwards; saved under this name in `cwd`, the command runs as shown.
   */
  readonly fileName: string;
  /** The bake file's text (JSON; every local path absolute). */
  readonly file: string;
  /** The folder bake runs in: the recipes' folders' common folder. */
  readonly cwd: string;
  /** The command, one element per argument: `docker buildx bake --file=buildx-kit-bake.json --progress=rawjson ... TARGET...`. */
  readonly argv: readonly string[];
  /** `cd CWD && docker buildx bake ...`, quoted for any shell. */
  readonly command: string;
  /** The entitlements granted with `--allow` (what the targets need, where the installed bake has `--allow`). */
  readonly allow: readonly string[];
}

/** What became of one recipe. */
export interface RecipeRunResult {
  /** The recipe file as named, or null for a recipe object. */
  readonly path: string | null;
  readonly name: string;
  /**
   * The recipe's folder: its relative paths resolve against it, and its build runs there (a bake
   * runs in its recipes' common folder, `bake.cwd`, with every path made absolute).
   */
  readonly cwd: string;
  readonly ok: boolean;
  /**
   * False for a recipe that never started: an interrupt (Ctrl-C, SIGTERM, the AbortSignal) came
   * first. Its error is then an interrupted `BuildError` that says so.
   */
  readonly ran: boolean;
  /** The options it built with, after `--set`. */
  readonly options: BuildOptions;
  /** The build's result (also for a failed build when `nothrow` was set); null when it threw. */
  readonly result: BuildResult | null;
  /**
   * Why it failed (a `BuildError`, usually: exit code, ERROR lines, stderr tail, the failing step
   * and its output, a hint), also when `nothrow` returned the result; null when it did not fail.
   */
  readonly error: Error | null;
  /** Advice about the recipe that did not stop it (build args that look like credentials). */
  readonly warnings: readonly RecipeProblem[];
  /** When the build started and ended (ms since the epoch). */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** How its result was built: in one `docker buildx bake` with others, or with its own `docker buildx build`. */
  readonly via: "bake" | "build";
  /**
   * How it ran and why, info diagnostics with stable codes: `run-via-bake`; `run-via-build` (asked);
   * why bake was not used (`bake-not-expressible`, `bake-too-old`, `bake-quiet`, `bake-secret-values`,
   * `bake-stdout`, `bake-call`, `bake-same-place`, `bake-nothing-to-share`); `bake-rerun` (built
   * again alone after another recipe's failure stopped its bake).
   */
  readonly diagnostics: readonly Diagnostic[];
  /** The bake it was built in (also when a failure elsewhere made it build again alone); null otherwise. */
  readonly bake: RecipeBake | null;
}

/** A recipe to run: a file path, a loaded recipe, or a recipe object. */
export type RecipeSource = string | LoadedRecipe | Recipe;

interface Prepared {
  readonly path: string | null;
  readonly name: string;
  readonly cwd: string;
  readonly options: BuildOptions;
  readonly warnings: readonly RecipeProblem[];
  readonly capabilities?: Capabilities;
}

function isLoaded(source: RecipeSource): source is LoadedRecipe {
  return typeof source === "object" && "recipe" in source && typeof (source as LoadedRecipe).recipe === "object" && "dir" in source;
}

/** The options a recipe builds with: its options, plus its builder. */
export function recipeOptions(recipe: Recipe): BuildOptions {
  return recipe.builder !== undefined && recipe.options.builder === undefined ? { ...recipe.options, builder: recipe.builder } : recipe.options;
}

async function prepare(source: RecipeSource, run: RecipeRunOptions): Promise<Prepared> {
  let path: string | null = null;
  let recipe: Recipe;
  let cwd: string;
  if (typeof source === "string") {
    const loaded = await loadRecipeFile(source);
    [path, recipe, cwd] = [loaded.path, loaded.recipe, loaded.dir];
  } else if (isLoaded(source)) {
    [path, recipe, cwd] = [source.path, source.recipe, source.dir];
  } else {
    const problems = validateRecipe(source);
    if (problems.length) throw new RecipeError(problems);
    [recipe, cwd] = [source, resolve(run.cwd ?? host.cwd())];
  }
  let options = recipeOptions(recipe);
  if (run.set?.length) {
    try {
      options = applySets(options, run.set);
    } catch (e) {
      throw e instanceof RecipeError ? new RecipeError(e.problems.map((p) => (path !== null ? { ...p, file: path } : p)), e.heading) : e;
    }
    // The values set are checked like the file's, and blamed on the --set that gave them.
    // As messages show it (a secret's value is not shown), and its place among the --set.
    const setBy = new Map<string, string>();
    const place = new Map<string, number>();
    run.set.forEach((text, i) => {
      const shown = shownSet(text);
      setBy.set(parseSet(text).option, shown);
      if (!place.has(shown)) place.set(shown, i);
    });
    const order = (p: RecipeProblem) => (p.set === undefined ? Infinity : place.get(p.set) ?? Infinity);
    const problems = optionProblems(options).map((p): RecipeProblem => {
      const option = /^options\.([A-Za-z]+)/.exec(p.path)?.[1] ?? "";
      const set = setBy.get(option);
      return { ...(path !== null ? { file: path } : {}), ...p, ...(set !== undefined ? { set } : {}) };
    }).sort((a, b) => order(a) - order(b));
    if (problems.length) throw new RecipeError(problems);
  }
  const name = recipe.name ?? (path !== null ? basename(path).replace(/\.json$/i, "") : "recipe");
  const warnings = credentialWarnings(options).map((w): RecipeProblem => ({ ...(path !== null ? { file: path } : {}), ...w }));
  return { path, name, cwd, options, warnings };
}

/** Recipes that write the same place (a tag, an output folder, a cache, a file) run one after another. */
function chains(prepared: readonly Prepared[]): number[][] {
  const parent = prepared.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const owner = new Map<string, number>();
  prepared.forEach((p, i) => {
    const o = p.options;
    const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const writes = list(o.tag).map((t) => `tag:${String(t)}`);
    visitPaths(o, (path, written) => {
      if (written && path !== "-" && !isRemote(path)) writes.push(`path:${resolve(p.cwd, path)}`);
      return path;
    });
    for (const w of writes) {
      const other = owner.get(w);
      if (other === undefined) owner.set(w, i);
      else parent[find(i)] = find(other);
    }
  });
  const groups = new Map<number, number[]>();
  prepared.forEach((_, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });
  return [...groups.values()];
}

/**
 * Runs recipes: loads and checks every one first (with the `--set` overrides), and throws a
 * `RecipeError` listing every problem of every file before anything is built. Then builds them:
 * those that can share one `docker buildx bake` (`via`, default `auto`: two or more on one builder,
 * everything they say expressible as a bake target) as its targets, the others concurrently with
 * one `docker buildx build` each (those writing the same place in turn), each recipe's relative
 * paths resolving against its own folder. Each is reported on its own, with how it ran and why
 * (`via`, `diagnostics`): a failed build is a result with `ok: false`, not a throw; a failure in a
 * bake fails only its own recipe (the bake's other recipes build again alone).
 *
 * @example
 * const results = await runRecipes(["recipes/api.json", "recipes/web.json"], { set: ["tag=app:1.2"] });
 * for (const r of results) console.log(r.name, r.ok ? r.result?.digest : r.error?.message);
 */
export async function runRecipes(sources: readonly RecipeSource[], run: RecipeRunOptions = {}): Promise<RecipeRunResult[]> {
  const settled = await Promise.allSettled(sources.map((s) => prepare(s, run)));
  const problems = settled.flatMap((s) => (s.status === "rejected" && s.reason instanceof RecipeError ? s.reason.problems : []));
  const other = settled.find((s): s is PromiseRejectedResult => s.status === "rejected" && !(s.reason instanceof RecipeError));
  if (other) throw other.reason;
  if (problems.length) throw new RecipeError(problems);
  const prepared = settled.map((s) => (s as PromiseFulfilledResult<Prepared>).value);

  // What the machine can do, once per builder; and every plan checked before the first build.
  const capsFor = new Map<string, Promise<Capabilities>>();
  const capabilities = (p: Prepared): Promise<Capabilities> => {
    if (run.capabilities) return Promise.resolve(run.capabilities);
    if (run.offline) return Promise.resolve(UNKNOWN_CAPABILITIES);
    const key = p.options.builder ?? "";
    if (!capsFor.has(key)) capsFor.set(key, probe({ inspect: false, ...(p.options.builder ? { builder: p.options.builder } : {}), ...(run.env ? { env: run.env } : {}) }));
    return capsFor.get(key)!;
  };
  const planned = await Promise.all(prepared.map(async (p) => ({ ...p, capabilities: await capabilities(p) })));
  const planProblems = planned.flatMap((p) =>
    plan(p.options, p.capabilities).diagnostics.filter((d) => d.level === "error").map((d) => planProblem(d, p))
  );
  if (planProblems.length) throw new RecipeError(planProblems, "cannot build");

  const via = run.via ?? "auto";
  if (!RUN_VIAS.includes(via)) throw new TypeError(`via must be one of ${RUN_VIAS.join(", ")}, got ${JSON.stringify(via)}`);
  const many = planned.length > 1;
  const log = run.log ?? ((line: string) => host.write("stderr", `${line}\n`));
  const sayFor = (index: number) => (many ? (line: string) => log(`[${planned[index]!.name}] ${line}`) : log);
  const results = new Array<RecipeRunResult>(planned.length);

  // How each recipe runs: bakes of the recipes that can share one, the others alone (lib/bake-run.ts,
  // loaded only when there is something to share or a bake is asked for).
  const chained = chains(planned);
  const notes: Diagnostic[][] = planned.map(() => []);
  const jobs: Job[] = [];
  let bakes: typeof import("./bake-run.ts") | null = null;
  if (via === "build" || (via === "auto" && !many)) {
    planned.forEach((_, i) => notes[i]!.push(via === "build" ? RUN_VIA_BUILD : NOTHING_TO_SHARE));
    jobs.push(...chained.map((chain): Job => ({ kind: "chain", chain })));
  } else {
    bakes = await import("./bake-run.ts");
    const planOfBakes = await bakes.planBakes(planned.map((p) => ({ name: p.name, cwd: p.cwd, options: p.options, capabilities: p.capabilities })), {
      via, chains: chained, ...(run.secrets ? { secrets: run.secrets } : {}),
    });
    planOfBakes.notes.forEach((d, i) => notes[i]!.push(d));
    jobs.push(...planOfBakes.groups.map((group): Job => ({ kind: "bake", group })));
    const alone = new Set(planOfBakes.alone);
    jobs.push(...chained.filter((chain) => chain.every((i) => alone.has(i))).map((chain): Job => ({ kind: "chain", chain })));
  }

  // From the first build until the last temp folder is gone, a signal from outside (Ctrl-C,
  // SIGTERM, a hang-up) is runRecipes' to handle: the builds running stop, no other starts, and
  // once every build has cleaned up the signal is re-raised (unless someone else listens for it),
  // so the process dies of it as a shell script would (130 for Ctrl-C, 143 for SIGTERM).
  const stopAll = new AbortController();
  let interruptedBy: host.Signal | null = null;
  const forgetSignals = INTERRUPTS.map((s) => host.onSignal(s, () => {
    interruptedBy ??= s;
    if (!stopAll.signal.aborted) stopAll.abort(s);
  }));
  const given = run.signal;
  const onGiven = () => {
    if (!stopAll.signal.aborted) stopAll.abort(given?.reason);
  };
  if (given?.aborted) onGiven();
  else given?.addEventListener("abort", onGiven, { once: true });

  const common = (p: Prepared, index: number) => ({ path: p.path, name: p.name, cwd: p.cwd, options: p.options, warnings: p.warnings, diagnostics: notes[index]! });
  const runOne = async (index: number, bake: RecipeBake | null = null): Promise<void> => {
    const p = planned[index]!;
    if (stopAll.signal.aborted) {
      const argv = plan(p.options, p.capabilities).argv;
      const reason: unknown = stopAll.signal.reason;
      const signal = interruptedBy ?? (typeof reason === "string" && /^SIG[A-Z0-9]+$/.test(reason) ? reason : null);
      const error = new BuildError({ exitCode: null, signal, command: commandIn(p.cwd, argv), argv, stderrTail: "", interrupted: true, durationMs: 0, notStarted: true });
      const now = Date.now();
      results[index] = { ...common(p, index), ok: false, ran: false, result: null, error, startedAt: now, finishedAt: now, via: "build", bake };
      return;
    }
    // Several builds drawing on one terminal would garble it: plain progress, each line named.
    const interleaved = many && !run.onProgress && !run.quiet && !p.options.quiet && p.options.progress === undefined && host.isTerminal("stderr");
    const options = interleaved ? { ...p.options, progress: "plain" } : p.options;
    const say = sayFor(index);
    if (!run.quiet && !bake) for (const w of p.warnings) say(`warning: ${formatProblem(w)}`);
    const startedAt = Date.now();
    let result: BuildResult | null = null;
    let error: Error | null = null;
    try {
      result = await build(options, {
        ...run,
        signal: stopAll.signal,
        cwd: p.cwd,
        capabilities: p.capabilities,
        log: say,
      });
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    // nothrow: the result carries the error; so does the run's.
    error ??= result?.error ?? null;
    results[index] = {
      ...common(p, index),
      ok: error === null && result !== null && result.ok,
      ran: true,
      result, error, startedAt, finishedAt: Date.now(), via: "build", bake,
    };
  };

  const limit = Math.max(1, run.concurrency ?? 4);
  const runBakeJob = async (group: BakeGroup): Promise<void> => {
    const aboutBake = (k: number): RecipeBake => ({
      target: group.targets[k]!, targets: group.targets, fileName: bakes!.BAKE_FILE_NAME, file: group.text, cwd: group.cwd,
      argv: group.argv, command: group.command, allow: group.allow,
    });
    if (!run.quiet) for (const i of group.members) for (const w of planned[i]!.warnings) sayFor(i)(`warning: ${formatProblem(w)}`);
    let outcomes: BakeOutcome[];
    try {
      outcomes = await bakes!.runBake(group, planned, {
        ...run,
        signal: stopAll.signal,
        interruptedBy: () => interruptedBy,
        logFor: sayFor,
        // As a build shows its progress: unless quiet, or the caller takes the events.
        showProgress: !run.quiet && !run.onProgress,
      });
    } catch (e) {
      // The bake could not even start (no private folder): each recipe's error says why.
      const error = e instanceof Error ? e : new Error(String(e));
      const now = Date.now();
      group.members.forEach((i, k) => {
        results[i] = { ...common(planned[i]!, i), ok: false, ran: false, result: null, error, startedAt: now, finishedAt: now, via: "bake", bake: aboutBake(k) };
      });
      return;
    }
    outcomes.forEach((o, k) => {
      const i = group.members[k]!;
      if (o.rerun) {
        notes[i]!.push(bakeRerun(o.stoppedBy ?? []));
        pending.push({ kind: "chain", chain: [i], bake: aboutBake(k) });
        return;
      }
      const error = o.error;
      results[i] = {
        ...common(planned[i]!, i),
        ok: error === null && o.result !== null && o.result.ok,
        ran: !(error instanceof BuildError && error.notStarted === true),
        result: o.result, error, startedAt: o.startedAt, finishedAt: o.finishedAt, via: "bake", bake: aboutBake(k),
      };
    });
  };
  const runJob = async (job: Job): Promise<void> => {
    if (job.kind === "bake") return await runBakeJob(job.group);
    for (const index of job.chain) await runOne(index, job.bake ?? null);
  };

  // At most `limit` jobs at once; a bake's recipes that must build again alone join the queue.
  const pending: Job[] = jobs;
  const running = new Set<Promise<void>>();
  try {
    while (pending.length || running.size) {
      while (pending.length && running.size < limit) {
        const job = runJob(pending.shift()!).finally(() => running.delete(job));
        running.add(job);
      }
      await Promise.race(running);
    }
  } finally {
    for (const f of forgetSignals) f();
    given?.removeEventListener("abort", onGiven);
  }
  if (interruptedBy && !host.listenedElsewhere(interruptedBy)) host.kill(host.pid(), interruptedBy);
  return results;
}

/** What a run does next: recipes one after another (each alone), or a bake of several. */
type Job =
  | { readonly kind: "chain"; readonly chain: readonly number[]; readonly bake?: RecipeBake }
  | { readonly kind: "bake"; readonly group: BakeGroup };

/** Said of every recipe run with `via: "build"`. */
const RUN_VIA_BUILD: Diagnostic = { level: "info", code: "run-via-build", option: null, message: "runs with docker buildx build, as asked (via: build)" };

/** Said of a recipe run alone (`via: "auto"`): a bake of one shares nothing. */
const NOTHING_TO_SHARE: Diagnostic = {
  level: "info", code: "bake-nothing-to-share", option: null,
  message: "the only recipe a bake could build: bake has nothing to share, so it runs alone with docker buildx build",
};

/** Said of a recipe built again alone because another recipe's failure stopped its bake. */
function bakeRerun(stoppedBy: readonly string[]): Diagnostic {
  return {
    level: "info", code: "bake-rerun", option: null,
    message: stoppedBy.length
      ? `its bake stopped when ${stoppedBy.join(", ")} failed (bake cancels the other targets and writes no results): built again alone with docker buildx build`
      : "its bake failed before any target's step did: built again alone with docker buildx build, whose result says why",
  };
}

/** The signals from outside that stop a run of recipes. */
const INTERRUPTS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function planProblem(d: Diagnostic, p: Prepared): RecipeProblem {
  return {
    ...(p.path !== null ? { file: p.path } : {}),
    path: d.option ? `options.${d.option}` : "options",
    code: d.code,
    message: `${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`,
  };
}

/**
 * Runs one recipe (a file, a loaded recipe or a recipe object) in its folder, with overrides.
 * Throws `RecipeError` before building when the recipe is invalid, and `BuildError` when the build
 * fails (unless `nothrow`).
 *
 * @example
 * const result = await runRecipe("recipes/api.json", { set: ["tag=api:1.2"] });
 */
export async function runRecipe(source: RecipeSource, run: RecipeRunOptions = {}): Promise<BuildResult> {
  const [only] = await runRecipes([source], run);
  if (only!.error) throw only!.error;
  return only!.result!;
}

/** A run result as plain JSON (what `buildx-kit run --json` prints): errors as `{ name, message, ... }`. */
export function runResultJson(r: RecipeRunResult): Record<string, unknown> {
  const e = r.error as (Error & { exitCode?: unknown; hint?: unknown; errorLines?: unknown; command?: unknown }) | null;
  return {
    path: r.path, name: r.name, cwd: r.cwd, ok: r.ok, ran: r.ran, result: r.result, warnings: r.warnings.map(formatProblem),
    // A BuildError's own JSON (stderr tail, failing step and its output, ...); any other error's essentials.
    error: e instanceof BuildError ? e.toJSON() : e ? { name: e.name, message: e.message, exitCode: e.exitCode ?? null, hint: e.hint ?? null, errorLines: e.errorLines ?? [], command: e.command ?? null } : null,
    startedAt: new Date(r.startedAt).toISOString(),
    durationMs: r.finishedAt - r.startedAt,
    via: r.via,
    diagnostics: r.diagnostics,
    bake: r.bake,
  };
}

// ---------------------------------------------------------------------------------------------
// Checking

/** What `checkRecipe` found in a valid recipe. */
export interface RecipeCheck {
  readonly path: string;
  readonly recipe: Recipe;
  /** The options after `--set`. */
  readonly options: BuildOptions;
  /** What the plan says against this machine (warnings, infos; errors are thrown). */
  readonly diagnostics: readonly Diagnostic[];
  /** Advice: build args that look like credentials. */
  readonly warnings: readonly RecipeProblem[];
}

/**
 * Checks a recipe file without building: everything `loadRecipe` checks, the `--set` overrides,
 * and the plan against this machine (probed unless `capabilities` are given). Throws a
 * `RecipeError` for any problem or plan error.
 */
export async function checkRecipe(path: string, options: { set?: readonly string[]; capabilities?: Capabilities; env?: RunOptions["env"] } = {}): Promise<RecipeCheck> {
  const loaded = await loadRecipeFile(path);
  const prepared = await prepare(loaded, { ...(options.set ? { set: options.set } : {}) });
  const caps = options.capabilities ??
    // Planning needs the version, the driver and the image store, not the nodes: no inspect.
    await probe({ inspect: false, ...(prepared.options.builder ? { builder: prepared.options.builder } : {}), ...(options.env ? { env: options.env } : {}) });
  const p = plan(prepared.options, caps);
  const errors = p.diagnostics.filter((d) => d.level === "error");
  if (errors.length) throw new RecipeError(errors.map((d) => planProblem(d, prepared)), "cannot build");
  // The file's warnings, then those only the --set values raise (a Set: a recipe may hold thousands).
  const warned = new Set(loaded.warnings.map((w) => w.path));
  return {
    path, recipe: loaded.recipe, options: prepared.options,
    diagnostics: p.diagnostics,
    warnings: [...loaded.warnings, ...credentialWarnings(prepared.options).filter((w) => !warned.has(w.path)).map((w) => ({ file: path, ...w }))],
  };
}
