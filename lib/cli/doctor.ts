/**
 * The health report as a person reads it: docker, daemon, buildx, builder, image store, and which
 * features this machine has and which it lacks, and why.
 */
import { buildBlocker, buildkitFor, type Capabilities } from "../core/capabilities.ts";
import { FEATURES, FLAG_ROWS, type Gate } from "../core/flags.ts";
import { ATTESTATION_SINCE } from "../build/probe.ts";
import { atLeast, parseBuildxVersion } from "../core/version.ts";

/** One feature and whether this machine has it. */
export interface FeatureStatus {
  readonly name: string;
  readonly available: boolean;
  /** Why not, when not. */
  readonly why?: string;
}

/** Every flag newer than the first buildx, every feature, multi-platform load: available or why not. */
export function featureStatus(caps: Capabilities): FeatureStatus[] {
  const installed = caps.buildxVersion;
  const noBuildx = caps.buildxCommand === null ? "no buildx" : null;
  const byVersion = (name: string, since: string): FeatureStatus => {
    if (noBuildx) return { name, available: false, why: noBuildx };
    return atLeast(installed, since) ? { name, available: true } : { name, available: false, why: `needs buildx >= ${since} (installed ${installed})` };
  };
  // BuildKit: the oldest of every node's (each may build), as the plan gates on the building ones.
  const allPlatforms = (caps.builder?.nodes ?? []).flatMap((n) => n.platforms);
  const buildkit = buildkitFor(caps, allPlatforms);
  const gated = (name: string, gate: Gate): FeatureStatus => {
    const buildx = byVersion(name, gate.since ?? "0.2.0");
    if (!buildx.available || !gate.buildkit) return buildx;
    // BuildKit unknown (v0.0.0+unknown, or not inspected): assumed the latest, as plan() does; the
    // node's line says so.
    if (buildkit.version === null) return buildx;
    return atLeast(buildkit.version, gate.buildkit) ? buildx : {
      name,
      available: false,
      why: `needs BuildKit >= ${gate.buildkit} (${buildkit.node ? `node ${buildkit.node} runs` : "the builder runs"} ${buildkit.version})`,
    };
  };
  const statuses: FeatureStatus[] = [];
  for (const [, row] of FLAG_ROWS) {
    if (row.since !== "0.2.0" || row.buildkit) statuses.push(gated(row.flag, { since: row.since, ...(row.buildkit ? { buildkit: row.buildkit } : {}) }));
    // Choices and attributes newer than their flag: the table's rows the installed buildx may lack.
    for (const [choice, gate] of Object.entries(row.choiceGates ?? {})) statuses.push(gated(`${row.flag}=${choice}`, gate));
    for (const [type, spec] of Object.entries(row.attributes?.types ?? {})) {
      for (const [attr, rule] of Object.entries(spec.attributes)) {
        if (rule.since || rule.buildkit) statuses.push(gated(`${row.flag} type=${type} ${attr}=`, rule));
      }
    }
    for (const [attr, rule] of Object.entries(row.attributes?.common ?? {})) {
      if (rule.whenTrue) statuses.push(gated(`${row.flag} ${attr}=true`, { since: row.since, ...rule.whenTrue }));
    }
  }
  for (const feature of Object.values(FEATURES)) statuses.push(gated(feature.doc, feature));
  // As supportsAttestation() decides: a version that could not be read is not assumed the latest here.
  const unreadable = !noBuildx && installed === null && parseBuildxVersion(caps.buildxVersionText).kind === "unreadable";
  const attestable = unreadable
    ? { name: "attestations", available: false, why: "buildx's version could not be read" }
    : byVersion("attestations", ATTESTATION_SINCE);
  // The docker driver keeps several platforms and attestations only in the containerd store.
  const store = (name: string, classicWhy: string): FeatureStatus =>
    caps.driver === null
      ? { name, available: false, why: "the builder could not be inspected" }
      : caps.driver !== "docker" || caps.containerdImageStore === true
      ? { name, available: true }
      : { name, available: false, why: classicWhy };
  statuses.push(
    store("loading several platforms at once", "the docker driver with the classic image store holds one platform; turn on the containerd image store"),
    // And attestations at all need a buildx that makes them.
    attestable.available
      ? store("attestations kept with the image", "the classic image store drops them; turn on the containerd image store")
      : { ...attestable, name: "attestations kept with the image" },
  );
  return statuses;
}

/** How each of buildx's rules reads in the report. */
const CHOSEN_BY: Readonly<Record<NonNullable<Capabilities["builderSource"]>, string>> = {
  flag: "--builder",
  env: "BUILDX_BUILDER",
  config: "buildx's current builder (docker buildx use, in $BUILDX_CONFIG or ~/.docker/buildx)",
  context: "the docker context's builder (DOCKER_HOST, DOCKER_CONTEXT or docker context use)",
  default: "the default: the default docker context's builder",
};

/** The doctor's report, one fact a line, with marks that survive without colour. */
export function formatDoctor(caps: Capabilities, paint: (style: "ok" | "bad" | "dim", text: string) => string = (_s, t) => t): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(12)} ${value}`);
  row("docker", caps.buildxCommand ? caps.buildxCommand.join(" ") : paint("bad", "not found"));
  if (caps.buildxPlugin) row("builds run", `${caps.buildxPlugin} (the plugin docker runs, started directly)`);
  row("engine", caps.engineVersion ?? paint("bad", "not reachable"));
  row(
    "buildx",
    caps.buildxVersion ??
      (caps.buildxVersionText
        ? `unknown release (${caps.buildxVersionText}); assuming the latest`
        : caps.buildxCommand
        ? paint("bad", "unknown: buildx version printed nothing")
        : paint("bad", "not found")),
  );
  if (caps.dockerContext) row("context", caps.dockerContext);
  if (caps.builder) {
    row("builder", `${caps.builder.name} (driver ${caps.builder.driver})`);
    if (caps.builderSource) row("  chosen by", CHOSEN_BY[caps.builderSource]);
    for (const node of caps.builder.nodes) {
      // As inspect printed it; a version without a release (v0.0.0+unknown) is said to be unknown.
      const text = node.buildkitVersionText ?? node.buildkitVersion;
      const buildkit = node.buildkitVersion !== null ? text : text ? `unknown (${text}; assumed the latest)` : "unknown";
      row("  node", `${node.name}: ${node.status ?? "unknown"}, BuildKit ${buildkit}`);
      row("  platforms", node.platforms.join(", ") || "none reported");
    }
  } else {
    row("builder", paint("bad", "not inspected"));
  }
  row("image store", caps.containerdImageStore === null ? "unknown" : caps.containerdImageStore ? "containerd" : "classic");
  lines.push("", "features:");
  for (const f of featureStatus(caps)) {
    lines.push(f.available ? `  ${paint("ok", "yes")} ${f.name}` : `  ${paint("bad", "no ")} ${f.name}: ${paint("dim", f.why ?? "")}`);
  }
  lines.push("");
  const blocker = buildBlocker(caps);
  if (caps.problems.length === 0) lines.push(paint("ok", "healthy: this machine can build"));
  else {
    lines.push(blocker ? paint("bad", `not healthy: this machine cannot build (${blocker.code})`) : paint("bad", "not healthy, but this machine can build:"));
    for (const p of caps.problems) lines.push(`  - ${p.message} [${p.code}]`);
  }
  return lines.join("\n");
}
