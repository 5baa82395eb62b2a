/**
 * `buildx-kit builder ls|inspect|create|use|stop|rm` and `buildx-kit merge`: thin. The work is
 * in lib/build/builders.ts (one `docker buildx` process per call); this reads flags and prints.
 */
import type { BuilderDetails, BuilderNodeDetails, CreateBuilderOptions } from "../build/builders.ts";
import type { CliIO } from "./io.ts";
import { EXIT, UsageError } from "./io.ts";

interface FlagSpec {
  /** Flags without a value. */
  readonly bools?: readonly string[];
  /** Flags with one value (the last one given counts). */
  readonly values?: readonly string[];
  /** Flags that may repeat, each with a value. */
  readonly lists?: readonly string[];
  /** Short names: `-t` for `--tag`. */
  readonly aliases?: Readonly<Record<string, string>>;
}

/** Reads `--flag`, `--flag=value`, `--flag value` and repeated flags; the rest are positional. */
function readFlags(command: string, args: readonly string[], spec: FlagSpec) {
  const bools: Record<string, boolean> = {};
  const values: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const given = eq > 0 ? arg.slice(0, eq) : arg;
    const name = spec.aliases?.[given] ?? given;
    if (spec.bools?.includes(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      bools[name] = true;
      continue;
    }
    if (spec.values?.includes(name) || spec.lists?.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`${given} needs a value`);
      if (spec.lists?.includes(name)) (lists[name] ??= []).push(value);
      else values[name] = value;
      continue;
    }
    throw new UsageError(`${command} does not know ${given} (buildx-kit ${command} --help lists its options)`);
  }
  return { bools, values, lists, rest };
}

/** The help of `buildx-kit builder`. */
export const BUILDER_HELP = `usage: buildx-kit builder <ls|inspect|create|use|stop|rm> ...

The builders docker buildx build runs on, through docker buildx (one process per command):
  builder ls [--json]                      every builder and its nodes
  builder inspect [NAME] [--bootstrap] [--json]
                                           one builder (default: the current one): each node's
                                           endpoint, status, BuildKit version and platforms
                                           (those set with --platform marked *)
  builder create [--name NAME] [--driver DRIVER] [--driver-opt KEY=VALUE]... [--platform P,P]
                 [--append] [--node NODE] [--bootstrap] [--use] [ENDPOINT]
                                           a builder, or with --append a node added to one:
                                           remote (ENDPOINT tcp://host:1234, unix:///path),
                                           docker-container, kubernetes, cloud (ENDPOINT ORG/NAME)
  builder use NAME [--global] [--default]  make NAME the current builder
  builder stop [NAME]                      stop its nodes (not remote ones)
  builder rm NAME [--keep-state] [--force] remove it

A build picks a builder with --builder NAME (or BUILDX_BUILDER). Its platforms are checked
against the builder's nodes before it runs.`;

/** The help of `buildx-kit merge`. */
export const MERGE_HELP = `usage: buildx-kit merge -t TAG [-t TAG]... [--annotation A]... [--dry-run] [--json] SOURCE...

Creates TAG as one image index holding every SOURCE's manifests, with
docker buildx imagetools create: the way to finish a build made in parts, one platform per runner,
each pushed by digest:
  buildx-kit build --platform linux/amd64 \\
    --output type=image,push-by-digest=true,name-canonical=true,push=true,name=REGISTRY/APP .
A SOURCE is a digest (sha256:..., in TAG's repository) or a reference (REGISTRY/APP@sha256:...).
Nothing is pulled or rebuilt: the registry copies by digest.
  --dry-run   print the index instead of pushing it
  --json      print what was made as JSON (the index's digest and platforms)`;

function nodeLines(node: BuilderNodeDetails): string[] {
  const configured = new Set(node.configuredPlatforms);
  const platforms = node.platforms.map((p) => (configured.has(p) ? `${p}*` : p)).join(", ");
  return [
    `  node ${node.name}`,
    `    endpoint   ${node.endpoint ?? "unknown"}`,
    `    status     ${node.status ?? "unknown"}${node.error ? ` (${node.error})` : ""}`,
    `    buildkit   ${node.buildkitVersion ?? "unknown"}`,
    `    platforms  ${platforms || "none reported"}`,
  ];
}

/** A builder as a few lines: its name, driver, and each node. */
export function formatBuilder(b: BuilderDetails): string {
  return [`${b.name}${b.current ? " (current)" : ""}  driver ${b.driver}${b.error ? `  error: ${b.error}` : ""}`, ...b.nodes.flatMap(nodeLines)].join("\n");
}

/** `buildx-kit builder SUBCOMMAND ...`. */
export async function builderCommand(args: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  const b = await import("../build/builders.ts");
  const env = { env: io.env };
  switch (sub) {
    case "ls": {
      const { bools, rest: extra } = readFlags("builder", rest, { bools: ["--json"] });
      if (extra.length) throw new UsageError(`builder ls takes no arguments (got ${extra.join(" ")})`);
      const builders = await b.listBuilders(env);
      io.out(bools["--json"] ? JSON.stringify(builders, null, 2) : builders.map(formatBuilder).join("\n\n"));
      return EXIT.ok;
    }
    case "inspect": {
      const { bools, rest: names } = readFlags("builder", rest, { bools: ["--json", "--bootstrap"] });
      if (names.length > 1) throw new UsageError(`builder inspect takes one builder name (got ${names.join(" ")})`);
      const found = await b.inspectBuilder(names[0], { ...env, bootstrap: Boolean(bools["--bootstrap"]) });
      io.out(bools["--json"] ? JSON.stringify(found, null, 2) : formatBuilder(found));
      return EXIT.ok;
    }
    case "create": {
      const { bools, values, lists, rest: endpoints } = readFlags("builder", rest, {
        bools: ["--append", "--bootstrap", "--use"],
        values: ["--name", "--driver", "--node", "--buildkitd-flags", "--config"],
        lists: ["--driver-opt", "--platform"],
      });
      if (endpoints.length > 1) throw new UsageError(`builder create takes one endpoint (got ${endpoints.join(" ")})`);
      const driverOpts: Record<string, string> = {};
      for (const o of lists["--driver-opt"] ?? []) {
        const eq = o.indexOf("=");
        if (eq <= 0) throw new UsageError(`--driver-opt expects KEY=VALUE, got ${JSON.stringify(o)}`);
        driverOpts[o.slice(0, eq)] = o.slice(eq + 1);
      }
      const options: CreateBuilderOptions = {
        ...env,
        ...(values["--name"] ? { name: values["--name"] } : {}),
        ...(values["--driver"] ? { driver: values["--driver"] } : {}),
        ...(Object.keys(driverOpts).length ? { driverOpts } : {}),
        ...(lists["--platform"] ? { platforms: lists["--platform"].flatMap((p) => p.split(",")).map((p) => p.trim()).filter(Boolean) } : {}),
        ...(values["--node"] ? { node: values["--node"] } : {}),
        ...(values["--buildkitd-flags"] !== undefined ? { buildkitdFlags: values["--buildkitd-flags"] } : {}),
        ...(values["--config"] ? { config: values["--config"] } : {}),
        ...(endpoints[0] ? { endpoint: endpoints[0] } : {}),
        append: Boolean(bools["--append"]),
        bootstrap: Boolean(bools["--bootstrap"]),
        use: Boolean(bools["--use"]),
      };
      io.out(await b.createBuilder(options));
      return EXIT.ok;
    }
    case "use": {
      const { bools, rest: names } = readFlags("builder", rest, { bools: ["--global", "--default"] });
      if (names.length !== 1) throw new UsageError("builder use takes one builder name: buildx-kit builder use NAME");
      await b.useBuilder(names[0]!, { ...env, global: Boolean(bools["--global"]), default: Boolean(bools["--default"]) });
      return EXIT.ok;
    }
    case "stop": {
      const { rest: names } = readFlags("builder", rest, {});
      if (names.length > 1) throw new UsageError(`builder stop takes one builder name (got ${names.join(" ")})`);
      await b.stopBuilder(names[0], env);
      return EXIT.ok;
    }
    case "rm": {
      const { bools, rest: names } = readFlags("builder", rest, { bools: ["--keep-state", "--keep-daemon", "--force"] });
      if (names.length !== 1) throw new UsageError("builder rm takes one builder name: buildx-kit builder rm NAME");
      await b.removeBuilder(names[0]!, {
        ...env,
        keepState: Boolean(bools["--keep-state"]),
        keepDaemon: Boolean(bools["--keep-daemon"]),
        force: Boolean(bools["--force"]),
      });
      return EXIT.ok;
    }
    case undefined:
      throw new UsageError("builder needs a subcommand: ls, inspect, create, use, stop or rm (buildx-kit builder --help)");
    default:
      throw new UsageError(`builder has no subcommand "${sub}": ls, inspect, create, use, stop or rm (buildx-kit builder --help)`);
  }
}

/** `buildx-kit merge -t TAG... SOURCE...`. */
export async function mergeCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { bools, lists, rest: sources } = readFlags("merge", args, {
    bools: ["--dry-run", "--json"],
    lists: ["--tag", "--annotation"],
    aliases: { "-t": "--tag" },
  });
  const tags = lists["--tag"] ?? [];
  if (tags.length === 0) throw new UsageError("merge needs a tag: buildx-kit merge -t REGISTRY/APP:TAG DIGEST...");
  if (sources.length === 0) throw new UsageError("merge needs the digests (or references) to merge: buildx-kit merge -t TAG sha256:... sha256:...");
  const b = await import("../build/builders.ts");
  const merged = await b.mergeManifests({
    env: io.env,
    tags,
    sources,
    dryRun: Boolean(bools["--dry-run"]),
    ...(lists["--annotation"] ? { annotations: lists["--annotation"] } : {}),
  });
  if (bools["--dry-run"]) {
    io.out(bools["--json"] ? JSON.stringify({ command: merged.command, index: merged.index }, null, 2) : JSON.stringify(merged.index, null, 2));
    return EXIT.ok;
  }
  const image = await b.inspectImage(tags[0]!, { env: io.env });
  if (bools["--json"]) {
    io.out(JSON.stringify({ command: merged.command, tags, digest: image.digest, platforms: image.platforms, manifests: image.manifests }, null, 2));
  } else {
    for (const tag of tags) io.out(`${tag}@${image.digest ?? "?"}  ${image.platforms.join(", ")}`);
  }
  return EXIT.ok;
}
