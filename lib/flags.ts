/**
 * The one table of `docker buildx build` flags. Data only: argument construction, template
 * parsing, recipe validation and schema, bake export and the guide all read this table, and
 * `lib/options.ts` (the `BuildOptions` type) is generated from it by `scripts/gen-options.ts`.
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
 *   alone, or `local` (the grammar: `PLATFORM_PATTERN` in lib/values.ts).
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
  /** Values buildx accepts, when the set is closed. */
  readonly choices?: readonly string[];
  /** Where the value names local files, which resolve against the build's working directory. */
  readonly path?: PathSpec;
}

/**
 * Where a flag's value names local files: the whole value, each entry of a key=value map, or
 * some CSV attributes (only for the listed `type=`s, when given; a bare path counts too).
 */
export type PathSpec = {
  /** The build writes there (an output, an exported cache, a written file) rather than reading. */
  readonly writes?: boolean;
  /** Only with a local context (with a Git context, `--file` names a file inside the repository). */
  readonly localContextOnly?: boolean;
} & (
  | { readonly in: "value" }
  | { readonly in: "entries" }
  | { readonly in: "attributes"; readonly attributes: readonly string[]; readonly types?: readonly string[] }
);

/** The buildx version that every row without a later one dates from (the first buildx with `build`). */
const FIRST = "0.2.0";

/**
 * Every flag of `docker buildx build` up to buildx 0.19, keyed by option name: the camelCase of the
 * long flag. Kept in alphabetical order of the flag.
 */
export const FLAGS: Readonly<Record<string, FlagRow>> = {
  addHost: {
    flag: "--add-host", kind: "hosts", since: FIRST, bake: "extra-hosts", guide: "more",
    question: "Extra host names for RUN steps",
    doc: "Add custom host-to-IP mappings (host:ip).", example: "{ \"db.local\": \"10.0.0.5\" }",
  },
  allow: {
    flag: "--allow", kind: "list", since: "0.3.0", bake: "entitlements", guide: "more",
    question: "Extra privileges for RUN steps",
    doc: "Allow extra privileged entitlements.", example: "network.host",
    choices: ["network.host", "security.insecure", "device"],
  },
  annotation: {
    flag: "--annotation", kind: "list", since: "0.12.0", bake: "annotations", guide: "more",
    question: "Annotations on the image",
    doc: "Add annotations to the image (index:, manifest: prefixes allowed).", example: "org.opencontainers.image.title=app",
  },
  attest: {
    flag: "--attest", kind: "csv", since: "0.10.0", bake: "attest", guide: "more",
    question: "Attestations to attach",
    doc: "Attestation parameters.", example: "type=provenance,mode=max",
  },
  buildArg: {
    flag: "--build-arg", kind: "map", since: FIRST, bake: "args", guide: "basic",
    question: "Build arguments to set",
    doc: "Set build-time variables.", example: "{ \"VERSION\": \"1.2\" }",
  },
  buildContext: {
    flag: "--build-context", kind: "map", since: "0.8.0", bake: "contexts", guide: "more",
    question: "Extra folders or images to build from",
    doc: "Additional build contexts (name=path, image or URL).", example: "{ \"assets\": \"./assets\" }",
    path: { in: "entries" },
  },
  builder: {
    flag: "--builder", kind: "string", since: FIRST, bake: null, guide: "never",
    doc: "Override the configured builder instance.", example: "default",
  },
  cacheFrom: {
    flag: "--cache-from", kind: "csv", since: FIRST, bake: "cache-from", guide: "more",
    question: "Import build cache from",
    doc: "External cache sources.", example: "type=local,src=.cache",
    path: { in: "attributes", attributes: ["src", "dest"], types: ["local"] },
  },
  cacheTo: {
    flag: "--cache-to", kind: "csv", since: FIRST, bake: "cache-to", guide: "more",
    question: "Export build cache to",
    doc: "Cache export destinations.", example: "type=local,dest=.cache,mode=max",
    path: { in: "attributes", attributes: ["src", "dest"], types: ["local"], writes: true },
  },
  call: {
    flag: "--call", kind: "string", since: "0.15.0", bake: "call", guide: "never",
    doc: "Set the method for evaluating the build (build, check, outline, targets).", example: "check",
    choices: ["build", "check", "outline", "targets"],
  },
  cgroupParent: {
    flag: "--cgroup-parent", kind: "string", since: "0.7.0", bake: null, guide: "never",
    doc: "Set the parent cgroup for RUN instructions during build.", example: "/buildx",
  },
  check: {
    flag: "--check", kind: "bool", since: "0.15.0", bake: null, guide: "never",
    doc: "Shorthand for --call=check: run the Dockerfile checks instead of building.",
  },
  file: {
    flag: "--file", short: "-f", kind: "string", since: FIRST, bake: "dockerfile", guide: "basic",
    question: "Which Dockerfile?",
    doc: "Name of the Dockerfile (default: PATH/Dockerfile).", example: "Dockerfile",
    path: { in: "value", localContextOnly: true },
  },
  iidfile: {
    flag: "--iidfile", kind: "string", since: FIRST, bake: null, guide: "never",
    doc: "Write the image ID to a file.", example: "image.id",
    path: { in: "value", writes: true },
  },
  label: {
    flag: "--label", kind: "map", since: FIRST, bake: "labels", guide: "more",
    question: "Labels on the image",
    doc: "Set metadata for an image.", example: "{ \"org.opencontainers.image.source\": \"https://example.com/app\" }",
  },
  load: {
    flag: "--load", kind: "bool", since: FIRST, bake: null, guide: "basic",
    question: "Load into the image store?",
    doc: "Load the single-platform build result into the image store (shorthand for --output=type=docker).",
  },
  metadataFile: {
    flag: "--metadata-file", kind: "string", since: "0.6.0", bake: null, guide: "never",
    doc: "Write build result metadata to a file.", example: "metadata.json",
    path: { in: "value", writes: true },
  },
  network: {
    flag: "--network", kind: "string", since: FIRST, bake: "network", guide: "more",
    question: "Network for RUN steps",
    doc: "Set the networking mode for RUN instructions during build.", example: "host",
    choices: ["default", "none", "host"],
  },
  noCache: {
    flag: "--no-cache", kind: "bool", since: FIRST, bake: "no-cache", guide: "more",
    question: "Build everything again, without cache?",
    doc: "Do not use cache when building the image.",
  },
  noCacheFilter: {
    flag: "--no-cache-filter", kind: "list", since: "0.8.0", bake: "no-cache-filter", guide: "more",
    question: "Stages to rebuild without cache",
    doc: "Do not cache the named stages.", example: "deps",
  },
  output: {
    flag: "--output", short: "-o", kind: "csv", since: FIRST, bake: "output", guide: "basic",
    question: "Where to write the result",
    doc: "Output destination (format: type=local,dest=path).", example: "type=local,dest=out",
    path: { in: "attributes", attributes: ["dest"], types: ["local", "tar", "oci", "docker"], writes: true },
  },
  platform: {
    flag: "--platform", kind: "platforms", since: FIRST, bake: "platforms", guide: "basic",
    question: "Platforms to build for",
    doc: "Set target platforms for the build.", example: "linux/amd64,linux/arm64",
  },
  progress: {
    flag: "--progress", kind: "string", since: FIRST, bake: null, guide: "never",
    doc: "Set the type of progress output.", example: "plain",
    choices: ["auto", "plain", "tty", "quiet", "rawjson"],
  },
  provenance: {
    flag: "--provenance", kind: "csvOrBool", since: "0.10.0", bake: null, guide: "more",
    question: "Attach provenance (how it was built)?",
    doc: "Shorthand for --attest=type=provenance.", example: "mode=max",
  },
  pull: {
    flag: "--pull", kind: "bool", since: FIRST, bake: "pull", guide: "more",
    question: "Always pull newer base images?",
    doc: "Always attempt to pull all referenced images.",
  },
  push: {
    flag: "--push", kind: "bool", since: FIRST, bake: null, guide: "basic",
    question: "Push to a registry?",
    doc: "Push the build result to a registry (shorthand for --output=type=registry).",
  },
  quiet: {
    flag: "--quiet", short: "-q", kind: "bool", since: FIRST, bake: null, guide: "never",
    doc: "Suppress the build output and print the image ID on success.",
  },
  sbom: {
    flag: "--sbom", kind: "csvOrBool", since: "0.10.0", bake: null, guide: "more",
    question: "Attach an SBOM (what is inside)?",
    doc: "Shorthand for --attest=type=sbom.", example: "true",
  },
  secret: {
    flag: "--secret", kind: "csv", since: FIRST, bake: "secret", guide: "more",
    question: "Secrets for RUN steps",
    doc: "Secret to expose to the build (id=mysecret,src=/local/secret or id=mysecret,env=VAR).",
    example: "id=npmrc,src=.npmrc",
    path: { in: "attributes", attributes: ["src", "source"] },
  },
  shmSize: {
    flag: "--shm-size", kind: "bytes", since: "0.7.0", bake: "shm-size", guide: "more",
    question: "Shared memory for RUN steps",
    doc: "Shared memory size for build containers.", example: "64m",
  },
  ssh: {
    flag: "--ssh", kind: "list", since: FIRST, bake: "ssh", guide: "never",
    doc: "SSH agent socket or keys to expose to the build (default|<id>[=<socket>|<key>[,<key>]]).", example: "default",
  },
  tag: {
    flag: "--tag", short: "-t", kind: "list", since: FIRST, bake: "tags", guide: "basic",
    question: "Image name and tag",
    doc: "Image identifier (format: [registry/]repository[:tag]).", example: "app:1.0",
  },
  target: {
    flag: "--target", kind: "string", since: FIRST, bake: "target", guide: "basic",
    question: "Which stage to build?",
    doc: "Set the target build stage to build.", example: "runtime",
  },
  ulimit: {
    flag: "--ulimit", kind: "ulimit", since: "0.7.0", bake: "ulimits", guide: "more",
    question: "Resource limits for RUN steps",
    doc: "Ulimit options for RUN instructions.", example: "{ \"nofile\": { \"soft\": 1024, \"hard\": 2048 } }",
  },
};

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
export const FEATURES: Readonly<Record<"secretEnv" | "multipleExporters", { since: string; doc: string }>> = {
  secretEnv: { since: "0.6.0", doc: "a secret read from an environment variable (env=)" },
  multipleExporters: { since: "0.13.0", doc: "two exporters at once (push and load, or several outputs)" },
};

/** The oldest buildx that buildx-kit supports at all (`health()` reports older ones). */
export const MIN_BUILDX = "0.8.0";
