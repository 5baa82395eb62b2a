/**
 * The one table of `docker buildx build` flags. Data only: argument construction, template
 * parsing, recipe validation and schema, bake export and the guide all read this table, and
 * `lib/core/options.ts` (the `BuildOptions` type) is generated from it by `scripts/gen-options.ts`.
 *
 * A new buildx flag is one new row here, then `npm run gen`.
 */

/**
 * How a flag's value is written in options and on the command line.
 *
 * - `bool`: `true` emits `--flag`, `false` or absent emits nothing.
 * - `string`: one value, emitted as `--flag=value`.
 * - `list`: a string or an array of strings; `--flag=value` once per element.
 * - `platforms`: a string or an array; elements may hold commas; emitted as one `--flag=a,b`. Each
 *   platform as buildx reads it: `os/arch[/variant]`, `os(version)/arch`, an OS or an architecture
 *   alone, or `local` (the grammar: `PLATFORM_PATTERN` in lib/core/values.ts).
 * - `map`: a record or `k=v` strings; `--flag=k=v` once per entry.
 * - `hosts`: like `map`, but emitted as `host:ip` (the form every buildx accepts).
 * - `csv`: CSV attributes (`type=local,dest=out`) as a string, a record, or an array of either.
 * - `csvOrBool`: like `csv`, or a boolean emitted as `--flag=true|false`. `false` turns the feature
 *   off; on a buildx older than the flag there is nothing to turn off, and it is left out.
 * - `ulimit`: `{ nofile: { soft, hard } }`, `{ nofile: [soft, hard] }`, `{ nofile: n }` or `"nofile=1024:2048"`.
 * - `bytes`: a number of bytes or a size with a unit (`"64m"`).
 */
export type FlagKind =
  | "bool"
  | "string"
  | "list"
  | "platforms"
  | "map"
  | "hosts"
  | "csv"
  | "csvOrBool"
  | "ulimit"
  | "bytes";

/** Where the guide asks a flag: among the first questions, behind "more options?", or never. */
export type GuideGroup = "basic" | "more" | "never";

/** One row of the flag table. */
export interface FlagRow {
  /** The long flag, with its dashes. */
  readonly flag: `--${string}`;
  /** The one-letter form, if buildx has one. */
  readonly short?: `-${string}`;
  readonly kind: FlagKind;
  /** The first buildx version with this flag (semver). */
  readonly since: string;
  /** The key of a `docker buildx bake` target that holds the same setting, or null when bake has none. */
  readonly bake: string | null;
  /** What the flag does, in one sentence (help text, JSDoc, JSON Schema description). */
  readonly doc: string;
  /** An example value, as it would be written in options (shown in help and the guide). */
  readonly example?: string;
  readonly guide: GuideGroup;
  /**
   * The guide's question for this flag, in the words of someone building an image (one short
   * line, at most 40 columns: the flag is shown beside it). Every row the guide asks has one.
   */
  readonly question?: string;
  /**
   * Values buildx knows. Closed unless `open`: then other values pass to buildx with a warning,
   * but one within two edits of a choice is refused as a typo ("did you mean ...?").
   */
  readonly choices?: readonly string[];
  /** Values outside `choices` are allowed (a frontend's own `--call` method, a newer entitlement). */
  readonly open?: boolean;
  /**
   * Version floors of single choices, like `since` for the flag: `progress: "none"` needs buildx
   * 0.29. A choice written `name=value` (`device=nvidia.com/gpu`) counts as its name.
   */
  readonly choiceGates?: Readonly<Record<string, Gate>>;
  /** For `map` and `ulimit` flags whose keys buildx checks: the keys (ulimit names) it accepts (others are refused). */
  readonly keys?: readonly string[];
  /** The attributes of a CSV value (per `type=`, or common), known well enough to catch typos. */
  readonly attributes?: AttributeSpec;
  /** The oldest BuildKit (on the nodes that build) that does what the flag asks. */
  readonly buildkit?: string;
  /** The first buildx whose bake reads `bake` (when later than `since`). */
  readonly bakeSince?: string;
  /** Where the value names local files, which resolve against the build's working directory. */
  readonly path?: PathSpec;
  /**
   * For a `map` flag: an entry may be a key alone (`--build-arg KEY`), which buildx fills from its
   * environment. A bake file cannot say that (it has no environment to read when written).
   */
  readonly bareKeys?: boolean;
  /**
   * The value is never repeated in a message (it may be, or hold, the secret itself): only the
   * names of the row's `attributes` and of common mistakes are shown.
   */
  readonly sensitive?: boolean;
  /**
   * How bake holds a flag it has no key of its own for (`bake: null`): as an entry of another
   * option's bake key (`push`: an `output` entry `type=registry`; `sbom`: an `attest` entry
   * `type=sbom`). The entry is that option's value, as its flag would take it.
   */
  readonly bakeAs?: BakeEntry;
}

/** An entry of another option's bake key that holds a flag bake has no key for (`FlagRow.bakeAs`). */
export interface BakeEntry {
  /** The option whose bake key holds it: `output`, `attest`. */
  readonly option: string;
  /** The entry, as that option's value: `type=registry`, `type=provenance`. */
  readonly entry: string;
}

/**
 * A version floor: the buildx that has it (`since`) and the BuildKit, on the nodes that build,
 * that does it (`buildkit`). Either may be absent.
 */
export interface Gate {
  readonly since?: string;
  readonly buildkit?: string;
}

/** What one attribute accepts, and from which version. */
export interface AttributeRule extends Gate {
  /** The values buildx (or BuildKit) reads; others within two edits are typos, others still are refused. */
  readonly values?: readonly string[];
  /** A boolean, as Go's strconv.ParseBool reads it (1, t, true, 0, f, false, any case of true/false). */
  readonly bool?: boolean;
  /** A floor that applies only when the attribute is true (`strict=true` of a policy). */
  readonly whenTrue?: Gate;
}

/** The attributes of one `type=` of a CSV flag (an exporter, a cache backend). */
export interface TypeSpec extends Gate {
  readonly attributes: Readonly<Record<string, AttributeRule>>;
  /**
   * What an exporter of this type does with the image, for `--output`: `files` writes files
   * (nothing is pushed or loaded), `load` puts it in the image store, `push` sends it to a
   * registry, `push-attribute` sends it only when its `push` attribute is true (`type=image`).
   */
  readonly exports?: "files" | "load" | "push" | "push-attribute";
}

/**
 * The attributes of a CSV value. With `types`, the value's `type=` picks them (`defaultType` when
 * none is written); `common` apply to every value (or, for a `string` flag with `choices`, the
 * fields after the choice: `--call=outline,format=json`). Attribute names starting with one of
 * `prefixes` pass as they are (`annotation-index.KEY`).
 */
export interface AttributeSpec {
  readonly types?: Readonly<Record<string, TypeSpec>>;
  readonly defaultType?: string;
  readonly common?: Readonly<Record<string, AttributeRule>>;
  readonly prefixes?: readonly string[];
}

/**
 * Where a flag's value names local files: the whole value, each entry of a key=value map, or
 * some CSV attributes (only for the listed `type=`s, when given; a bare path counts too).
 */
export type PathSpec =
  & {
    /** The build writes there (an output, an exported cache, a written file) rather than reading. */
    readonly writes?: boolean;
    /** Only with a local context (with a Git context, `--file` names a file inside the repository). */
    readonly localContextOnly?: boolean;
  }
  & (
    | { readonly in: "value" }
    | { readonly in: "entries" }
    | {
      readonly in: "attributes";
      readonly attributes: readonly string[];
      readonly types?: readonly string[];
      /** Not for these `type=`s: `--secret type=env,src=VAR` names a variable, not a file. */
      readonly notTypes?: readonly string[];
    }
  );

/** The buildx version that every row without a later one dates from (the first buildx with `build`). */
const FIRST = "0.2.0";

// ---------------------------------------------------------------------------------------------
// Attributes of exporters and cache backends: what buildx and BuildKit read (buildx
// docs/reference/buildx_build.md at v0.36.1, "--output" and "--cache-from"; the image exporter's
// keys in BuildKit's exporter/containerimage/exptypes/keys.go, as vendored by buildx v0.36.1;
// the cache backends' attributes in BuildKit's README). Known to catch typos, which BuildKit
// would otherwise take silently (an image exporter keeps unknown attributes as metadata).

const BOOL: AttributeRule = { bool: true };
const ANY: AttributeRule = {};
const COMPRESSION: Readonly<Record<string, AttributeRule>> = {
  compression: { values: ["uncompressed", "gzip", "estargz", "zstd"] },
  "compression-level": ANY,
  "force-compression": BOOL,
};
/** What the image exporter (and so `registry`, `docker` and `oci`) reads. */
const IMAGE_ATTRIBUTES: Readonly<Record<string, AttributeRule>> = {
  name: ANY,
  push: BOOL,
  "push-by-digest": BOOL,
  "registry.insecure": BOOL,
  insecure: BOOL,
  unpack: BOOL,
  store: BOOL,
  "dangling-name-prefix": ANY,
  "name-canonical": BOOL,
  "oci-mediatypes": BOOL,
  "oci-artifact": BOOL,
  "rewrite-timestamp": BOOL,
  "source-date-epoch": ANY,
  "attestation-inline": BOOL,
  "prefer-nondist-layers": BOOL,
  buildinfo: BOOL,
  "buildinfo-attrs": BOOL,
  ...COMPRESSION,
};
const TARBALL_ATTRIBUTES: Readonly<Record<string, AttributeRule>> = {
  ...IMAGE_ATTRIBUTES,
  dest: ANY,
  tar: BOOL,
  "platform-split": BOOL,
};
/** `--output` types and their attributes. */
const OUTPUT_ATTRIBUTES: AttributeSpec = {
  types: {
    // mode=copy|delete: buildx 0.35 (delete needs --allow=buildx.local.delete for most folders).
    local: { exports: "files", attributes: { dest: ANY, "platform-split": BOOL, mode: { since: "0.35.0", values: ["copy", "delete"] } } },
    tar: { exports: "files", attributes: { dest: ANY, "platform-split": BOOL } },
    oci: { attributes: TARBALL_ATTRIBUTES },
    docker: { exports: "load", attributes: { ...TARBALL_ATTRIBUTES, context: ANY } },
    image: { exports: "push-attribute", attributes: IMAGE_ATTRIBUTES },
    registry: { exports: "push", attributes: IMAGE_ATTRIBUTES },
    cacheonly: { attributes: {} },
  },
  prefixes: ["annotation"],
};
const CACHE_MODE: AttributeRule = { values: ["min", "max"] };
const CACHE_COMMON: Readonly<Record<string, AttributeRule>> = { mode: CACHE_MODE, "ignore-error": BOOL };
const CACHE_LAYOUT: Readonly<Record<string, AttributeRule>> = { "oci-mediatypes": BOOL, "image-manifest": BOOL, ...COMPRESSION };
const BUCKET_LAYOUT: Readonly<Record<string, AttributeRule>> = {
  name: ANY,
  prefix: ANY,
  blobs_prefix: ANY,
  manifests_prefix: ANY,
  upload_parallelism: ANY,
  touch_refresh: ANY,
};
/** `--cache-from` and `--cache-to` backends and their attributes; a value without `type=` is a registry ref. */
const CACHE_ATTRIBUTES: AttributeSpec = {
  defaultType: "registry",
  types: {
    registry: { attributes: { ref: ANY, ...CACHE_COMMON, ...CACHE_LAYOUT, "registry.insecure": BOOL } },
    local: { attributes: { src: ANY, dest: ANY, digest: ANY, tag: ANY, ...CACHE_COMMON, ...CACHE_LAYOUT } },
    inline: { attributes: {} },
    // buildx fills token and url from ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL / ACTIONS_RESULTS_URL,
    // and drops a gha cache without both (build/opt.go, isActive, v0.36.1).
    gha: { attributes: { scope: ANY, url: ANY, url_v2: ANY, token: ANY, version: ANY, timeout: ANY, repository: ANY, ghtoken: ANY, ...CACHE_COMMON } },
    s3: {
      attributes: {
        region: ANY,
        bucket: ANY,
        endpoint_url: ANY,
        use_path_style: BOOL,
        access_key_id: ANY,
        secret_access_key: ANY,
        session_token: ANY,
        ...BUCKET_LAYOUT,
        ...CACHE_COMMON,
      },
    },
    azblob: { attributes: { account_url: ANY, secret_access_key: ANY, ...BUCKET_LAYOUT, ...CACHE_COMMON } },
  },
};

/**
 * Every flag of `docker buildx build` up to buildx 0.36 (the newest tag of docker/buildx this
 * table was checked against: commands/build.go, commands/root.go, docs/reference/buildx_build.md
 * and bake/bake.go at each tag named in a row's comment), keyed by option name: the camelCase of
 * the long flag. Kept in alphabetical order of the flag.
 */
const TABLE = {
  addHost: {
    // bake's extra-hosts: bake/bake.go at v0.25.0.
    flag: "--add-host",
    kind: "hosts",
    since: FIRST,
    bake: "extra-hosts",
    bakeSince: "0.25.0",
    guide: "more",
    question: "Extra host names for RUN steps",
    doc: "Add custom host-to-IP mappings (host:ip).",
    example: '{ "db.local": "10.0.0.5" }',
  },
  allow: {
    // Open: device (device=KIND/NAME) since v0.21.0 (bake/entitlements.go), buildx.local.delete since
    // v0.35.0 (docs/reference/buildx_build.md); bake's entitlements since v0.17.0.
    flag: "--allow",
    kind: "list",
    since: "0.3.0",
    bake: "entitlements",
    bakeSince: "0.17.0",
    guide: "more",
    question: "Extra privileges for RUN steps",
    doc: "Allow extra privileged entitlements.",
    example: "network.host",
    choices: ["network.host", "security.insecure", "device", "buildx.local.delete"],
    open: true,
    choiceGates: { device: { since: "0.21.0" }, "buildx.local.delete": { since: "0.35.0" } },
  },
  annotation: {
    flag: "--annotation",
    kind: "list",
    since: "0.12.0",
    bake: "annotations",
    guide: "more",
    question: "Annotations on the image",
    doc: "Add annotations to the image (index:, manifest: prefixes allowed).",
    example: "org.opencontainers.image.title=app",
  },
  attest: {
    // BuildKit's exporter.image.attestations capability: BuildKit v0.11 (vendored by buildx v0.10.0).
    flag: "--attest",
    kind: "csv",
    since: "0.10.0",
    buildkit: "0.11.0",
    bake: "attest",
    guide: "more",
    question: "Attestations to attach",
    doc: "Attestation parameters.",
    example: "type=provenance,mode=max",
  },
  buildArg: {
    flag: "--build-arg",
    kind: "map",
    since: FIRST,
    bake: "args",
    guide: "basic",
    bareKeys: true,
    question: "Build arguments to set",
    doc: "Set build-time variables.",
    example: '{ "VERSION": "1.2" }',
  },
  buildContext: {
    flag: "--build-context",
    kind: "map",
    since: "0.8.0",
    bake: "contexts",
    guide: "more",
    question: "Extra folders or images to build from",
    doc: "Additional build contexts (name=path, image or URL).",
    example: '{ "assets": "./assets" }',
    path: { in: "entries" },
  },
  builder: {
    // A flag of buildx's root command since v0.4.0 (commands/root.go), so of build too.
    // The guide asks it only where two builders or more can build (lib/guide/steps.ts, asksBuilder).
    flag: "--builder",
    kind: "string",
    since: "0.4.0",
    bake: null,
    guide: "basic",
    question: "Which builder to build on?",
    doc: "Override the configured builder instance.",
    example: "default",
  },
  cacheFrom: {
    flag: "--cache-from",
    kind: "csv",
    since: FIRST,
    bake: "cache-from",
    guide: "more",
    question: "Import build cache from",
    doc: "External cache sources.",
    example: "type=local,src=.cache",
    attributes: CACHE_ATTRIBUTES,
    path: { in: "attributes", attributes: ["src", "dest"], types: ["local"] },
  },
  cacheTo: {
    flag: "--cache-to",
    kind: "csv",
    since: FIRST,
    bake: "cache-to",
    guide: "more",
    question: "Export build cache to",
    doc: "Cache export destinations.",
    example: "type=local,dest=.cache,mode=max",
    attributes: CACHE_ATTRIBUTES,
    path: { in: "attributes", attributes: ["src", "dest"], types: ["local"], writes: true },
  },
  call: {
    // Any frontend method, then format= and ignorestatus= (util/buildflags/callfunc.go, v0.36.1);
    // check is buildx's alias of lint. bake's call: bake/bake.go at v0.16.0.
    flag: "--call",
    kind: "string",
    since: "0.15.0",
    bake: "call",
    bakeSince: "0.16.0",
    guide: "never",
    doc: "Set the method for evaluating the build (build, check, outline, targets, or the frontend's own), then format=json or ignorestatus=true.",
    example: "outline,format=json",
    choices: ["build", "check", "lint", "outline", "targets", "subrequests.describe"],
    open: true,
    attributes: { common: { format: { values: ["json"] }, ignorestatus: BOOL } },
  },
  cgroupParent: {
    flag: "--cgroup-parent",
    kind: "string",
    since: "0.7.0",
    bake: null,
    guide: "never",
    doc: "Set the parent cgroup for RUN instructions during build.",
    example: "/buildx",
  },
  check: {
    flag: "--check",
    kind: "bool",
    since: "0.15.0",
    bake: null,
    guide: "never",
    doc: "Shorthand for --call=check: run the Dockerfile checks instead of building.",
  },
  debug: {
    // buildx's root flag -D/--debug, listed for build since v0.17.0 (docs/reference/buildx_build.md).
    // buildx-kit's own CLI keeps --debug for its stack traces: there, write -D (see lib/cli/main.ts).
    flag: "--debug",
    short: "-D",
    kind: "bool",
    since: "0.17.0",
    bake: null,
    guide: "never",
    doc: "Enable buildx's debug logging (in buildx-kit's CLI write -D: --debug is its own stack traces).",
  },
  file: {
    flag: "--file",
    short: "-f",
    kind: "string",
    since: FIRST,
    bake: "dockerfile",
    guide: "basic",
    // Or an http(s) URL (docs/reference/buildx_build.md, "Remote URL", v0.32.0 on), never a path.
    question: "Which Dockerfile?",
    doc: "Name of the Dockerfile (default: PATH/Dockerfile).",
    example: "Dockerfile",
    path: { in: "value", localContextOnly: true },
  },
  iidfile: {
    flag: "--iidfile",
    kind: "string",
    since: FIRST,
    bake: null,
    guide: "never",
    doc: "Write the image ID to a file.",
    example: "image.id",
    path: { in: "value", writes: true },
  },
  label: {
    flag: "--label",
    kind: "map",
    since: FIRST,
    bake: "labels",
    guide: "more",
    question: "Labels on the image",
    doc: "Set metadata for an image.",
    example: '{ "org.opencontainers.image.source": "https://example.com/app" }',
  },
  load: {
    flag: "--load",
    kind: "bool",
    since: FIRST,
    bake: null,
    bakeAs: { option: "output", entry: "type=docker" },
    guide: "basic",
    question: "Load into the image store?",
    doc: "Load the single-platform build result into the image store (shorthand for --output=type=docker).",
  },
  metadataFile: {
    flag: "--metadata-file",
    kind: "string",
    since: "0.6.0",
    bake: null,
    guide: "never",
    doc: "Write build result metadata to a file.",
    example: "metadata.json",
    path: { in: "value", writes: true },
  },
  network: {
    // bake's network: bake/bake.go at v0.17.0.
    flag: "--network",
    kind: "string",
    since: FIRST,
    bake: "network",
    bakeSince: "0.17.0",
    guide: "more",
    question: "Network for RUN steps",
    doc: "Set the networking mode for RUN instructions during build.",
    example: "host",
    choices: ["default", "none", "host"],
  },
  noCache: {
    flag: "--no-cache",
    kind: "bool",
    since: FIRST,
    bake: "no-cache",
    guide: "more",
    question: "Build everything again, without cache?",
    doc: "Do not use cache when building the image.",
  },
  noCacheFilter: {
    flag: "--no-cache-filter",
    kind: "list",
    since: "0.8.0",
    bake: "no-cache-filter",
    guide: "more",
    question: "Stages to rebuild without cache",
    doc: "Do not cache the named stages.",
    example: "deps",
  },
  output: {
    flag: "--output",
    short: "-o",
    kind: "csv",
    since: FIRST,
    bake: "output",
    guide: "basic",
    question: "Where to write the result",
    doc: "Output destination (format: type=local,dest=path).",
    example: "type=local,dest=out",
    attributes: OUTPUT_ATTRIBUTES,
    path: { in: "attributes", attributes: ["dest"], types: ["local", "tar", "oci", "docker"], writes: true },
  },
  platform: {
    flag: "--platform",
    kind: "platforms",
    since: FIRST,
    bake: "platforms",
    guide: "basic",
    question: "Platforms to build for",
    doc: "Set target platforms for the build.",
    example: "linux/amd64,linux/arm64",
  },
  policy: {
    // buildx v0.31.0 (commands/build.go; util/buildflags/policy.go reads these attributes). BuildKit
    // v0.26 evaluates policies (tests/policy_build.go); strict=true needs BuildKit v0.27 (build/opt.go).
    flag: "--policy",
    kind: "csv",
    since: "0.31.0",
    buildkit: "0.26.0",
    bake: "policy",
    bakeSince: "0.31.0",
    guide: "never",
    doc: "Policy configuration (filename=path[,filename=path][,reset=true|false][,disabled=true|false][,strict=true|false][,log-level=level]).",
    example: "filename=policy.rego",
    attributes: {
      common: {
        filename: ANY,
        reset: BOOL,
        disabled: BOOL,
        strict: { bool: true, whenTrue: { buildkit: "0.27.0" } },
        "log-level": { values: ["trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"] },
      },
    },
    path: { in: "attributes", attributes: ["filename"] },
  },
  progress: {
    // quiet: v0.7.0 (commands/build.go); rawjson: v0.13.0; none: v0.29.0.
    flag: "--progress",
    kind: "string",
    since: FIRST,
    bake: null,
    guide: "never",
    doc: "Set the type of progress output.",
    example: "plain",
    choices: ["auto", "plain", "tty", "quiet", "rawjson", "none"],
    choiceGates: { quiet: { since: "0.7.0" }, rawjson: { since: "0.13.0" }, none: { since: "0.29.0" } },
  },
  provenance: {
    flag: "--provenance",
    kind: "csvOrBool",
    since: "0.10.0",
    buildkit: "0.11.0",
    bake: null,
    bakeAs: { option: "attest", entry: "type=provenance" },
    guide: "more",
    question: "Attach provenance (how it was built)?",
    doc: "Shorthand for --attest=type=provenance.",
    example: "mode=max",
  },
  pull: {
    flag: "--pull",
    kind: "bool",
    since: FIRST,
    bake: "pull",
    guide: "more",
    question: "Always pull newer base images?",
    doc: "Always attempt to pull all referenced images.",
  },
  push: {
    flag: "--push",
    kind: "bool",
    since: FIRST,
    bake: null,
    bakeAs: { option: "output", entry: "type=registry" },
    guide: "basic",
    // Since v0.31.0 buildx documents it as --output=type=registry,unpack=false (the image is not
    // unpacked into the image store on the way).
    question: "Push to a registry?",
    doc: "Push the build result to a registry (shorthand for --output=type=registry).",
  },
  quiet: {
    // Hidden until v0.7.0 (commands/build.go at v0.6.3 and v0.7.0).
    flag: "--quiet",
    short: "-q",
    kind: "bool",
    since: "0.7.0",
    bake: null,
    guide: "never",
    doc: "Suppress the build output and print the image ID on success.",
  },
  resource: {
    // buildx v0.35.0 (commands/build.go; the keys: build/utils.go); bake's resources (a map) v0.35.0.
    flag: "--resource",
    kind: "map",
    since: "0.35.0",
    bake: "resources",
    bakeSince: "0.35.0",
    guide: "never",
    doc: "Resource limits for build containers (memory=2g, cpu-quota=50000).",
    example: '{ "memory": "2g" }',
    keys: ["memory", "memory-swap", "cpu-shares", "cpu-period", "cpu-quota", "cpuset-cpus", "cpuset-mems"],
  },
  sbom: {
    flag: "--sbom",
    kind: "csvOrBool",
    since: "0.10.0",
    buildkit: "0.11.0",
    bake: null,
    bakeAs: { option: "attest", entry: "type=sbom" },
    guide: "more",
    question: "Attach an SBOM (what is inside)?",
    doc: "Shorthand for --attest=type=sbom.",
    example: "true",
  },
  secret: {
    flag: "--secret",
    kind: "csv",
    since: FIRST,
    bake: "secret",
    guide: "more",
    question: "Secrets for RUN steps",
    doc: "Secret to expose to the build (id=mysecret,src=/local/secret or id=mysecret,env=VAR).",
    example: "id=npmrc,src=.npmrc",
    sensitive: true,
    // Where the secret comes from, never the secret (buildx reads the names in any case:
    // util/buildflags/secrets.go). Checked by lib/core/values.ts without repeating anything given.
    attributes: { common: { id: ANY, type: { values: ["file", "env"] }, src: ANY, source: ANY, env: ANY } },
    // With type=env, src names an environment variable, not a file.
    path: { in: "attributes", attributes: ["src", "source"], notTypes: ["env"] },
  },
  shmSize: {
    // bake's shm-size and ulimits: bake/bake.go at v0.13.0.
    flag: "--shm-size",
    kind: "bytes",
    since: "0.7.0",
    bake: "shm-size",
    bakeSince: "0.13.0",
    guide: "more",
    question: "Shared memory for RUN steps",
    doc: "Shared memory size for build containers.",
    example: "64m",
  },
  ssh: {
    flag: "--ssh",
    kind: "list",
    since: FIRST,
    bake: "ssh",
    guide: "never",
    doc: "SSH agent socket or keys to expose to the build (default|<id>[=<socket>|<key>[,<key>]]).",
    example: "default",
  },
  tag: {
    flag: "--tag",
    short: "-t",
    kind: "list",
    since: FIRST,
    bake: "tags",
    guide: "basic",
    question: "Image name and tag",
    doc: "Image identifier (format: [registry/]repository[:tag]).",
    example: "app:1.0",
  },
  target: {
    flag: "--target",
    kind: "string",
    since: FIRST,
    bake: "target",
    guide: "basic",
    question: "Which stage to build?",
    doc: "Set the target build stage to build.",
    example: "runtime",
  },
  ulimit: {
    // The names: docker's go-units ulimitNameMapping, as vendored by buildx ("invalid ulimit type" for others).
    flag: "--ulimit",
    kind: "ulimit",
    since: "0.7.0",
    bake: "ulimits",
    bakeSince: "0.13.0",
    guide: "more",
    keys: ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"],
    question: "Resource limits for RUN steps",
    doc: "Ulimit options for RUN instructions.",
    example: '{ "nofile": { "soft": 1024, "hard": 2048 } }',
  },
} as const satisfies Readonly<Record<string, FlagRow>>;

/** The name of an option of the table: the camelCase of its long flag (`buildArg`). */
export type OptionName = keyof typeof TABLE;

/**
 * Every flag of `docker buildx build` up to buildx 0.36, keyed by option name (see the table
 * above): each row a `FlagRow` that keeps its own facts in its type (`FLAGS.file.bake` is
 * `"dockerfile"`), so no lookup of a known option needs a `!`.
 */
export const FLAGS: { readonly [K in OptionName]: FlagRow & (typeof TABLE)[K] } = TABLE;

/** Every option name of the table, in table order. */
export const OPTION_NAMES: readonly OptionName[] = Object.keys(TABLE) as OptionName[];

/** Every row of the table with its option name, in table order. */
export const FLAG_ROWS: readonly (readonly [OptionName, FlagRow])[] = Object.entries(FLAGS) as [OptionName, FlagRow][];

/** Whether a name is an option of the table (own keys only: `toString` is not). */
export function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(FLAGS, name);
}

/** The row of an option named by any text, or undefined when the table has none. */
export function flagRow(name: string): FlagRow | undefined {
  return isOptionName(name) ? FLAGS[name] : undefined;
}

/** The positional argument: the build context (a path, a URL, or `-` for a tarball on stdin). */
export const CONTEXT: { readonly doc: string; readonly bake: string; readonly question: string } = {
  doc: "Build context: a directory, a Git or HTTP URL, or - to read a tarball from stdin.",
  question: "Folder to build",
  bake: "context",
};

/**
 * Features that are not a flag of their own but need a newer buildx than the flag that carries
 * them.
 */
export const FEATURES: Readonly<Record<"secretEnv" | "multipleExporters" | "attestations", Gate & { since: string; doc: string }>> = {
  secretEnv: { since: "0.6.0", doc: "a secret read from an environment variable (env=)" },
  // buildx v0.13.0, and BuildKit's CapMultipleExporters: "please upgrade to version v0.13+" (build/opt.go).
  multipleExporters: { since: "0.13.0", buildkit: "0.13.0", doc: "two exporters at once (push and load, or several outputs)" },
  // BuildKit's exporter.image.attestations capability (build/opt.go): BuildKit v0.11.
  attestations: { since: TABLE.attest.since, buildkit: TABLE.attest.buildkit, doc: "attestations (attest, provenance, sbom)" },
};

/** buildx's exit codes (cmd/buildx/main.go, v0.25.0 on) and what each means. */
export const BUILDX_EXIT_CODES: Readonly<Record<number, string>> = {
  1: "the build failed",
  100: "BuildKit reported an internal error",
  102: "the builder ran out of a resource (memory, disk, ...)",
  130: "the build was cancelled",
};

/** The oldest buildx that buildx-kit supports at all (`health()` reports older ones). */
export const MIN_BUILDX = "0.8.0";
