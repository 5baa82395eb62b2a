/**
 * What is wrong with a recipe, a `--set` or a bake file being imported: one problem per value, with
 * the file, the JSON path, the line and column; `RecipeError` lists them all at once.
 */
import { BuildxKitError, EXIT, type ExitStatus } from "../core/errors.ts";

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
export class RecipeError extends BuildxKitError {
  override readonly name = "RecipeError";
  /** Bad input: 2. */
  readonly exitStatus: ExitStatus = EXIT.badInput;
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
