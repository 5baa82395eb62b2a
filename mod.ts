/**
 * buildx-kit: script container image builds with `docker buildx build`, planned and validated
 * before they run. Runs unchanged on Node, Deno and Bun.
 *
 * The entries, by task:
 * - `buildx-kit` (this one): plan and run builds; the `buildx` template; probe and health; builders.
 * - `buildx-kit/core`: the flag table, `plan()`, the parser and the types; no I/O, no dependency.
 * - `buildx-kit/recipes`: saved recipes, many through one bake, bake files both ways, CI results.
 * - `buildx-kit/guide`: the guided build, with `@inquirer/prompts`.
 * - `buildx-kit/cli`: the `buildx-kit` command itself (and its REPL).
 *
 * @example
 * import { plan } from "buildx-kit";
 * const { argv, diagnostics } = plan({ context: ".", tag: ["app:1"], push: true });
 *
 * @module
 */

export * from "./lib/build/mod.ts";
