/**
 * Values of every value kind's grammar, valid and invalid, for property tests of lib/core/kinds.ts
 * (test/schema.test.ts, test/kinds.test.ts). Independent of the codecs: written from buildx's
 * grammars, not from lib/core/kinds.ts. What lib/recipe/schema.ts says a schema leaves to loading (a soft
 * limit above the hard one, a typo of a known word, a CSV value's attributes, an image
 * reference's grammar) is not generated.
 */
import fc from "fast-check";
import type { FlagKind, FlagRow } from "../../lib/core/flags.ts";

/** Values of the wrong shape for any kind. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, "", " ", {}, [], [[]], [null], { a: { b: 1 } }, [{}]),
  fc.integer(),
);

/** Text from characters that matter to the grammars (separators, quotes, space, case). */
export const fragment: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom("a", "Z", "1", "0", "=", ":", ",", "/", ".", "-", "_", " ", "\t", "\n", "(", ")", "é"),
  maxLength: 8,
});

/** Any case of a word. */
function anyCase(word: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(""));
}

/** One value or an array of them (sometimes empty). */
function oneOrMany<T>(item: fc.Arbitrary<T>): fc.Arbitrary<T | T[]> {
  return fc.oneof(item, fc.array(item, { maxLength: 3 }));
}

/** A CSV field as lib/core/csv.ts reads it: as written, or quoted (quotes doubled). */
function csvField(text: string, quoted: boolean): string {
  return quoted || /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Fields joined into one CSV record, each quoted or not. */
function csvRecord(fields: fc.Arbitrary<string[]>): fc.Arbitrary<string> {
  return fields.chain((list) =>
    fc.array(fc.boolean(), { minLength: list.length, maxLength: list.length })
      .map((quoted) => list.map((f, i) => csvField(f, quoted[i]!)).join(","))
  );
}

/** Text that is certainly not one CSV record: a bare quote inside an unquoted field. */
const badCsv: fc.Arbitrary<string> = fc.tuple(fc.string({ unit: fc.constantFrom("a", "=", ",", " "), maxLength: 5 }), fragment)
  .map(([before, after]) => `${before}x"${after}`);

/** Attribute text of a CSV row: its known attributes with values their rules take (no typos: left to loading). */
function attributeFields(row: FlagRow): fc.Arbitrary<string[]> {
  const spec = row.attributes;
  const value = (rule: { bool?: boolean; values?: readonly string[] }): fc.Arbitrary<string> =>
    rule.bool
      ? fc.constantFrom("true", "false", "1", "t", "False")
      : rule.values
      ? fc.constantFrom(...rule.values)
      : fc.constantFrom("x", "a b", "a,b", "./out", 'q"q');
  if (!spec) return fc.array(fc.tuple(fc.constantFrom("type", "mode", "dest", "a.b"), fragment).map(([k, v]) => `${k}=${v}`), { minLength: 1, maxLength: 3 });
  const types = Object.entries(spec.types ?? {});
  const rulesOf = (type: string | null) => ({ ...(type === null ? {} : spec.types![type]!.attributes), ...spec.common });
  const typeChoice = types.length
    ? fc.constantFrom<string | null>(...types.map(([t]) => t), ...(spec.defaultType ? [null] : []))
    : fc.constant<string | null>(null);
  return typeChoice.chain((type) => {
    const rules = Object.entries(rulesOf(type ?? spec.defaultType ?? null));
    const attrs = rules.length
      ? fc.uniqueArray(fc.constantFrom(...rules), { maxLength: 3, selector: ([k]) => k }).chain((picked) =>
        fc.tuple(...picked.map(([k, rule]) => value(rule).map((v) => `${k}=${v}`)))
      )
      : fc.constant([] as string[]);
    return attrs.map((list) => (type === null ? list : [`type=${type}`, ...list])).filter((list) => list.length > 0);
  });
}

/** The same attributes as a record (values as text, or numbers and booleans where they read the same). */
function asRecord(fields: readonly string[]): Record<string, string | number | boolean> {
  return Object.fromEntries(fields.map((f) => {
    const [k, v] = [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)];
    return [k, v === "true" ? true : v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v];
  }));
}

/** A CSV value of a row that is not sensitive: attributes as text or a record, broken text, broken records. */
function csvValue(row: FlagRow): fc.Arbitrary<unknown> {
  const fields = attributeFields(row);
  return fc.oneof(
    csvRecord(fields),
    fields.map(asRecord),
    badCsv,
    fc.constantFrom("", "  ", "\n"),
    fc.constantFrom({}, { dest: null }, { dest: { x: 1 } }, { dest: [1] }),
    // A bare word: a path for an output, a registry ref for a cache.
    row.attributes?.types ? fc.constantFrom("out", "./dir", "-") : fc.constantFrom("x"),
  );
}

/** A secret: its attributes with good and bad values, names in any case, and mistakes. */
function secretValue(): fc.Arbitrary<unknown> {
  const field = fc.oneof(
    fc.tuple(fc.constantFrom("id", "src", "source", "env", "type"), fc.constantFrom("", " ", "\t"), fc.constantFrom("", " "))
      .chain(([name, before, after]) => fc.tuple(anyCase(name), fc.constant(before), fc.constant(after))).chain(([name, before, after]) =>
        fc.constantFrom("x", "file", "env", "", "A=B", "a b", "a,b", 'q"q').map((v) => `${before}${name}${after}=${v}`)
      ),
    fc.constantFrom("value=hunter2", "hunter2", "", "=x", "scr=a", "ID2=x"),
  );
  const fields = fc.array(field, { minLength: 1, maxLength: 3 });
  return fc.oneof(
    csvRecord(fields),
    fields.map((list) => Object.fromEntries(list.filter((f) => f.includes("=")).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)]))),
    fc.record({ id: fc.constantFrom("a", "", 1, true, null), env: fc.constantFrom("V", "", "A=B", 5, false) }, { requiredKeys: [] }),
    fc.constantFrom({ TYPE: "env", Env: "V" }, { " src ": "f" }, { type: 1 }, { id: [] }),
    badCsv,
    fc.constantFrom("", "  "),
  );
}

/** A platform list: known words in any case, os/arch[/variant], OS versions, and broken pieces. */
const platformText: fc.Arbitrary<string> = fc.array(
  fc.oneof(
    fc.constantFrom("local", "linux", "windows", "darwin", "amd64", "arm64", "x86_64", "aarch64", "armhf", "386").chain(anyCase),
    fc.tuple(
      fc.constantFrom("linux", "windows", "freebsd", "my-os"),
      fc.constantFrom("", "(10.0.17763)", "()", "(a b)"),
      fc.constantFrom("amd64", "arm", "riscv64", "a.b"),
      fc.constantFrom("", "/v7", "/v8", "/", "/a/b"),
    )
      .map(([os, version, arch, variant]) => `${os}${version}/${arch}${variant}`),
    fc.constantFrom("", "foo", "linux/", "/amd64", "linux//arm", "lin ux/amd64", "linux/amd64!", "LOCAL", "Local"),
  ),
  { minLength: 1, maxLength: 3 },
).chain((list) => fc.constantFrom(",", ", ", " , ").map((sep) => list.join(sep)))
  .chain((text) => fc.constantFrom(text, ` ${text} `, `${text},`));

/** Sizes: numbers, units in any case, spaces where buildx takes them and where it does not. */
const bytesValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.constantFrom(1.5, 2 ** 53, 2 ** 53 - 1, 1e21)),
  fc.tuple(
    fc.constantFrom("0", "64", "1.5", "1.", ".5", "1.2.3", "1e3", "+5", ""),
    fc.constantFrom("", " ", "  ", "\t"),
    fc.constantFrom("", "b", "k", "kb", "kib", "ki", "m", "mb", "mib", "g", "t", "p", "e", "eb", "i", "ib", "bb", "kbi").chain(anyCase),
    fc.constantFrom("", " ", "\n"),
    fc.constantFrom("", " "),
  ).map(([n, gap, unit, after, before]) => `${before}${n}${gap}${unit}${after}`),
);

/** Ulimits as text, arrays of text and records, every shape; never a soft limit above the hard one (left to loading). */
const ulimitValue: fc.Arbitrary<unknown> = (() => {
  const pair = fc.tuple(fc.integer({ min: -1, max: 4096 }), fc.integer({ min: -1, max: 4096 }))
    .map(([a, b]) => (a === -1 || b === -1 ? [b === -1 ? a : -1, -1] : [Math.min(a, b), Math.max(a, b)]) as [number, number]);
  const name = fc.constantFrom("nofile", "nproc", "core", "NOFILE", "no_file", "", "nofile2", "foo", "nofle");
  const text = fc.oneof(
    fc.tuple(name, pair, fc.boolean()).map(([n, [soft, hard], both]) => `${n}=${both ? `${soft}:${hard}` : soft === hard || hard === -1 ? soft : hard}`),
    fc.constantFrom("nofile=", "nofile=1:", "nofile=a", "nofile", "=1", "nofile=-5", "nofile=-5:3", "nofile=1.5"),
  );
  const spec = fc.oneof(
    pair.map(([soft, hard]) => (soft === hard ? soft : [soft, hard])),
    pair.map(([soft, hard]) => ({ soft, hard })),
    fc.constantFrom(-2, 1.5, "1", null, [1], [1, 2, 3], [1, "2"], { soft: 1 }, { soft: 1, hard: 2, max: 3 }, { soft: -2, hard: 1 }, {}),
  );
  return fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.dictionary(name, spec, { maxKeys: 3 }));
})();

/** Key=value values: records, `k=v` strings and arrays, with empty keys, `=` in keys, bare keys and bad values. */
function keyValueValue(row: FlagRow, hosts: boolean): fc.Arbitrary<unknown> {
  const keys = row.keys ? fc.constantFrom(...row.keys, "memroy", "foo") : fc.constantFrom("K", "db.local", "a=b", "", " ", "a:b");
  const scalar = fc.oneof(fc.constantFrom("v", "", "10.0.0.5", "a b", "x=y"), fc.integer(), fc.boolean());
  const text = hosts
    ? fc.constantFrom("db:10.0.0.5", "db=10.0.0.5", "db:", ":1.2.3.4", "a b:c", "db: x", "db", "", "db:::1", "h:1,g:2")
    : fc.tuple(keys, fc.constantFrom("=v", "=", "", "==x", "=a b")).map(([k, v]) => `${k}${v}`);
  return fc.oneof(
    fc.dictionary(keys, fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.constantFrom(null, [], {}) }), { maxKeys: 3 }),
    text,
    fc.array(fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom(1, null) }), { maxLength: 3 }),
  );
}

/** Values of a `string` row: its choices (any case), words far from every choice, and for `call`, attributes after the method. */
function stringValue(row: FlagRow): fc.Arbitrary<unknown> {
  if (!row.choices) return fc.oneof(fragment, fc.constantFrom("Dockerfile", "-", "a b"));
  const choice = fc.constantFrom(...row.choices).chain((c) => fc.oneof({ weight: 3, arbitrary: fc.constant(c) }, { weight: 1, arbitrary: anyCase(c) }));
  const far = fc.constantFrom("zzzzzzzzzz", "my-own-method-x");
  if (!row.open) return fc.oneof(choice, far, fragment);
  if (!row.attributes?.common) return fc.oneof(choice, far);
  return fc.oneof(
    csvRecord(fc.tuple(fc.oneof(choice, far), attributeFields(row)).map(([method, attrs]) => [method, ...attrs])),
    fc.oneof(choice, far),
    badCsv,
    fc.constantFrom(" ", ""),
  );
}

/** Values of a `list` row: image references for `tag` (their grammar is left to loading), choices for `allow`. */
function listValue(name: string, row: FlagRow): fc.Arbitrary<unknown> {
  const item = name === "tag"
    ? fc.constantFrom("app", "app:1.0", "registry.example.com:5000/team/app:v2", "a/b@sha256:" + "a".repeat(64))
    : row.choices
    ? fc.oneof(fc.constantFrom(...row.choices), fc.constantFrom("device=nvidia.com/gpu", "zzzzzzzz", "network.host,security.insecure"))
    : fc.oneof(fragment.filter((s) => s !== ""), fc.constantFrom("index:org.example=1", "default"));
  return oneOrMany(fc.oneof({ weight: 5, arbitrary: item }, { weight: 1, arbitrary: fc.constantFrom("", 1, null, true) }));
}

/** Each kind's grammar: values of one option, valid and invalid. */
export const GRAMMARS: { readonly [K in FlagKind]: (name: string, row: FlagRow) => fc.Arbitrary<unknown> } = {
  bool: () => fc.boolean(),
  string: (_name, row) => stringValue(row),
  list: (name, row) => listValue(name, row),
  platforms: () => oneOrMany(fc.oneof({ weight: 5, arbitrary: platformText }, { weight: 1, arbitrary: fc.constantFrom(1, null) })),
  map: (_name, row) => keyValueValue(row, false),
  hosts: (_name, row) => keyValueValue(row, true),
  csv: (_name, row) => (row.sensitive ? oneOrMany(secretValue()) : oneOrMany(csvValue(row))),
  csvOrBool: (_name, row) => fc.oneof(fc.boolean(), csvValue(row), fc.array(csvValue(row), { maxLength: 2 })),
  ulimit: () => ulimitValue,
  bytes: () => bytesValue,
};

/** Values of one option, from its kind's grammar, valid and invalid; junk of every shape besides. */
export function valuesOf(name: string, row: FlagRow): fc.Arbitrary<unknown> {
  // An image reference's grammar is left to loading: no text of the wrong shape for a tag.
  const wrong = name === "tag" ? junk.filter((v) => typeof v !== "string" || v === "") : junk;
  return fc.oneof({ weight: 6, arbitrary: GRAMMARS[row.kind](name, row) }, { weight: 1, arbitrary: wrong });
}
