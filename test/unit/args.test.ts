/**
 * Argument construction: every option of the flag table and every value shape -> the exact argv
 * of `constructBuildArgs()`, then every message a bad value gets, then the CSV helpers.
 */
import { describe, expect, it } from "vitest";
import { formatCsv, parseAttributes, parseCsv } from "../../lib/core/csv.ts";
import { ValidationError } from "../../lib/core/errors.ts";
import { flagRow, FLAGS } from "../../lib/core/flags.ts";
import type { BuildOptions } from "../../lib/core/options.ts";
import { constructBuildArgs, plan } from "../../lib/core/plan.ts";

/** [what, options, the exact arguments after `build`]. */
type Case = readonly [string, BuildOptions, readonly string[]];

// With no push and no output, buildx-kit loads by default: "--load" shows up in those cases.
const CASES: readonly Case[] = [
  // context: last, "." by default
  ["no options", {}, ["--load", "."]],
  ["a context directory", { context: "./app" }, ["--load", "./app"]],
  ["a Git context", { context: "https://github.com/docker/buildx.git#v0.13.1" }, ["--load", "https://github.com/docker/buildx.git#v0.13.1"]],
  ["a tarball on stdin", { context: "-" }, ["--load", "-"]],

  // hosts: a record -> host:ip; strings pass through
  ["addHost record", { addHost: { "db.local": "10.0.0.5", "cache.local": "10.0.0.6" } }, [
    "--add-host=db.local:10.0.0.5",
    "--add-host=cache.local:10.0.0.6",
    "--load",
    ".",
  ]],
  // A lone k=v string is accepted at run time, though KeyValues does not type it.
  ["addHost string", { addHost: "db.local:10.0.0.5" } as unknown as BuildOptions, ["--add-host=db.local:10.0.0.5", "--load", "."]],
  ["addHost list", { addHost: ["db.local:10.0.0.5", "gw=172.17.0.1"] }, ["--add-host=db.local:10.0.0.5", "--add-host=gw=172.17.0.1", "--load", "."]],
  ["addHost IPv6", { addHost: { "v6.local": "::1" } }, ["--add-host=v6.local:::1", "--load", "."]],

  // list: repeated flag
  ["allow string", { allow: "network.host" }, ["--allow=network.host", "--load", "."]],
  ["allow list", { allow: ["network.host", "security.insecure"] }, ["--allow=network.host", "--allow=security.insecure", "--load", "."]],
  ["allow a device by name, and buildx.local.delete", { allow: ["device=nvidia.com/gpu=all", "buildx.local.delete"] }, [
    "--allow=device=nvidia.com/gpu=all",
    "--allow=buildx.local.delete",
    "--load",
    ".",
  ]],
  ["annotation", { annotation: ["index:org.opencontainers.image.title=app", "manifest:a=b"] }, [
    "--annotation=index:org.opencontainers.image.title=app",
    "--annotation=manifest:a=b",
    "--load",
    ".",
  ]],

  // csv: string, record, list of either
  ["attest string", { attest: "type=provenance,mode=max" }, ["--attest=type=provenance,mode=max", "--load", "."]],
  ["attest record", { attest: { type: "sbom", generator: "local/syft:1" } }, ["--attest=type=sbom,generator=local/syft:1", "--load", "."]],
  ["attest list of both", { attest: ["type=sbom", { type: "provenance", mode: "max" }] }, [
    "--attest=type=sbom",
    "--attest=type=provenance,mode=max",
    "--load",
    ".",
  ]],

  // map: record or k=v strings -> repeated k=v
  ["buildArg record", { buildArg: { VERSION: "1.2", JOBS: 4, DEBUG: false } }, [
    "--build-arg=VERSION=1.2",
    "--build-arg=JOBS=4",
    "--build-arg=DEBUG=false",
    "--load",
    ".",
  ]],
  ["buildArg list, with a bare key from the environment", { buildArg: ["HTTP_PROXY", "A=b=c"] }, [
    "--build-arg=HTTP_PROXY",
    "--build-arg=A=b=c",
    "--load",
    ".",
  ]],
  ["buildArg string", { buildArg: "VERSION=1.2" } as unknown as BuildOptions, ["--build-arg=VERSION=1.2", "--load", "."]],
  ["buildArg empty value", { buildArg: { EMPTY: "" } }, ["--build-arg=EMPTY=", "--load", "."]],
  ["buildContext record", { buildContext: { assets: "./assets", base: "docker-image://local/busybox:1" } }, [
    "--build-context=assets=./assets",
    "--build-context=base=docker-image://local/busybox:1",
    "--load",
    ".",
  ]],
  ["buildContext list", { buildContext: ["assets=./assets"] }, ["--build-context=assets=./assets", "--load", "."]],
  ["label record", { label: { "org.opencontainers.image.source": "https://example.com/app", note: "a=b, c" } }, [
    "--label=org.opencontainers.image.source=https://example.com/app",
    "--label=note=a=b, c",
    "--load",
    ".",
  ]],
  ["label list", { label: ["a=1", "b=2"] }, ["--label=a=1", "--label=b=2", "--load", "."]],

  // string
  ["builder", { builder: "mybuilder" }, ["--builder=mybuilder", "--load", "."]],
  ["call (no default load)", { call: "check" }, ["--call=check", "."]],
  ["call with attributes", { call: "outline,format=json" }, ["--call=outline,format=json", "."]],
  ["call lint, ignoring its status", { call: "lint,ignorestatus=true" }, ["--call=lint,ignorestatus=true", "."]],
  ["cgroupParent", { cgroupParent: "/buildx" }, ["--cgroup-parent=/buildx", "--load", "."]],
  ["file", { file: "docker/Dockerfile.prod" }, ["--file=docker/Dockerfile.prod", "--load", "."]],
  ["iidfile", { iidfile: "image.id" }, ["--iidfile=image.id", "--load", "."]],
  ["metadataFile", { metadataFile: "metadata.json" }, ["--load", "--metadata-file=metadata.json", "."]],
  ["network", { network: "host" }, ["--load", "--network=host", "."]],
  ["progress", { progress: "rawjson" }, ["--load", "--progress=rawjson", "."]],
  ["progress none", { progress: "none" }, ["--load", "--progress=none", "."]],
  ["target", { target: "runtime" }, ["--load", "--target=runtime", "."]],
  ["a string that looks like a flag stays one argument", { target: "--push" }, ["--load", "--target=--push", "."]],

  ["cacheFrom string", { cacheFrom: "type=local,src=.cache" }, ["--cache-from=type=local,src=.cache", "--load", "."]],
  ["cacheFrom record", { cacheFrom: { type: "registry", ref: "localhost:5000/app:cache" } }, [
    "--cache-from=type=registry,ref=localhost:5000/app:cache",
    "--load",
    ".",
  ]],
  ["cacheFrom list", { cacheFrom: ["type=gha", { type: "local", src: ".cache" }] }, [
    "--cache-from=type=gha",
    "--cache-from=type=local,src=.cache",
    "--load",
    ".",
  ]],
  ["cacheTo record", { cacheTo: { type: "local", dest: ".cache", mode: "max" } }, ["--cache-to=type=local,dest=.cache,mode=max", "--load", "."]],
  ["cacheTo string", { cacheTo: "type=inline" }, ["--cache-to=type=inline", "--load", "."]],

  // bool: true -> bare flag, false -> nothing
  ["check true (no default load)", { check: true }, ["--check", "."]],
  ["check false", { check: false }, ["--load", "."]],
  ["load true", { load: true }, ["--load", "."]],
  ["load false", { load: false }, ["."]],
  ["noCache true", { noCache: true }, ["--load", "--no-cache", "."]],
  ["noCache false", { noCache: false }, ["--load", "."]],
  ["pull", { pull: true }, ["--load", "--pull", "."]],
  ["push", { push: true, tag: "localhost:5000/app:1" }, ["--push", "--tag=localhost:5000/app:1", "."]],
  ["quiet", { quiet: true }, ["--load", "--quiet", "."]],
  ["debug", { debug: true }, ["--debug", "--load", "."]],
  ["debug false", { debug: false }, ["--load", "."]],

  ["noCacheFilter", { noCacheFilter: ["deps", "build"] }, ["--load", "--no-cache-filter=deps", "--no-cache-filter=build", "."]],

  // output
  ["output string", { output: "type=local,dest=out" }, ["--output=type=local,dest=out", "."]],
  ["output record", { output: { type: "local", dest: "out" } }, ["--output=type=local,dest=out", "."]],
  ["output list of both", { output: ["type=local,dest=out", { type: "tar", dest: "out.tar" }] }, [
    "--output=type=local,dest=out",
    "--output=type=tar,dest=out.tar",
    ".",
  ]],
  ["output bare path", { output: "out" }, ["--output=out", "."]],
  ["output to stdout", { output: "-" }, ["--output=-", "."]],
  ["output record, numbers and booleans", { output: { type: "image", name: "localhost:5000/app:1", push: true, "compression-level": 3 } }, [
    "--output=type=image,name=localhost:5000/app:1,push=true,compression-level=3",
    ".",
  ]],
  // Go's encoding/csv: a field holding a comma or a quote is quoted whole, quotes doubled.
  ["output record, a value with a comma", { output: { type: "local", dest: "a,b" } }, ['--output=type=local,"dest=a,b"', "."]],
  ["output record, a value with a quote", { output: { type: "tar", dest: 'my "x".tar' } }, ['--output=type=tar,"dest=my ""x"".tar"', "."]],
  ["output record, a value with a newline", { output: { type: "local", dest: "a\nb" } }, ['--output=type=local,"dest=a\nb"', "."]],
  ["output record, a value starting with a space", { output: { type: "local", dest: " x" } }, ["--output=type=local,dest= x", "."]],
  ["output string, already quoted", { output: 'type=local,"dest=a,b"' }, ['--output=type=local,"dest=a,b"', "."]],
  [
    "cacheTo list of records with commas",
    { cacheTo: [{ type: "registry", ref: "localhost:5000/c", "oci-mediatypes": true }, { type: "local", dest: "x,y" }] },
    ["--cache-to=type=registry,ref=localhost:5000/c,oci-mediatypes=true", '--cache-to=type=local,"dest=x,y"', "--load", "."],
  ],

  // platforms: one flag, commas joined
  ["platform one", { platform: "linux/amd64" }, ["--load", "--platform=linux/amd64", "."]],
  ["platform two in a string", { platform: "linux/amd64,linux/arm64" }, ["--load", "--platform=linux/amd64,linux/arm64", "."]],
  ["platform two in a list", { platform: ["linux/amd64", "linux/arm64/v8"] }, ["--load", "--platform=linux/amd64,linux/arm64/v8", "."]],
  ["platform with spaces", { platform: "linux/amd64, linux/arm/v7" }, ["--load", "--platform=linux/amd64,linux/arm/v7", "."]],
  ["platform local", { platform: "local" }, ["--load", "--platform=local", "."]],
  // What buildx reads besides os/arch[/variant] (platformutil.Parse, containerd's platforms.Parse).
  ["platform local in capitals", { platform: "LOCAL" }, ["--load", "--platform=LOCAL", "."]],
  ["platform an OS alone", { platform: "linux" }, ["--load", "--platform=linux", "."]],
  ["platform an arch alone", { platform: ["arm64", "x86_64", "AArch64"] }, ["--load", "--platform=arm64,x86_64,AArch64", "."]],
  ["platform with an OS version", { platform: "windows(10.0.17763)/amd64" }, ["--load", "--platform=windows(10.0.17763)/amd64", "."]],
  ["platform variant with a dot", { platform: "linux/arm64/v8.2" }, ["--load", "--platform=linux/arm64/v8.2", "."]],

  // csvOrBool
  ["provenance true", { provenance: true }, ["--load", "--provenance=true", "."]],
  ["provenance false", { provenance: false }, ["--load", "--provenance=false", "."]],
  ["provenance string", { provenance: "mode=max" }, ["--load", "--provenance=mode=max", "."]],
  ["provenance record", { provenance: { mode: "max", "builder-id": "https://ci.example.com/run/1" } }, [
    "--load",
    "--provenance=mode=max,builder-id=https://ci.example.com/run/1",
    ".",
  ]],
  ["sbom true", { sbom: true }, ["--load", "--sbom=true", "."]],
  ["sbom string", { sbom: "generator=local/syft:1" }, ["--load", "--sbom=generator=local/syft:1", "."]],
  ["sbom record", { sbom: { generator: "local/syft:1" } }, ["--load", "--sbom=generator=local/syft:1", "."]],
  // An array of one (what a parser of repeated flags may give) is still one value.
  ["sbom list of one", { sbom: ["generator=a"] } as unknown as BuildOptions, ["--load", "--sbom=generator=a", "."]],

  ["secret string", { secret: "id=npmrc,src=.npmrc" }, ["--load", "--secret=id=npmrc,src=.npmrc", "."]],

  // policy: repeatable CSV
  ["policy string", { policy: "filename=policy.rego" }, ["--load", "--policy=filename=policy.rego", "."]],
  ["policy list", { policy: ["filename=a.rego,strict=true", { reset: true, "log-level": "debug" }] }, [
    "--load",
    "--policy=filename=a.rego,strict=true",
    "--policy=reset=true,log-level=debug",
    ".",
  ]],
  // resource: a map of the keys buildx reads
  ["resource record", { resource: { memory: "2g", "cpu-quota": 50000 } }, ["--load", "--resource=memory=2g", "--resource=cpu-quota=50000", "."]],
  ["resource list", { resource: ["cpuset-cpus=0-3"] }, ["--load", "--resource=cpuset-cpus=0-3", "."]],
  // outputs and caches beyond the basics
  ["output local mode=delete", { output: "type=local,dest=out,mode=delete" }, ["--output=type=local,dest=out,mode=delete", "."]],
  ["output image with annotations", { output: { type: "image", name: "a:1", "annotation-index.org.x": "y", "oci-mediatypes": true } }, [
    "--output=type=image,name=a:1,annotation-index.org.x=y,oci-mediatypes=true",
    ".",
  ]],
  ["cacheFrom a bare ref", { cacheFrom: "localhost:5000/app:cache" }, ["--cache-from=localhost:5000/app:cache", "--load", "."]],
  ["cacheTo s3", { cacheTo: "type=s3,region=eu-west-1,bucket=b,name=app,mode=max" }, [
    "--cache-to=type=s3,region=eu-west-1,bucket=b,name=app,mode=max",
    "--load",
    ".",
  ]],
  ["secret record", { secret: { id: "token", env: "TOKEN" } }, ["--load", "--secret=id=token,env=TOKEN", "."]],
  ["secret list", { secret: ["id=a,src=a.txt", { id: "b", src: "dir,with,commas/b.txt" }] }, [
    "--load",
    "--secret=id=a,src=a.txt",
    '--secret=id=b,"src=dir,with,commas/b.txt"',
    ".",
  ]],

  // bytes
  ["shmSize bytes", { shmSize: 67108864 }, ["--load", "--shm-size=67108864", "."]],
  ["shmSize with a unit", { shmSize: "64m" }, ["--load", "--shm-size=64m", "."]],
  ["shmSize with a long unit", { shmSize: "1GiB" }, ["--load", "--shm-size=1GiB", "."]],
  ["shmSize zero", { shmSize: 0 }, ["--load", "--shm-size=0", "."]],

  ["ssh", { ssh: ["default", "deploy=/home/me/.ssh/id_ed25519"] }, ["--load", "--ssh=default", "--ssh=deploy=/home/me/.ssh/id_ed25519", "."]],
  ["tag string", { tag: "app:1" }, ["--load", "--tag=app:1", "."]],
  ["tag list", { tag: ["app:1", "localhost:5000/app:1"] }, ["--load", "--tag=app:1", "--tag=localhost:5000/app:1", "."]],

  // ulimit
  ["ulimit { soft, hard }", { ulimit: { nofile: { soft: 1024, hard: 2048 } } }, ["--load", "--ulimit=nofile=1024:2048", "."]],
  ["ulimit [soft, hard]", { ulimit: { nofile: [1024, 2048] } }, ["--load", "--ulimit=nofile=1024:2048", "."]],
  ["ulimit one number", { ulimit: { nofile: 1024 } }, ["--load", "--ulimit=nofile=1024", "."]],
  ["ulimit equal soft and hard", { ulimit: { nproc: { soft: 512, hard: 512 } } }, ["--load", "--ulimit=nproc=512", "."]],
  ["ulimit unlimited", { ulimit: { memlock: -1, core: [0, -1] } }, ["--load", "--ulimit=memlock=-1", "--ulimit=core=0:-1", "."]],
  ["ulimit string", { ulimit: "nofile=1024:2048" }, ["--load", "--ulimit=nofile=1024:2048", "."]],
  ["ulimit list of strings", { ulimit: ["nofile=1024:2048", "nproc=64"] }, ["--load", "--ulimit=nofile=1024:2048", "--ulimit=nproc=64", "."]],

  // extraFlags: the escape hatch, after the table's flags and before the context
  ["extraFlags camelCase", { extraFlags: { someNewFlag: "x" } }, ["--load", "--some-new-flag=x", "."]],
  ["extraFlags kebab-case", { extraFlags: { "some-new-flag": "x", "--dashed": "y" } }, ["--load", "--some-new-flag=x", "--dashed=y", "."]],
  ["extraFlags snake_case", { extraFlags: { some_new_flag: "x" } }, ["--load", "--some-new-flag=x", "."]],
  ["extraFlags true, false, array", { extraFlags: { bare: true, off: false, repeated: ["a", "b"] } }, [
    "--load",
    "--bare",
    "--repeated=a",
    "--repeated=b",
    ".",
  ]],

  // several options: table order, whatever the order of the keys
  ["table order", { context: "ctx", tag: "app:1", target: "t", file: "F", buildArg: { A: "1" }, extraFlags: { zz: "1" }, addHost: { h: "1.2.3.4" } }, [
    "--add-host=h:1.2.3.4",
    "--build-arg=A=1",
    "--file=F",
    "--load",
    "--tag=app:1",
    "--target=t",
    "--zz=1",
    "ctx",
  ]],
  ["undefined values are left out", { tag: undefined, target: undefined, push: undefined }, ["--load", "."]],
];

describe("constructBuildArgs: options -> argv", () => {
  it.each(CASES)("%s", (_, options, expected) => {
    expect(constructBuildArgs(options)).toEqual(expected);
  });

  it("covers every option of the flag table", () => {
    const covered = new Set(CASES.flatMap(([, options]) => Object.keys(options)));
    const missing = Object.keys(FLAGS).filter((name) => !covered.has(name));
    expect(missing).toEqual([]);
  });

  it("covers every value kind of the flag table with more than one shape where it has them", () => {
    const casesPerKind = new Map<string, number>();
    for (const [, options] of CASES) {
      for (const name of Object.keys(options)) {
        const kind = flagRow(name)?.kind;
        if (kind) casesPerKind.set(kind, (casesPerKind.get(kind) ?? 0) + 1);
      }
    }
    for (const kind of new Set(Object.values(FLAGS).map((r) => r.kind))) {
      expect(casesPerKind.get(kind), kind).toBeGreaterThanOrEqual(2);
    }
  });

  it("uses each flag exactly as the table names it", () => {
    for (const [, options, expected] of CASES) {
      for (const name of Object.keys(options)) {
        const row = flagRow(name);
        const value = options[name as keyof BuildOptions];
        if (!row || value === false || value === undefined) continue;
        if (row.kind === "bool") {
          expect(expected).toContain(row.flag);
        } else {
          expect(expected.some((a) => a.startsWith(`${row.flag}=`)), `${name} in ${JSON.stringify(expected)}`).toBe(true);
        }
      }
    }
  });

  it("puts the whole command in plan().argv", () => {
    expect(plan({ tag: "app:1" }).argv).toEqual(["docker", "buildx", "build", "--load", "--tag=app:1", "."]);
  });
});

describe("extraFlags", () => {
  it("warns for each flag it passes unchecked", () => {
    const { diagnostics } = plan({ extraFlags: { someNewFlag: "x", "--dashed": true, repeated: ["a", "b"], off: false } });
    expect(diagnostics.filter((d) => d.code === "unvalidated-flag")).toEqual([
      {
        level: "warning",
        code: "unvalidated-flag",
        option: "extraFlags.someNewFlag",
        message: "--some-new-flag is not in buildx-kit's flag table; passed to buildx unchecked",
      },
      {
        level: "warning",
        code: "unvalidated-flag",
        option: "extraFlags.--dashed",
        message: "--dashed is not in buildx-kit's flag table; passed to buildx unchecked",
      },
      {
        level: "warning",
        code: "unvalidated-flag",
        option: "extraFlags.repeated",
        message: "--repeated is not in buildx-kit's flag table; passed to buildx unchecked",
      },
    ]);
  });

  it("does not warn when there are none", () => {
    expect(plan({ extraFlags: {} }).diagnostics.some((d) => d.code === "unvalidated-flag")).toBe(false);
  });
});

/** The end of the message for a value that is not a platform. */
const NOT_A_PLATFORM = "is not a platform: expected os/arch[/variant] (linux/arm/v7), an OS or an architecture alone (linux, arm64), " +
  "an OS version in parentheses (windows(10.0.17763)/amd64) or local";

/** [options, the option path, the message of its invalid-value error]. */
type Bad = readonly [unknown, string, string];

const BAD_VALUES: readonly Bad[] = [
  // bool
  [{ push: "true" }, "push", 'expects true or false, got the string "true"'],
  [{ noCache: 1 }, "noCache", "expects true or false, got the number 1"],
  // string
  [{ target: 1 }, "target", "expects a string, got the number 1"],
  [{ target: "" }, "target", "must not be empty"],
  [{ progress: "fancy" }, "progress", 'must be one of auto, plain, tty, quiet, rawjson, none; got "fancy"'],
  [{ progress: "nnoe" }, "progress", 'must be one of auto, plain, tty, quiet, rawjson, none; got "nnoe" (did you mean none?)'],
  [{ network: "bridge" }, "network", 'must be one of default, none, host; got "bridge"'],
  // call: any frontend method, but a near miss of a known one is a typo
  [
    { call: "outlien" },
    "call",
    'must be one of build, check, lint, outline, targets, subrequests.describe (or another buildx knows); got "outlien" (did you mean outline?)',
  ],
  [{ call: "outline,format=jsn" }, "call", 'format= must be one of json; got "jsn" (did you mean json?)'],
  [{ call: "outline,ignorestatus=maybe" }, "call", 'ignorestatus= expects true or false, got "maybe"'],
  [{ call: "outline,fromat=json" }, "call", '"fromat" is not an attribute of --call (did you mean format?); it reads format, ignorestatus'],
  [{ call: "outline,targets" }, "call", "names 2 methods (outline, targets); give one, then key=value attributes"],
  // policy: its own attributes only, as buildx reads them
  [{ policy: "filename=p.rego,strict=yes" }, "policy", 'strict= expects true or false, got "yes"'],
  [{ policy: "file=p.rego" }, "policy", '"file" is not an attribute of --policy; it reads filename, reset, disabled, strict, log-level'],
  [
    { policy: { filename: "p.rego", "log-level": "verbose" } },
    "policy",
    'log-level= must be one of trace, debug, info, warn, warning, error, fatal, panic; got "verbose"',
  ],
  // outputs and caches: typos in types and attributes
  [
    { output: "type=lcoal,dest=out" },
    "output",
    "type=lcoal is not a --output type (did you mean local?); buildx-kit knows local, tar, oci, docker, image, registry, cacheonly",
  ],
  [{ output: "type=local,dset=out" }, "output", '"dset" is not an attribute of --output type=local (did you mean dest?); it reads dest, platform-split, mode'],
  [{ output: "type=local,dest=out,mode=move" }, "output", 'mode= must be one of copy, delete; got "move"'],
  [{ output: { type: "image", name: "a:1", push: "yes" } }, "output", 'push= expects true or false, got "yes"'],
  [
    { output: ["type=registry,name=a:1,compresion=zstd"] },
    "output[0]",
    '"compresion" is not an attribute of --output type=registry (did you mean compression?); it reads name, push, push-by-digest, registry.insecure, insecure, unpack, store, dangling-name-prefix, name-canonical, oci-mediatypes, oci-artifact, rewrite-timestamp, source-date-epoch, attestation-inline, prefer-nondist-layers, buildinfo, buildinfo-attrs, compression, compression-level, force-compression',
  ],
  [{ cacheTo: "type=registry,ref=r/c,mode=mx" }, "cacheTo", 'mode= must be one of min, max; got "mx" (did you mean max?)'],
  [
    { cacheFrom: "type=gah,scope=x" },
    "cacheFrom",
    "type=gah is not a --cache-from type (did you mean gha?); buildx-kit knows registry, local, inline, gha, s3, azblob",
  ],
  // resource: the keys buildx reads
  [
    { resource: { memroy: "2g" } },
    "resource.memroy",
    '"memroy" is not a key of --resource (did you mean memory?); buildx reads memory, memory-swap, cpu-shares, cpu-period, cpu-quota, cpuset-cpus, cpuset-mems',
  ],
  // list
  [{ tag: ["app:1", 2] }, "tag[1]", "expects a string, got the number 2"],
  [{ tag: [""] }, "tag[0]", "must not be empty"],
  [{ tag: ["app:1", undefined] }, "tag[1]", "expects a string, got undefined"],
  [{ allow: true }, "allow", "expects a string, got the boolean true"],
  [
    { allow: ["device=nvidia.com/gpu", "network.hots"] },
    "allow[1]",
    'must be one of network.host, security.insecure, device, buildx.local.delete (or another buildx knows); got "network.hots" (did you mean network.host?)',
  ],
  // platforms
  [{ platform: 5 }, "platform", "expects a platform such as linux/amd64, got the number 5"],
  [{ platform: "lnux" }, "platform", `"lnux" ${NOT_A_PLATFORM}`],
  [{ platform: ["linux/amd64", "linux/arm64,"] }, "platform[1]", `"" ${NOT_A_PLATFORM}`],
  // As containerd's platforms.Parse: an arch alone takes no OS version, at most three parts, no wildcards.
  [{ platform: "arm64(1)" }, "platform", `"arm64(1)" ${NOT_A_PLATFORM}`],
  [{ platform: "linux/arm/v7/x" }, "platform", `"linux/arm/v7/x" ${NOT_A_PLATFORM}`],
  [{ platform: "linux/*" }, "platform", `"linux/*" ${NOT_A_PLATFORM}`],
  [{ platform: "linux/amd64 ,linux/arm64;" }, "platform", `"linux/arm64;" ${NOT_A_PLATFORM}`],
  // map
  [{ buildArg: "=x" }, "buildArg", 'expects key=value, got the string "=x"'],
  [{ label: "bare" }, "label", 'expects key=value, got the string "bare"'],
  [{ buildContext: [""] }, "buildContext[0]", 'expects key=value, got the string ""'],
  [{ buildArg: 5 }, "buildArg", "expects a record of key: value, or key=value strings; got the number 5"],
  [{ label: { "a=b": "c" } }, "label.a=b", "a key must be non-empty and hold no '='"],
  [{ label: { "": "c" } }, "label.", "a key must be non-empty and hold no '='"],
  [{ buildArg: { A: { x: 1 } } }, "buildArg.A", "expects a string, number or boolean, got an object"],
  [{ buildArg: { A: null } }, "buildArg.A", "expects a string, number or boolean, got null"],
  // hosts
  [{ addHost: "nohost" }, "addHost", 'expects host:ip, got the string "nohost"'],
  [{ addHost: [7] }, "addHost[0]", "expects host:ip, got the number 7"],
  [{ addHost: { "db:x": ["1.2.3.4"] } }, "addHost.db:x", "expects a string, number or boolean, got an array"],
  // csv
  [{ cacheTo: "" }, "cacheTo", "must not be empty"],
  [{ cacheTo: "  " }, "cacheTo", "must not be empty"],
  [{ output: 'type=local,dest="x' }, "output", 'bare quote in a field at column 12 of "type=local,dest=\\"x"'],
  // A secret's text is never repeated: it may be the secret itself.
  [
    { secret: ['"id=a"x'] },
    "secret[0]",
    "unexpected character after a closing quote at column 7 (the text is not shown: it may hold the secret); write id=NAME,src=FILE or id=NAME,env=VARIABLE, quoting a field that holds a comma",
  ],
  [{ attest: '"type=sbom' }, "attest", 'unterminated quote in "\\"type=sbom"'],
  [{ output: 5 }, "output", "expects attributes as a string (type=local,dest=out) or a record, got the number 5"],
  [{ cacheFrom: [["type=gha"]] }, "cacheFrom[0]", "expects attributes as a string (type=local,dest=out) or a record, got an array"],
  [{ output: {} }, "output", "has no attributes"],
  [{ output: { type: "local", dest: null } }, "output.dest", "expects a string, number or boolean, got null"],
  // csvOrBool
  [{ sbom: 1 }, "sbom", "expects attributes as a string (type=local,dest=out) or a record, got the number 1"],
  [{ provenance: "" }, "provenance", "must not be empty"],
  // ulimit
  [{ ulimit: "nofile" }, "ulimit", 'expects name=soft[:hard] (e.g. nofile=1024:2048), got the string "nofile"'],
  [{ ulimit: ["nofile=1:2", 3] }, "ulimit[1]", "expects name=soft[:hard] (e.g. nofile=1024:2048), got the number 3"],
  [{ ulimit: 5 }, "ulimit", 'expects { nofile: { soft, hard } }, [soft, hard] per name, or "nofile=1024:2048"; got the number 5'],
  [{ ulimit: { NOFILE: 1 } }, "ulimit.NOFILE", '"NOFILE" is not a ulimit name (nofile, nproc, memlock, ...)'],
  [{ ulimit: { nofile: "1024" } }, "ulimit.nofile", 'expects a number, [soft, hard] or { soft, hard }; got the string "1024"'],
  [{ ulimit: { nofile: [1, 2, 3] } }, "ulimit.nofile", "expects a number, [soft, hard] or { soft, hard }; got an array"],
  [{ ulimit: { nofile: { soft: 1.5, hard: 2 } } }, "ulimit.nofile.soft", "expects a whole number (-1 for unlimited), got the number 1.5"],
  [{ ulimit: { nofile: { soft: 1 } } }, "ulimit.nofile.hard", "expects a whole number (-1 for unlimited), got undefined"],
  [{ ulimit: { nofile: [1, -2] } }, "ulimit.nofile[1]", "expects a whole number (-1 for unlimited), got the number -2"],
  [{ ulimit: { nofile: [4096, 1024] } }, "ulimit.nofile", "soft limit 4096 is above the hard limit 1024"],
  [{ ulimit: { nofile: [-1, 1024] } }, "ulimit.nofile", "soft limit -1 is above the hard limit 1024"],
  // bytes
  [{ shmSize: "lots" }, "shmSize", 'expects a size in bytes or with a unit (64m, 1g), got the string "lots"'],
  [{ shmSize: -1 }, "shmSize", "expects a size in bytes or with a unit (64m, 1g), got the number -1"],
  [{ shmSize: 1.5 }, "shmSize", "expects a size in bytes or with a unit (64m, 1g), got the number 1.5"],
  // extraFlags
  [{ extraFlags: { "Foo Bar": true } }, "extraFlags.Foo Bar", '"Foo Bar" is not a flag name'],
  [{ extraFlags: { x: 1 } }, "extraFlags.x", "expects a string, a boolean or an array of strings, got the number 1"],
  [{ extraFlags: { x: ["a", false] } }, "extraFlags.x[1]", "expects a string, a boolean or an array of strings, got the boolean false"],
  [{ extraFlags: "--foo" }, "extraFlags", 'expects a record of flag: value, got the string "--foo"'],
  [{ extraFlags: ["--foo"] }, "extraFlags", "expects a record of flag: value, got an array"],
  // context
  [{ context: "" }, "context", 'expects a path or URL, got the string ""'],
  [{ context: 1 }, "context", "expects a path or URL, got the number 1"],
  [{ context: "--push" }, "context", '"--push" looks like a flag; write ./--push for a folder of that name'],
  // how values are described
  [{ push: "x".repeat(50) }, "push", `expects true or false, got the string "${"x".repeat(40)}..."`],
  [{ target: Promise.resolve("t") }, "target", "expects a string, got a promise (did you forget await?)"],
  [{ output: Promise.resolve("t") }, "output", "expects attributes as a string (type=local,dest=out) or a record, got a promise (did you forget await?)"],
  [{ target: () => "t" }, "target", "expects a string, got a function"],
  [{ target: ["t"] }, "target", "expects a string, got an array"],
  [{ target: { name: "t" } }, "target", "expects a string, got an object"],
  [{ target: false }, "target", "expects a string, got the boolean false"],
];

describe("bad values: an invalid-value error naming the path", () => {
  it.each(BAD_VALUES)("%j -> %s", (options, option, message) => {
    const p = plan(options as BuildOptions);
    expect(p.ok).toBe(false);
    expect(p.diagnostics.filter((d) => d.level === "error")).toEqual([{ level: "error", code: "invalid-value", option, message }]);
    // Nothing of a bad value reaches the command line, and never the text "undefined".
    expect(p.argv.join(" ")).not.toMatch(/undefined|\[object|NaN/);
  });

  it.each(BAD_VALUES)("constructBuildArgs throws for %j", (options, option, message) => {
    let thrown: unknown;
    try {
      constructBuildArgs(options as BuildOptions);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).message).toContain(`error [invalid-value] ${option}: ${message}`);
  });

  it("keeps the good values of an option out of the argv when one item is bad", () => {
    expect(plan({ tag: ["app:1", 2] } as unknown as BuildOptions).args).not.toContain("--tag=app:1");
  });
});

describe("csv", () => {
  const ROUND_TRIPS: readonly (readonly [readonly string[], string])[] = [
    [["type=local", "dest=out"], "type=local,dest=out"],
    [["type=local", "dest=a,b"], 'type=local,"dest=a,b"'],
    [['dest=say "hi"'], '"dest=say ""hi"""'],
    [["a\nb", "c\r\nd"], '"a\nb","c\r\nd"'],
    [[" leading", "trailing "], '" leading",trailing '],
    [["", "x", ""], ",x,"],
    [["k="], "k="],
    [['"', ","], '"""",","'],
    [["üñí=çødé"], "üñí=çødé"],
  ];

  it.each(ROUND_TRIPS)("formatCsv(%j) -> %j", (fields, text) => {
    expect(formatCsv(fields)).toBe(text);
  });

  it.each(ROUND_TRIPS)("parseCsv(formatCsv(%j)) round-trips", (fields, text) => {
    expect(parseCsv(text)).toEqual(fields);
    expect(parseCsv(formatCsv(fields))).toEqual(fields);
  });

  it.each([
    ['a"b', 'bare quote in a field at column 1 of "a\\"b"'],
    ['x,a"b', 'bare quote in a field at column 3 of "x,a\\"b"'],
    ['"a"x', 'unexpected character after a closing quote at column 4 of "\\"a\\"x"'],
    ['"a" ,b', 'unexpected character after a closing quote at column 4 of "\\"a\\" ,b"'],
    ['"abc', 'unterminated quote in "\\"abc"'],
    ['a,"b""', 'unterminated quote in "a,\\"b\\"\\""'],
  ])("parseCsv(%j) throws %j", (text, message) => {
    expect(() => parseCsv(text)).toThrow(SyntaxError);
    expect(() => parseCsv(text)).toThrow(message);
  });

  it.each([
    ["type=local,dest=out", { type: "local", dest: "out" }],
    ["Type=Local,DEST=Out", { type: "Local", dest: "Out" }],
    ['type=local,"dest=a,b=c"', { type: "local", dest: "a,b=c" }],
    [" type = registry,push", { type: " registry", push: "" }],
    ["", { "": "" }],
  ])("parseAttributes(%j)", (text, attrs) => {
    expect(parseAttributes(text)).toEqual(attrs);
  });
});
