/**
 * buildx-kit's default entry (`buildx-kit`): the core (the table, `plan()`, the parser, the types)
 * and what runs builds: `build()`, the `buildx` tagged template, `probe()` and `health()`, and
 * builders and images across machines.
 *
 * @example
 * import { build, buildx, plan } from "buildx-kit";
 * await buildx`--platform ${["linux/amd64", "linux/arm64"]} -t ${"localhost:5000/app:1"} --push .`;
 *
 * @module
 */

export * from "../core/mod.ts";

// One build: run it, or write it as a zx-style template.
export type { RunOptions } from "./run.ts";
export { build } from "./run.ts";
export type { Buildx, TemplateOptions } from "./template.ts";
export { BuildHandle, buildx, splitWords, TemplateError } from "./template.ts";

// The machine: what it can build, and whether it is healthy.
export type { HealthReport, ProbeOptions } from "./probe.ts";
export { ATTESTATION_SINCE, health, healthReport, probe, supportsAttestation } from "./probe.ts";

// Beyond one machine: builders and their nodes, images merged from several builds.
export type {
  BuilderCallOptions,
  BuilderDetails,
  BuilderNodeDetails,
  CreateBuilderOptions,
  ImageInspection,
  ImageManifest,
  InspectBuilderOptions,
  MergeOptions,
  MergeResult,
} from "./builders.ts";
export { BuilderError, createBuilder, inspectBuilder, inspectImage, listBuilders, mergeManifests, removeBuilder, stopBuilder, useBuilder } from "./builders.ts";
