/**
 * Results of `buildx-kit run` for CI: GitHub Actions step outputs (`$GITHUB_OUTPUT`), a job
 * summary (`$GITHUB_STEP_SUMMARY`) and one metadata file per recipe (`run --metadata-file DIR`).
 * The texts are pure; the writers append (GitHub's files) or write (metadata) them.
 */
import * as host from "../runtime/host.ts";
import { join } from "../runtime/posix.ts";
import type { RecipeRunResult } from "./run.ts";

/** A name GitHub accepts in an output name and a file system in a file name: letters, digits, `-`, `_`. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_") || "recipe";
}

/** Each result's name, made safe and unique in the run (a second `api` is `api-2`). */
export function resultNames(results: readonly Pick<RecipeRunResult, "name">[]): string[] {
  const seen = new Map<string, number>();
  return results.map((r) => {
    const base = safeName(r.name);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

/** A random heredoc delimiter, as GitHub's toolkit makes one: a value cannot end it early. */
export function randomDelimiter(): string {
  return `ghadelimiter_${globalThis.crypto.randomUUID()}`;
}

/**
 * The step outputs of a run, in `$GITHUB_OUTPUT`'s format: per recipe `<name>-digest`,
 * `<name>-image-names` (comma-separated) and `<name>-metadata` (JSON, in the `name<<DELIMITER`
 * form). A recipe that did not build has empty values and `null` metadata.
 */
export function githubOutputText(results: readonly RecipeRunResult[], delimiter: string = randomDelimiter()): string {
  const names = resultNames(results);
  const lines: string[] = [];
  results.forEach((r, i) => {
    const name = names[i]!;
    const built = r.ok ? r.result : null;
    const metadata = JSON.stringify(built?.metadata ?? null);
    if (metadata.includes(delimiter)) throw new Error(`the metadata of ${r.name} holds the output delimiter`);
    lines.push(`${name}-digest=${built?.digest ?? ""}`);
    lines.push(`${name}-image-names=${(built?.imageNames ?? []).join(",")}`);
    lines.push(`${name}-metadata<<${delimiter}`, metadata, delimiter);
  });
  return `${lines.join("\n")}\n`;
}

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.split("\n")[0]!.replace(/\|/g, "\\|").trim();
}

function code(text: string | null | undefined): string {
  return text ? `\`${cell(text)}\`` : "";
}

/** What became of a recipe, as the summary's result column says it. */
function outcome(r: RecipeRunResult): string {
  if (r.ok) return r.result?.dryRun ? "dry run" : "built";
  if (!r.ran) return "not started";
  return `failed: ${cell(r.error?.message ?? "unknown error")}`;
}

/** The job summary of a run: a Markdown table of recipe, result, image, digest and time. */
export function jobSummaryText(results: readonly RecipeRunResult[]): string {
  const rows = results.map((r) => {
    const built = r.ok ? r.result : null;
    const seconds = `${((r.finishedAt - r.startedAt) / 1000).toFixed(1)}s`;
    return `| ${cell(r.name)} | ${r.ok ? "✅" : "❌"} ${outcome(r)} | ${code(built?.imageName)} | ${code(built?.digest)} | ${seconds} |`;
  });
  return ["### buildx-kit run", "", "| recipe | result | image | digest | time |", "| --- | --- | --- | --- | --- |", ...rows, "", ""].join("\n");
}

/**
 * Appends a run's outputs to `$GITHUB_OUTPUT` and its summary to `$GITHUB_STEP_SUMMARY`, each
 * when its variable is set (as on GitHub Actions). Returns the files written.
 */
export async function writeGithubResults(results: readonly RecipeRunResult[], env: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  const written: string[] = [];
  if (env.GITHUB_OUTPUT) {
    await host.appendText(env.GITHUB_OUTPUT, githubOutputText(results));
    written.push(env.GITHUB_OUTPUT);
  }
  if (env.GITHUB_STEP_SUMMARY) {
    await host.appendText(env.GITHUB_STEP_SUMMARY, jobSummaryText(results));
    written.push(env.GITHUB_STEP_SUMMARY);
  }
  return written;
}

/**
 * Writes each built recipe's metadata (buildx's `--metadata-file` content, `BuildResult.metadata`)
 * to `DIR/<name>.json`, making `dir`; a recipe without metadata (failed, a dry run) gets no file.
 * Returns the files written.
 */
export async function writeMetadataFiles(results: readonly RecipeRunResult[], dir: string): Promise<string[]> {
  await host.makeDir(dir);
  const names = resultNames(results);
  const written: string[] = [];
  for (const [i, r] of results.entries()) {
    const metadata = r.ok ? r.result?.metadata : null;
    if (!metadata) continue;
    const file = join(dir, `${names[i]!}.json`);
    await host.writeText(file, `${JSON.stringify(metadata, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
