/**
 * The ways `runRecipes` / `buildx-kit run --via` can take: its own module, small, so the command
 * checks `--via` without loading the recipe code, and the recipe and bake code share one list.
 */

/** How `runRecipes` runs recipes: through one `docker buildx bake`, one `docker buildx build` each, or the faster (`auto`). */
export type RunVia = "bake" | "build" | "auto";

/** The ways a run can take, for checking a `via` given at run time. */
export const RUN_VIAS: readonly RunVia[] = ["auto", "bake", "build"];
