/**
 * parseBuildArgs(): argv words -> BuildOptions through the flag table. Every row of the table in
 * every form it can be written, every message, then the round trip options -> argv -> template
 * text -> the same options.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../lib/core/diagnostics.ts";
import { type FlagKind, type FlagRow, FLAGS } from "../../lib/core/flags.ts";
import type { BuildOptions } from "../../lib/core/options.ts";
import { nearFlags, parseBuildArgs, readBuildArgs } from "../../lib/core/parse.ts";
import { plan } from "../../lib/core/plan.ts";
import { shellCommand } from "../../lib/runtime/spawn.ts";
import { buildx, splitWords } from "../../lib/build/template.ts";

const codes = (words: readonly string[]) => parseBuildArgs(words).diagnostics.map((d) => d.code);
const optionsOf = (words: readonly string[]) => {
  const parsed = parseBuildArgs(words);
  expect(parsed.diagnostics.filter((d) => d.level === "error")).toEqual([]);
  return parsed.options;
};

/** A value as written on the command line for one row, and what it parses to. */
function sample(row: FlagRow): { text: string; parsed: unknown; second: string; both: unknown } {
  const kind: FlagKind = row.kind;
  switch (kind) {
    case "bool":
      return { text: "true", parsed: true, second: "false", both: false };
    case "string":
    case "bytes": {
      const first = row.choices?.[0] ?? row.example ?? "value";
      const second = row.choices?.[1] ?? `${first}2`;
      return { text: first, parsed: first, second, both: second };
    }
    case "list":
    case "csv":
    case "ulimit": {
      const first = kind === "ulimit" ? "nofile=1024:2048" : row.choices?.[0] ?? row.example ?? "value";
      const second = kind === "ulimit" ? "nproc=10:20" : row.choices?.[1] ?? `${first}-2`;
      return { text: first, parsed: [first], second, both: [first, second] };
    }
    case "platforms":
      return {
        text: "linux/amd64,linux/arm64",
        parsed: ["linux/amd64", "linux/arm64"],
        second: "linux/riscv64",
        both: ["linux/amd64", "linux/arm64", "linux/riscv64"],
      };
    case "map":
      // A map with the keys buildx reads (resource): two of its keys.
      if (row.keys) {
        return {
          text: `${row.keys[0]}=v=1`,
          parsed: { [row.keys[0]!]: "v=1" },
          second: `${row.keys[1]}=`,
          both: { [row.keys[0]!]: "v=1", [row.keys[1]!]: "" },
        };
      }
      return { text: "K1=v=1", parsed: { K1: "v=1" }, second: "K2=", both: { K1: "v=1", K2: "" } };
    case "hosts":
      return { text: "db.local:10.0.0.5", parsed: { "db.local": "10.0.0.5" }, second: "v6:::1", both: { "db.local": "10.0.0.5", v6: "::1" } };
    case "csvOrBool":
      return { text: "mode=max", parsed: "mode=max", second: "false", both: false };
    default: {
      const unhandled: never = kind;
      throw new Error(`a new kind of flag needs a sample here: ${String(unhandled)}`);
    }
  }
}

describe("every row of the flag table parses", () => {
  const rows = Object.entries(FLAGS) as [string, FlagRow][];

  it("has rows to parse", () => {
    expect(rows.length).toBeGreaterThan(30);
  });

  describe.each(rows)("%s", (name, row) => {
    const s = sample(row);

    it(`${row.flag}=value`, () => {
      expect(optionsOf([`${row.flag}=${s.text}`])).toEqual({ [name]: s.parsed });
    });

    if (row.kind === "bool") {
      it(`${row.flag} alone is true, ${row.flag}=false is false`, () => {
        expect(optionsOf([row.flag])).toEqual({ [name]: true });
        expect(optionsOf([`${row.flag}=false`])).toEqual({ [name]: false });
        // A bool flag never takes the next word: it is the context.
        expect(optionsOf([row.flag, "false"])).toEqual({ [name]: true, context: "false" });
      });
    } else {
      it(`${row.flag} value`, () => {
        expect(optionsOf([row.flag, s.text, "ctx"])).toEqual({ [name]: s.parsed, context: "ctx" });
      });
    }

    it(`${row.flag} twice`, () => {
      const parsed = parseBuildArgs([`${row.flag}=${s.text}`, `${row.flag}=${s.second}`]);
      expect(parsed.options).toEqual({ [name]: s.both });
      expect(parsed.diagnostics.filter((d) => d.level === "error")).toEqual([]);
    });

    if (row.short) {
      const short = row.short;
      it(`${short} in every form`, () => {
        if (row.kind === "bool") {
          expect(optionsOf([short])).toEqual({ [name]: true });
          expect(optionsOf([`${short}=false`])).toEqual({ [name]: false });
        } else {
          for (const words of [[short, s.text], [`${short}${s.text}`], [`${short}=${s.text}`]]) {
            expect(optionsOf(words)).toEqual({ [name]: s.parsed });
          }
        }
      });
    }

    it("plans back to the same flag arguments", () => {
      const words = row.kind === "bool" ? [row.flag] : [`${row.flag}=${s.text}`];
      const p = plan({ tag: ["app:1"], ...optionsOf(words), context: "." });
      expect(p.diagnostics.filter((d) => d.level === "error")).toEqual([]);
      if (row.kind === "platforms" || row.kind === "map" || row.kind === "hosts" || row.kind === "bool") {
        expect(p.args).toContain(words[0]);
      } else {
        expect(p.args).toContain(`${row.flag}=${s.text}`);
      }
    });
  });
});

describe("flag forms", () => {
  it("reads long, short, glued, =, repeated and bundled forms the way buildx does", () => {
    expect(optionsOf(["-t", "a:1", "-t", "b:1", "--tag=c:1", "--tag", "d:1", "-te:1", "-t=f:1"]))
      .toEqual({ tag: ["a:1", "b:1", "c:1", "d:1", "e:1", "f:1"] });
    expect(optionsOf(["-qt", "app:1"])).toEqual({ quiet: true, tag: ["app:1"] });
    expect(optionsOf(["-qtapp:1"])).toEqual({ quiet: true, tag: ["app:1"] });
    expect(optionsOf(["-qo", "out"])).toEqual({ quiet: true, output: ["out"] });
    expect(optionsOf(["-f-", "-"])).toEqual({ file: "-", context: "-" });
  });

  it("takes flags before and after the context, and words after -- as the context", () => {
    expect(optionsOf([".", "--push", "-t", "a:1"])).toEqual({ context: ".", push: true, tag: ["a:1"] });
    expect(optionsOf(["--push", "--", "--odd-dir"])).toEqual({ push: true, context: "--odd-dir" });
  });

  it("reads boolean words as Go's ParseBool does", () => {
    for (const t of ["1", "t", "T", "true", "TRUE", "True"]) expect(optionsOf([`--push=${t}`])).toEqual({ push: true });
    for (const f of ["0", "f", "F", "false", "FALSE", "False"]) expect(optionsOf([`--push=${f}`])).toEqual({ push: false });
  });

  it("gives --sbom and --provenance alone the value true, and takes the next word only when it reads as their value", () => {
    expect(optionsOf(["--sbom", "."])).toEqual({ sbom: true, context: "." });
    expect(optionsOf(["--sbom", "false", "."])).toEqual({ sbom: false, context: "." });
    expect(optionsOf(["--provenance", "mode=max", "."])).toEqual({ provenance: "mode=max", context: "." });
    expect(optionsOf(["--provenance=true"])).toEqual({ provenance: true });
    expect(optionsOf(["--provenance", "--push"])).toEqual({ provenance: true, push: true });
  });

  it("splits platforms on commas and keeps the whole value of every other flag", () => {
    expect(optionsOf(["--platform", "linux/amd64, linux/arm64", "--platform=linux/arm/v7"]))
      .toEqual({ platform: ["linux/amd64", "linux/arm64", "linux/arm/v7"] });
    expect(optionsOf(["-o", 'type=local,"dest=a,b"'])).toEqual({ output: ['type=local,"dest=a,b"'] });
    expect(optionsOf(["--label", "note=a=b, c"])).toEqual({ label: { note: "a=b, c" } });
    // host=ip stays as written (a record would read back as host:ip)
    expect(optionsOf(["--add-host", "a:1.2.3.4", "--add-host", "gw=172.17.0.1"])).toEqual({ addHost: ["a:1.2.3.4", "gw=172.17.0.1"] });
    expect(optionsOf(["--add-host", "a:1.2.3.4,b:5.6.7.8"])).toEqual({ addHost: ["a:1.2.3.4,b:5.6.7.8"] });
  });

  it("keeps key=value entries as written when one is not key=value (a bare build arg comes from the environment)", () => {
    expect(optionsOf(["--build-arg", "HTTP_PROXY", "--build-arg", "A=1"])).toEqual({ buildArg: ["HTTP_PROXY", "A=1"] });
    expect(plan({ buildArg: ["HTTP_PROXY", "A=1"], load: true }).args).toEqual(["--build-arg=HTTP_PROXY", "--build-arg=A=1", "--load", "."]);
    // A label needs a value: plan() says so.
    const p = plan({ ...optionsOf(["--label", "lonely"]), load: true });
    expect(p.diagnostics.map((d) => [d.code, d.option])).toContainEqual(["invalid-value", "label[0]"]);
  });

  it("passes unknown long flags through extraFlags, with a warning", () => {
    const parsed = parseBuildArgs(["--new-flag=x", "--other", "--many=a", "--many=b", "."]);
    expect(parsed.options).toEqual({ context: ".", extraFlags: { "new-flag": "x", other: true, many: ["a", "b"] } });
    expect(parsed.diagnostics.map((d) => [d.level, d.code, d.option])).toEqual([
      ["warning", "unknown-flag", "extraFlags.new-flag"],
      ["warning", "unknown-flag", "extraFlags.other"],
      ["warning", "unknown-flag", "extraFlags.many"],
      ["warning", "unknown-flag", "extraFlags.many"],
    ]);
    expect(formatDiagnostic(parsed.diagnostics[0]!)).toBe(
      "warning [unknown-flag] extraFlags.new-flag: --new-flag is not in buildx-kit's flag table; passed to buildx unchecked\n" +
        "  hint: an unknown flag takes a value only as --new-flag=VALUE",
    );
    expect(plan({ ...parsed.options, load: true }).args).toEqual(["--load", "--new-flag=x", "--other", "--many=a", "--many=b", "."]);
  });

  it("still suggests an option for an unknown flag farther than a typo, and passes it through", () => {
    const parsed = parseBuildArgs(["--metadatafilename=m.json", "."]);
    expect(parsed.options).toEqual({ context: ".", extraFlags: { metadatafilename: "m.json" } });
    expect(parsed.diagnostics.map(formatDiagnostic)).toEqual([
      "warning [unknown-flag] extraFlags.metadatafilename: --metadatafilename is not in buildx-kit's flag table; passed to buildx unchecked\n" +
      "  hint: did you mean --metadata-file? an unknown flag takes a value only as --metadatafilename=VALUE",
    ]);
  });
});

describe("misspelt flags: within an edit distance of 2 of the table's flags, an error, never extraFlags", () => {
  const HINT = "  hint: a flag this near a known one is taken for a typo; give a flag of a newer buildx in extraFlags";

  it("--plaform: did you mean --platform?, and its value is not taken for the context", () => {
    const parsed = parseBuildArgs(["--plaform", "linux/amd64", "."]);
    expect(parsed.diagnostics.map(formatDiagnostic)).toEqual([
      `error [misspelt-flag] --plaform is not in buildx-kit's flag table; did you mean --platform?\n${HINT}`,
    ]);
    // Before: a warning, extraFlags.plaform, and a second context with the advice "write --plaform=linux/amd64".
    expect(parsed.options).toEqual({ context: "." });
    expect(parsed.diagnostics.map((d) => d.hint).join("\n")).not.toContain("--plaform=");
  });

  it.each([
    ["--platfrom=x", "--platform"], // two letters swapped: distance 2
    ["--tags=a:1", "--tag"],
    ["--buildarg", "--build-arg"],
    ["--no-cach", "--no-cache"],
    ["--cache-form=type=local,src=c", "--cache-from"],
    ["--q", "-q"], // a short flag written with two dashes
    ["--x", "-D, -f, -o, -q or -t"], // equally near: every one named
  ])("%s: did you mean %s?", (word, meant) => {
    const parsed = parseBuildArgs([word, "."]);
    const flag = word.split("=")[0];
    expect(parsed.diagnostics.map((d) => [d.level, d.code, d.option, d.message])).toEqual([
      ["error", "misspelt-flag", null, `${flag} is not in buildx-kit's flag table; did you mean ${meant}?`],
    ]);
    expect(parsed.options.extraFlags).toBeUndefined();
  });

  it("says it once for a typo written several times, and reads each value as the meant flag would", () => {
    const parsed = parseBuildArgs(["--tga", "a:1", "--tga", "b:1", "--sbon", "mode=max", "--pul", "ctx"]);
    expect(parsed.diagnostics.map((d) => d.message)).toEqual([
      "--tga is not in buildx-kit's flag table; did you mean --tag?",
      "--sbon is not in buildx-kit's flag table; did you mean --sbom?",
      "--pul is not in buildx-kit's flag table; did you mean --pull?",
    ]);
    // --sbom reads mode=max as its value; --pull takes none: the context is "ctx", and only it.
    expect(parsed.options).toEqual({ context: "ctx" });
  });

  it("a long flag written with one dash: did you mean it with two?", () => {
    expect(parseBuildArgs(["-platform", "linux/arm64", "."]).diagnostics.map(formatDiagnostic)).toEqual([
      'error [unknown-short-flag] -p (in "-platform") is not a flag of docker buildx build\n  hint: did you mean --platform? long flags take two dashes',
    ]);
    expect(parseBuildArgs(["-plaform=x", "."]).diagnostics.map((d) => d.hint)).toEqual(["did you mean --platform? long flags take two dashes"]);
    expect(parseBuildArgs(["-no-cache", "."]).options).toEqual({ context: "." });
  });

  it("a flag name in capitals or with underscores: did you mean the flag?", () => {
    expect(parseBuildArgs(["--build_arg", "A=1", "."]).diagnostics.map((d) => d.hint)).toEqual([
      "did you mean --build-arg? buildx flags are lowercase words joined by dashes, such as --build-arg",
    ]);
  });

  it("nearFlags() reads the one flag table, long and short forms", () => {
    expect(nearFlags("--plaform")).toEqual(["--platform"]);
    expect(nearFlags("--platform")).toEqual([]); // a flag is not near itself
    expect(nearFlags("--t")).toEqual(["-t"]);
    expect(nearFlags("--newer")).toEqual([]); // distance 3 from --network
    expect(nearFlags("--no-such-flag")).toEqual([]);
  });
});

describe("readBuildArgs(): how each word was read", () => {
  it("flags, values, the context, and what a flag written alone is waiting for", () => {
    const { readings, options } = readBuildArgs(["-qt", "app:1", "--platform", "x", "--push", "--sbom", "--", "-odd"]);
    expect(readings.map((r) => r.role)).toEqual(["flag", "value", "flag", "value", "flag", "flag", "end", "context"]);
    expect(readBuildArgs([".", "-", "-f", "-"]).readings.map((r) => r.role)).toEqual(["context", "context", "flag", "value"]);
    expect(readings[0]!.wantsValue).toEqual({ name: "tag", row: FLAGS.tag, as: "-t" });
    expect(readings[2]!.wantsValue).toEqual({ name: "platform", row: FLAGS.platform, as: "--platform" });
    expect(readings[4]!.wantsValue).toBeUndefined();
    expect(readings[5]!.wantsValue?.name).toBe("sbom");
    expect(options).toEqual({ quiet: true, tag: ["app:1"], platform: ["x"], push: true, sbom: true, context: "-odd" });
    // A flag at the end is still waiting; one given its value inline is not.
    expect(readBuildArgs(["--target"]).readings[0]!.wantsValue?.name).toBe("target");
    expect(readBuildArgs(["--target=a"]).readings[0]!.wantsValue).toBeUndefined();
    // parseBuildArgs() gives the options and the diagnostics only.
    expect(Object.keys(parseBuildArgs(["."]))).toEqual(["options", "diagnostics"]);
  });
});

describe("every message", () => {
  const one = (words: readonly string[]) => {
    const { diagnostics } = parseBuildArgs(words);
    expect(diagnostics).toHaveLength(1);
    return formatDiagnostic(diagnostics[0]!);
  };

  it("missing-value", () => {
    expect(one(["--tag"])).toBe("error [missing-value] tag: --tag needs a value\n  hint: write --tag=VALUE or --tag VALUE");
    expect(one(["-t"])).toBe("error [missing-value] tag: -t needs a value\n  hint: write -t=VALUE or -t VALUE");
    expect(one(["-qf"])).toBe("error [missing-value] file: -f needs a value\n  hint: write -f=VALUE or -f VALUE");
  });

  it("unknown-short-flag", () => {
    expect(one(["-x"])).toBe(
      "error [unknown-short-flag] -x is not a flag of docker buildx build\n" +
        "  hint: one-letter flags: -D (--debug), -f (--file), -o (--output), -q (--quiet), -t (--tag); write long flags with two dashes",
    );
    expect(one(["-qx"])).toMatch(/^error \[unknown-short-flag\] -x \(in "-qx"\) is not a flag/);
    expect(one(["-platform"])).toMatch(/^error \[unknown-short-flag\] -p \(in "-platform"\)/);
  });

  it("invalid-value for a boolean", () => {
    expect(one(["--push=maybe"])).toBe(
      'error [invalid-value] push: --push takes true or false, got "maybe"\n  hint: write --push alone for true, or --push=false',
    );
    expect(one(["-q=yes"])).toBe('error [invalid-value] quiet: -q takes true or false, got "yes"\n  hint: write -q alone for true, or -q=false');
  });

  it("two-contexts", () => {
    expect(one([".", "other"])).toBe(
      'error [two-contexts] context: a second build context "other" (the first is ".")\n' +
        "  hint: a build has one context; quote a value that holds spaces",
    );
    const { diagnostics } = parseBuildArgs(["--newer", "value", "."]);
    expect(diagnostics.map((d) => d.code)).toEqual(["unknown-flag", "two-contexts"]);
    expect(diagnostics[1]!.hint).toBe('--newer is not a flag buildx-kit knows, so it did not take "value" as its value: write --newer=value');
    expect(parseBuildArgs([".", "--newer", "value"]).diagnostics[1]!.hint)
      .toBe('--newer is not a flag buildx-kit knows, so it did not take "value" as its value: write --newer=value');
  });

  it("invalid-flag", () => {
    expect(one(["--Tag=x"])).toBe(
      'error [invalid-flag] "--Tag" is not a flag name\n  hint: did you mean --tag? buildx flags are lowercase words joined by dashes, such as --build-arg',
    );
    expect(one(["--Zebra=x"])).toBe(
      'error [invalid-flag] "--Zebra" is not a flag name\n  hint: buildx flags are lowercase words joined by dashes, such as --build-arg',
    );
  });

  it("repeated-flag, repeated-key and value-looks-like-flag warnings", () => {
    expect(one(["--target=a", "--target=b"])).toBe(
      'warning [repeated-flag] target: --target is given 2 times; the last, "b", wins\n  hint: give --target once',
    );
    expect(codes(["--target=a", "--target=a"])).toEqual([]);
    expect(one(["--label", "a=1", "--label", "a=2"])).toBe(
      'warning [repeated-key] label.a: --label sets a twice; the last, "2", wins over "1"\n  hint: set a once',
    );
    expect(parseBuildArgs(["--label", "a=1", "--label", "a=2"]).options).toEqual({ label: { a: "2" } });
    expect(one(["--tag", "--push"])).toBe(
      'warning [value-looks-like-flag] tag: --tag takes "--push" as its value, as buildx would\n' +
        "  hint: if --tag was meant to have a value, give it one: --tag=VALUE",
    );
  });

  it("an extra flag given both alone and with a value", () => {
    const { diagnostics } = parseBuildArgs(["--newer", "--newer=x"]);
    expect(formatDiagnostic(diagnostics.at(-1)!)).toBe(
      "error [invalid-value] extraFlags.newer: --newer is given both alone and with a value\n" +
        "  hint: give it a value every time (--newer=VALUE), or never",
    );
  });

  it("reports every problem at once", () => {
    expect(codes(["-x", "--push=no", "a", "b", "--tag"])).toEqual([
      "unknown-short-flag",
      "two-contexts",
      "missing-value",
      "invalid-value",
    ]);
  });
});

/**
 * Options in the form parseBuildArgs() gives, each planning with nothing added (context, and
 * push or load, are explicit), so argv -> options must give them back exactly.
 */
const ROUND_TRIP: readonly (readonly [string, BuildOptions])[] = [
  ["a push with tags", { context: ".", push: true, tag: ["localhost:5000/app:1", "localhost:5000/app:latest"] }],
  ["a load with build args and labels", {
    context: "./app",
    load: true,
    buildArg: { VERSION: "1.2", EMPTY: "", EQ: "a=b=c", SPACED: " x y ", QUOTES: `it's "quoted"` },
    label: { "org.opencontainers.image.title": "My app", note: "a, b; c && d | e", dollar: "$(rm -rf /) `id` $HOME", nl: "line1\nline2\tx" },
  }],
  ["unicode and leading dashes", {
    context: ".",
    load: true,
    label: { uni: "héllo wörld 中文 🚀 \u200d", dash: "--push", glob: "* ? [a] ~ {x,y}" },
    target: "-weird",
  }],
  ["a bare build arg", { context: ".", load: true, buildArg: ["HTTP_PROXY", "A=1"] }],
  ["hosts", { context: ".", load: true, addHost: { "db.local": "10.0.0.5", v6: "::1" } }],
  ["every list", {
    context: "ctx dir",
    load: true,
    allow: ["network.host", "security.insecure"],
    annotation: ["index:a=b", "manifest:c=d e"],
    noCacheFilter: ["deps", "build"],
    ssh: ["default", "key=/home/me/.ssh/id_ed25519"],
  }],
  ["CSV attributes, with quoted fields", {
    context: ".",
    output: ['type=local,"dest=out,dir"', "type=tar,dest=-"],
    cacheFrom: ["type=local,src=.cache"],
    cacheTo: ["type=local,dest=.cache,mode=max"],
    attest: ["type=provenance,mode=max"],
    secret: ["id=npmrc,src=.npmrc", "id=t,env=TOKEN"],
  }],
  ["platforms, attestations, strings", {
    context: "https://github.com/docker/buildx.git#v0.13.1",
    push: true,
    tag: ["localhost:5000/multi:1"],
    platform: ["linux/amd64", "linux/arm64", "linux/arm/v7"],
    provenance: "mode=max",
    sbom: false,
    builder: "default",
    cgroupParent: "/buildx",
    file: "docker/Dockerfile.prod",
    iidfile: "image id.txt",
    metadataFile: "meta.json",
    network: "host",
    progress: "plain",
    target: "runtime",
    shmSize: "64m",
  }],
  ["booleans and limits", {
    context: "-",
    load: true,
    noCache: true,
    pull: true,
    quiet: true,
    ulimit: ["nofile=1024:2048", "nproc=10"],
    sbom: true,
    provenance: true,
  }],
  ["call and check", { context: ".", call: "outline", check: true }],
  ["extra flags", { context: ".", load: true, extraFlags: { "new-flag": "x y", bare: true, many: ["a", "b"] } }],
];

describe("round trip: options -> argv -> template text -> the same options", () => {
  it.each(ROUND_TRIP)("%s", (_what, options) => {
    const p = plan(options);
    expect(p.diagnostics.filter((d) => d.level === "error")).toEqual([]);
    expect(p.options).toEqual(options); // plan() added nothing, so argv is all there is

    // argv -> options
    expect(parseBuildArgs(p.args).options).toEqual(options);
    // argv -> the shell-quoted command zx prints -> words -> options
    const text = shellCommand(p.args);
    expect(splitWords(text)).toEqual(p.args);
    expect(parseBuildArgs(splitWords(text)).options).toEqual(options);
    // ... and as the text of a template, and as one interpolation per argument
    const strings = Object.assign([text], { raw: [text] }) as unknown as TemplateStringsArray;
    expect(buildx(strings).options).toEqual(options);
    expect(buildx`${p.args}`.options).toEqual(options);
    expect(buildx`${p.args}`.plan.args).toEqual(p.args);
  });

  /** Options in other shapes than the parser's: the argv is what must survive. */
  const SHAPES: readonly BuildOptions[] = [
    { tag: "app:1", buildArg: { N: 3, B: true }, shmSize: 67108864 },
    { output: { type: "local", dest: "out,dir" }, cacheTo: [{ type: "inline" }], secret: { id: "a", src: '"quoted".txt' } },
    { ulimit: { nofile: { soft: 1024, hard: 2048 }, nproc: [10, 20], core: 0 }, platform: "linux/amd64,linux/arm64", push: true, tag: ["r/x:1"] },
    { addHost: ["db.local:10.0.0.5", "gw=172.17.0.1"], label: ["a=1", "b=2"], attest: { type: "sbom" }, provenance: { mode: "min" } },
    {},
  ];

  it.each(SHAPES)("other shapes keep their argv: %j", (options) => {
    const args = plan(options).args;
    const again = parseBuildArgs(splitWords(shellCommand(args)));
    expect(again.diagnostics.filter((d) => d.level === "error")).toEqual([]);
    expect(plan(again.options).args).toEqual(args);
  });
});
