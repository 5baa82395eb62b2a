/** lib/core/options.ts and the README's option table are generated from the flag table: never stale. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { FLAGS } from "../../lib/core/flags.ts";
import { renderOptionsModule, withOptionsTable } from "../../scripts/gen-options.ts";

describe("generated from the flag table", () => {
  it("lib/core/options.ts is current (run npm run gen after changing lib/core/flags.ts)", async () => {
    expect(await readFile(new URL("../../lib/core/options.ts", import.meta.url), "utf8")).toBe(renderOptionsModule());
  });

  it("the README's option table is current and has a row per option", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toBe(withOptionsTable(readme));
    for (const name of Object.keys(FLAGS)) expect(readme).toContain(`| \`${name}\` |`);
  });

  it("names every option of the table in BuildOptions", () => {
    const text = renderOptionsModule();
    for (const [name, row] of Object.entries(FLAGS)) {
      expect(text).toContain(`  ${name}?: `);
      expect(text).toContain(`buildx >= ${row.since}`);
    }
  });
});
