/**
 * The source tree is the architecture, enforced: lib/ has one folder per layer, and a module may
 * import only from its own layer or the ones below it. core/ is pure (no I/O, no runtime API, no
 * package); runtime/ is the only place that touches the process, files and child processes
 * directly. No import cycles, static or dynamic. The entries (mod.ts and each layer's mod.ts) are
 * the same in package.json and deno.json.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const LIB = join(ROOT, "lib");

/** Lowest first: a module may import from its own layer and the ones before it. */
const LAYERS = ["core", "runtime", "build", "recipe", "guide", "cli"] as const;
type Layer = (typeof LAYERS)[number];

/** The runtime APIs only runtime/ may name (Deno's and Bun's globals, Node's process). */
const RUNTIME_GLOBALS = /\b(?:Deno|Bun)\.|\bglobalThis\.process\b|\bprocess\.(?:env|cwd|argv|exit|stdout|stderr|stdin|on)\b/;

interface Module {
  readonly file: string;
  readonly layer: Layer;
  readonly imports: readonly string[];
  readonly packages: readonly string[];
  readonly text: string;
}

function modules(): Module[] {
  const found: Module[] = [];
  for (const entry of readdirSync(LIB, { withFileTypes: true })) {
    if (!entry.isDirectory()) throw new Error(`lib/${entry.name}: every module lives in a layer's folder (${LAYERS.join(", ")})`);
    if (!(LAYERS as readonly string[]).includes(entry.name)) throw new Error(`lib/${entry.name}: not a layer (${LAYERS.join(", ")})`);
    for (const name of readdirSync(join(LIB, entry.name))) {
      if (!name.endsWith(".ts")) continue;
      const file = join(LIB, entry.name, name);
      const text = readFileSync(file, "utf8");
      // Examples in comments are not imports.
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
      const specifiers = [
        ...code.matchAll(/(?:^|[^.\w])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/gm),
      ]
        .map((m) => m[1] ?? m[2] ?? m[3]!);
      found.push({
        file: relative(ROOT, file),
        layer: entry.name as Layer,
        imports: specifiers.filter((s) => s.startsWith(".")).map((s) => relative(ROOT, normalize(join(dirname(file), s)))),
        packages: specifiers.filter((s) => !s.startsWith(".")),
        text: code,
      });
    }
  }
  return found;
}

const all = modules();
const byFile = new Map(all.map((m) => [m.file, m]));
const rank = (layer: Layer) => LAYERS.indexOf(layer);

describe("the layers", () => {
  it("every lib/ module is in a layer's folder, and there are modules in each", () => {
    for (const layer of LAYERS) expect(all.filter((m) => m.layer === layer).length, layer).toBeGreaterThan(0);
  });

  it.each(all.map((m) => [m.file, m] as const))("%s imports only its own layer and the ones below", (_, m) => {
    for (const target of m.imports) {
      if (!target.startsWith("lib/")) throw new Error(`${m.file} imports ${target}, outside lib/`);
      const to = byFile.get(target);
      expect(to, `${m.file} imports ${target}, which does not exist`).toBeDefined();
      expect(rank(to!.layer), `${m.file} (${m.layer}) imports ${target} (${to!.layer}), a layer above it`).toBeLessThanOrEqual(rank(m.layer));
    }
  });

  it("core/ is pure: no package, no node: module, no runtime global, nothing from another layer", () => {
    for (const m of all.filter((m) => m.layer === "core")) {
      expect(m.packages, m.file).toEqual([]);
      expect(m.text, `${m.file} names a runtime API`).not.toMatch(RUNTIME_GLOBALS);
    }
  });

  it("node: modules are imported by runtime/ only (and by the REPL, which is node:readline's)", () => {
    const outside = all.filter((m) => m.layer !== "runtime" && m.file !== "lib/cli/repl.ts" && m.packages.some((p) => p.startsWith("node:"))).map((m) =>
      m.file
    );
    expect(outside).toEqual([]);
  });

  it("@inquirer/prompts is imported by guide/ only, zx by cli/ only", () => {
    for (const m of all) {
      if (m.packages.some((p) => p.startsWith("@inquirer/"))) expect(m.layer, m.file).toBe("guide");
      if (m.packages.includes("zx")) expect(m.layer, m.file).toBe("cli");
    }
  });

  it("no import cycles, static or dynamic", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const next of byFile.get(file)?.imports ?? []) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const m of all) visit(m.file, []);
    expect(cycles).toEqual([]);
  });
});

describe("the entries", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, { types: string; default: string }> };
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { exports: Record<string, string> };

  it("package.json and deno.json offer the same entries, each the compiled form of the other", () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(Object.keys(deno.exports).sort());
    // The command is the one exception: Node runs it as CommonJS from dist/cli/ (no types).
    expect(deno.exports["./cli"]).toBe("./scripts/cli.ts");
    expect(pkg.exports["./cli"]).toEqual({ default: "./dist/cli/scripts/cli.js" });
    for (const [name, source] of Object.entries(deno.exports).filter(([name]) => name !== "./cli")) {
      const compiled = source.replace(/^\.\//, "./dist/").replace(/\.ts$/, ".js");
      expect(pkg.exports[name], name).toEqual({ types: compiled.replace(/\.js$/, ".d.ts"), default: compiled });
    }
  });

  it("the core entry reaches core/ only: no I/O, no package", () => {
    const entry = relative(ROOT, join(ROOT, deno.exports["./core"]!));
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const m = byFile.get(file);
      if (m) { for (const next of m.imports) walk(next); }
    };
    walk(entry);
    const outside = [...seen].filter((f) => !f.startsWith("lib/core/"));
    expect(outside).toEqual([]);
  });
});

describe("the README's imports", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const entries: Record<string, string> = {
    "buildx-kit": "mod.ts",
    "buildx-kit/core": "lib/core/mod.ts",
    "buildx-kit/recipes": "lib/recipe/mod.ts",
    "buildx-kit/guide": "lib/guide/mod.ts",
  };
  const imports = [...readme.matchAll(/import\s+(?:type\s+)?\{([^}]+)\}\s+from\s+"(buildx-kit[^"]*)"/g)].map((m) => ({
    entry: m[2]!,
    names: m[1]!.split(",").map((n) => n.trim().replace(/^type\s+/, "")).filter(Boolean),
  }));

  it("the README's Design section names every layer and every module of lib/ (the tree and its map agree)", () => {
    const design = readme.slice(readme.indexOf("## Design"), readme.indexOf("## Benchmarks"));
    for (const layer of LAYERS) expect(design, layer).toContain(`| \`lib/${layer}/\` |`);
    const named = all.filter((m) => !m.file.endsWith("/mod.ts")).filter((m) => !design.includes(`\`${m.file}\``)).map((m) => m.file);
    expect(named, "modules the README's file table does not name").toEqual([]);
  });

  it("the README imports from the entries", () => {
    expect(imports.length).toBeGreaterThan(3);
    for (const i of imports) expect(Object.keys(entries), i.entry).toContain(i.entry);
  });

  it.each(Object.keys(entries))("every name the README imports from %s is exported by it", async (entry) => {
    const api = (await import(join(ROOT, entries[entry]!))) as Record<string, unknown>;
    for (const name of imports.filter((i) => i.entry === entry).flatMap((i) => i.names)) {
      // Types leave nothing at run time: a type name must be declared by the entry's source instead.
      if (!(name in api)) {
        expect(readFileSync(join(ROOT, entries[entry]!), "utf8") + exportedTypes(entry), `${entry} exports ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
      }
    }
  });
});

/** The text of an entry and the entries it re-exports whole (`export * from`), to find type names in. */
function exportedTypes(entry: string): string {
  const file = entry === "buildx-kit" ? "lib/build/mod.ts" : "";
  return file ? readFileSync(join(ROOT, file), "utf8") + readFileSync(join(ROOT, "lib/core/mod.ts"), "utf8") : "";
}
