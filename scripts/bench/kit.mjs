/**
 * Where a bench script finds buildx-kit on this runtime: the compiled package (what npm users
 * import) on Node, which cannot run TypeScript; the source (what JSR users import) on Deno and Bun.
 */
const g = /** @type {{ Deno?: unknown, Bun?: unknown }} */ (globalThis);
/** @type {string} */
export const KIT = g.Deno || g.Bun ? new URL("../../mod.ts", import.meta.url).href : new URL("../../dist/mod.js", import.meta.url).href;
