/**
 * Issue 14: an error never repeats a value given as a secret. Thirty shapes of a bad `secret` (a
 * token where `id=...,src=...` was expected, unknown attributes, broken quotes, records, arrays,
 * env=/src=/type= variants) through every way in: options (`plan()`, `constructBuildArgs()`), a
 * recipe's text, a recipe file checked by the CLI, `--set`, the CLI's `build --secret` and the
 * tagged template. Each must fail naming the option and the fix, and no message, diagnostic,
 * problem or printed line may hold the secret, its lower-cased form, or any 8 characters of either.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../lib/cli/main.ts";
import { ValidationError } from "../lib/core/errors.ts";
import { constructBuildArgs, plan } from "../lib/core/plan.ts";
import { parseRecipe, RecipeError } from "../lib/recipe/recipe.ts";
import { checkRecipe } from "../lib/recipe/run.ts";
import { buildx } from "../lib/build/template.ts";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "secrets-test-"));
  dirs.push(d);
  return d;
}

/** Everything a failure shows: the error's message and stack, and its diagnostics or problems as data. */
function shown(e: unknown): string {
  if (!(e instanceof Error)) return `not an Error: ${String(e)}`;
  const data = (e as { diagnostics?: unknown; problems?: unknown }).diagnostics ?? (e as { problems?: unknown }).problems ?? null;
  return [e.name, e.message, e.stack ?? "", JSON.stringify(data)].join("\n");
}

/** Options through plan() and constructBuildArgs(): the diagnostics, and the ValidationError. */
function viaOptions(secret: unknown): string {
  const p = plan({ secret } as never);
  expect(p.ok).toBe(false);
  let thrown: unknown;
  try {
    constructBuildArgs({ secret } as never);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  return `${JSON.stringify(p.diagnostics)}\n${JSON.stringify(p.argv)}\n${shown(thrown)}`;
}

/** A recipe's text, parsed: the RecipeError. */
function viaRecipe(secret: unknown): string {
  const text = JSON.stringify({ recipe: 1, options: { context: ".", secret } }, null, 2);
  let thrown: unknown;
  try {
    parseRecipe(text, "r.json");
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(RecipeError);
  return shown(thrown);
}

/** `buildx-kit ARGS` in this process: exit code 2, and everything it printed. */
async function viaCli(args: readonly string[], cwd: string): Promise<string> {
  const out: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => out.push(t), env: { PATH: "/nonexistent" }, isTTY: false, cwd });
  expect(code).toBe(2);
  return out.join("\n");
}

/** A valid recipe file, checked by the CLI with `--set` overrides (no build, no probe: the check fails first). */
async function viaSet(...sets: string[]): Promise<string> {
  const dir = await tempDir();
  const file = join(dir, "app.json");
  await writeFile(file, JSON.stringify({ recipe: 1, options: { context: ".", tag: "app:1" } }));
  let thrown: unknown;
  try {
    await checkRecipe(file, { set: sets });
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(RecipeError);
  return `${shown(thrown)}\n${await viaCli(["recipe", "check", file, ...sets.flatMap((s) => ["--set", s])], dir)}`;
}

/** A recipe file with this secret, checked by the CLI. */
async function viaRecipeFile(secret: unknown): Promise<string> {
  const dir = await tempDir();
  const file = join(dir, "app.json");
  await writeFile(file, JSON.stringify({ recipe: 1, options: { context: ".", secret } }, null, 2));
  return viaCli(["recipe", "check", file], dir);
}

/** The tagged template: nothing is spawned, the dry run throws. */
async function viaTemplate(secret: string): Promise<string> {
  let thrown: unknown;
  try {
    await buildx({ dryRun: true })`--secret ${secret} .`.dryRun();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(Error);
  return shown(thrown);
}

// The secrets: realistic tokens, each distinct, mixed case so the lower-cased form differs.
const GH = "ghp_Q7xLmZ2vR9kT4wYbN8cD1fH3jK5pS6uA";
const NPM = "npm_Xy9Lk2Mn4Pq6Rs8Tu0Vw1Yz3Ab5Cd7Ef";
const B64 = "U2VjcmV0VG9rZW5WYWx1ZTEyMzQ1Njc4OQ==";
const PIN = "4815162342";
const PASS = "Hunter2!Correct-Horse";

// The messages, as the diagnostics and problems say them after the path.
const RULE = "a secret says where its value comes from (id=NAME,src=FILE or id=NAME,env=VARIABLE), never the value itself";
const FORM = "write id=NAME,src=FILE or id=NAME,env=VARIABLE";
const NOT_KV = (n: number) => `holds field ${n}, which is not key=value (not shown: it may be the secret itself); ${FORM}`;
const NOT_ATTR = (n: number | null) =>
  `holds an attribute that is not id, type, src, source or env (${n === null ? "its name" : `field ${n}`} is not shown: it may be the secret itself): ${RULE}`;
const NAMED = (key: string) => `"${key}" is not a secret attribute: ${RULE}`;
const CSV = (reason: string) => `${reason} (the text is not shown: it may hold the secret); ${FORM}, quoting a field that holds a comma`;
const TYPE = "type must be file or env (the type given is not shown: it may be the secret itself)";
const ENV = `env= names an environment variable, and the name given is empty or holds "=" (not shown: it may be the secret itself); ${FORM}`;

/** [name, secret value to hunt for, run it → everything shown, a line the output must hold]. */
const CASES: readonly (readonly [string, string, () => Promise<string> | string, string])[] = [
  // options: plan() and constructBuildArgs()
  ["options: a bare token", GH, () => viaOptions(GH), `error [secret-value] secret: ${NOT_KV(1)}`],
  ["options: token=VALUE (unknown key)", GH, () => viaOptions(`id=gh,token=${GH}`), `error [secret-value] secret: ${NAMED("token")}`],
  ["options: value=VALUE", NPM, () => viaOptions(`id=npm,value=${NPM}`), `error [secret-value] secret: ${NAMED("value")}`],
  [
    "options: an unterminated quote",
    GH,
    () => viaOptions(`id=gh,"value=${GH}`),
    `error [invalid-value] secret: ${CSV("unterminated quote opened at column 7")}`,
  ],
  [
    "options: a bare quote in a field",
    GH,
    () => viaOptions(`id=gh,value=${GH}"x`),
    `error [invalid-value] secret: ${CSV("bare quote in a field at column 7")}`,
  ],
  [
    "options: text after a closing quote",
    GH,
    () => viaOptions(`"id=gh"${GH}`),
    `error [invalid-value] secret: ${CSV("unexpected character after a closing quote at column 8")}`,
  ],
  ["options: a quoted bare token", GH, () => viaOptions(`"${GH}"`), `error [secret-value] secret: ${NOT_KV(1)}`],
  ["options: a record with value", NPM, () => viaOptions({ id: "npm", value: NPM }), `error [secret-value] secret.value: ${NAMED("value")}`],
  ["options: a record keyed by the secret", GH, () => viaOptions({ id: "gh", [GH]: "" }), `error [secret-value] secret: ${NOT_ATTR(null)}`],
  [
    "options: an array mixing good and bad",
    GH,
    () => viaOptions(["id=a,src=a.txt", GH, { id: "b", token: GH }]),
    `error [secret-value] secret[1]: ${NOT_KV(1)}\n  error [secret-value] secret[2].token: ${NAMED("token")}`,
  ],
  ["options: env=NAME=VALUE", GH, () => viaOptions(`id=gh,env=GH_TOKEN=${GH}`), `error [secret-value] secret: ${ENV}`],
  ["options: src=FILE then the token", GH, () => viaOptions(`id=gh,src=./token.txt,${GH}`), `error [secret-value] secret: ${NOT_KV(3)}`],
  ["options: type=VALUE", PASS, () => viaOptions(`id=db,type=${PASS}`), `error [invalid-value] secret: ${TYPE}`],
  ["options: base64 with = padding", B64, () => viaOptions(B64), `error [secret-value] secret: ${NOT_ATTR(1)}`],
  [
    "options: a number",
    PIN,
    () => viaOptions(Number(PIN)),
    "error [invalid-value] secret: expects attributes such as id=NAME,src=FILE or id=NAME,env=VARIABLE (a string, a record, or an array of them), got a number",
  ],
  ["options: CSV quoting a value with a comma", PASS, () => viaOptions(`id=db,"password=${PASS},x"`), `error [secret-value] secret: ${NAMED("password")}`],
  ["options: a record with type", PASS, () => viaOptions({ id: "db", type: PASS }), `error [invalid-value] secret.type: ${TYPE}`],
  // a recipe's text and a recipe file
  ["recipe: a bare token", GH, () => viaRecipe(GH), `r.json: invalid recipe (1 problem):\n  r.json:5:15: options.secret: ${NOT_KV(1)}`],
  [
    "recipe: an unterminated quote",
    NPM,
    () => viaRecipe(`id=npm,"value=${NPM}`),
    `r.json:5:15: options.secret: ${CSV("unterminated quote opened at column 8")}`,
  ],
  ["recipe: a record with password", PASS, () => viaRecipe({ id: "db", password: PASS }), `r.json:7:19: options.secret.password: ${NAMED("password")}`],
  ["recipe: an array with base64", B64, () => viaRecipe(["id=a,src=a.txt", B64]), `r.json:7:7: options.secret[1]: ${NOT_ATTR(1)}`],
  ["recipe file: recipe check", GH, () => viaRecipeFile(`id=gh,token=${GH}`), `/app.json:5:15: options.secret: ${NAMED("token")}`],
  // --set
  ["--set secret=TOKEN", GH, () => viaSet(`secret=${GH}`), `--set secret=(not shown): options.secret: ${NOT_KV(1)}`],
  ["--set secret=id=x,value=TOKEN", NPM, () => viaSet(`secret=id=npm,value=${NPM}`), `--set secret=(not shown): options.secret: ${NAMED("value")}`],
  ["--set secret.value=TOKEN", GH, () => viaSet(`secret.value=${GH}`), "--set secret.value=(not shown): secret has no entries: write secret=VALUE"],
  ["--set secrets=TOKEN (a typo)", GH, () => viaSet(`secrets=${GH}`), '--set secrets=(not shown): "secrets" is not a build option; did you mean secret?'],
  // the CLI's build and the tagged template
  [
    "CLI: build --secret TOKEN",
    GH,
    async () => viaCli(["build", "--dry-run", "--secret", GH, "."], await tempDir()),
    `error: invalid build options (1 problem):\n  error [secret-value] secret[0]: ${NOT_KV(1)}`,
  ],
  [
    'CLI: build --secret="value=TOKEN',
    NPM,
    async () => viaCli(["build", "--dry-run", `--secret=id=npm,"value=${NPM}`, "."], await tempDir()),
    `error [invalid-value] secret[0]: ${CSV("unterminated quote opened at column 8")}`,
  ],
  [
    "template: --secret ${TOKEN}",
    GH,
    () => viaTemplate(GH),
    `ValidationError\ninvalid build options (1 problem):\n  error [secret-value] secret[0]: ${NOT_KV(1)}`,
  ],
  ["template: --secret ${id=x,value=TOKEN}", PASS, () => viaTemplate(`id=db,value=${PASS}`), `error [secret-value] secret[0]: ${NAMED("value")}`],
];

/** Every run of 8 characters of the secret and of its lower-cased form. */
function fragments(secret: string): string[] {
  const out = new Set<string>();
  for (const s of [secret, secret.toLowerCase()]) for (let i = 0; i + 8 <= s.length; i++) out.add(s.slice(i, i + 8));
  return [...out];
}

describe("no message repeats a secret (issue 14)", () => {
  it("has thirty shapes", () => {
    expect(CASES).toHaveLength(30);
  });

  it.each(CASES)("%s", async (_name, secret, run, line) => {
    const text = await run();
    const leaked = fragments(secret).filter((f) => text.includes(f));
    expect(leaked, text).toEqual([]);
    expect(text).toContain(line);
  });
});
