/**
 * build() against the real engine and the registry on localhost:5000: --push and its digest,
 * build caches (local, inline, registry) reused after the builder forgot them, and provenance.
 *
 * A cache test makes the builder forget only its own steps: its Dockerfile (fixtures/build/cache,
 * a template) names a fresh marker in the RUN command, and the cache records with that marker in
 * their description are pruned by id. The rest of the builder's cache is left alone.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../lib/core/progress.ts";
import { build } from "../lib/build/run.ts";
import {
  cacheRecords,
  cleanUp,
  collectLog,
  docker,
  fixture,
  imagetoolsRaw,
  instantiate,
  nonce,
  pruneCacheOf,
  registryDigest,
  registryManifest,
  REPO,
  runSteps,
  tempDir,
  trackImage,
  trackPush,
} from "./fixtures/build/support.ts";
import { requireEngine } from "./support/engine.ts";

const engine = await requireEngine();
afterAll(cleanUp);

function pushRef(what: string, id: string): string {
  const ref = `${REPO}/${what}:${id}`;
  trackPush(ref);
  // The docker driver names what it pushes in the image store too.
  return trackImage(ref);
}

/** Builds fixtures/build/cache (instantiated with `marker`) to a local folder; returns its RUN events and /id. */
async function cacheBuild(context: string, options: Record<string, unknown>): Promise<{ steps: ProgressEvent[]; id: string | null }> {
  const events: ProgressEvent[] = [];
  const out = await tempDir("cache-out");
  await build({ context, output: `type=local,dest=${out}`, ...options }, { ...collectLog(), onProgress: (e) => events.push(e) });
  const id = await readFile(join(out, "id"), "utf8").catch(() => null);
  return { steps: runSteps(events), id };
}

/** Forgets the marker's steps, and checks the builder really has none left. */
async function forget(marker: string): Promise<void> {
  expect(await cacheRecords(marker)).not.toEqual([]);
  await pruneCacheOf(marker);
  expect(await cacheRecords(marker)).toEqual([]);
}

describe.skipIf(!engine.ok)("build() with the registry and build caches", () => {
  it("--push: the result's digest is the one the registry serves for the tag", async () => {
    const id = nonce();
    const ref = pushRef("push", id);
    const result = await build({ context: fixture("scratch"), tag: [ref], push: true, buildArg: { NONCE: id } }, collectLog());

    expect(result.argv).toContain("--push");
    expect(result.argv).not.toContain("--load");
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registryDigest(ref)).toBe(result.digest);
    expect(await docker("buildx", "imagetools", "inspect", "--format", "{{json .Manifest}}", ref)).toContain(result.digest!);
    expect(result.imageName).toBe(ref);
  });

  it("--cache-to/--cache-from type=local: a builder that forgot the steps reuses them from the folder", async () => {
    const marker = nonce();
    const context = await instantiate("cache", marker);
    const cacheDir = join(await tempDir("cache-local"), "cache");

    const first = await cacheBuild(context, { cacheTo: { type: "local", dest: cacheDir, mode: "max" } });
    expect(first.steps.map((e) => e.type)).toEqual(["started", "completed"]);
    expect(await readdir(cacheDir)).toEqual(expect.arrayContaining(["index.json", "blobs"]));
    await forget(marker);

    const second = await cacheBuild(context, { cacheFrom: `type=local,src=${cacheDir}` });
    expect(second.steps.map((e) => e.type)).toEqual(["cached"]);
    expect(second.steps[0]!.name).toContain(marker);
    expect(second.id).toBe(first.id); // the RUN did not run again: same random id
  });

  it("--cache-to type=inline: the pushed image carries its cache, which a later build reuses", async () => {
    const marker = nonce();
    const context = await instantiate("cache", marker);
    const ref = pushRef("cache-inline", marker);

    const events: ProgressEvent[] = [];
    await build({ context, tag: [ref], push: true, cacheTo: "type=inline" }, { ...collectLog(), onProgress: (e) => events.push(e) });
    expect(runSteps(events).map((e) => e.type)).toEqual(["started", "completed"]);
    // Inline cache lives in the image config: index -> the linux/amd64 manifest -> its config.
    const index = await imagetoolsRaw(ref);
    const image = index.manifests.find((m) => m.platform?.os === "linux")!;
    const manifest = await registryManifest(ref.replace(/:[^:]+$/, `@${image.digest}`));
    const configDigest = (manifest as { config: { digest: string } }).config.digest;
    const config = await fetch(`http://127.0.0.1:5000/v2/buildx-kit-test/cache-inline/blobs/${configDigest}`).then((r) => r.json()) as Record<string, unknown>;
    expect(Object.keys(config)).toContain("moby.buildkit.cache.v0");
    await forget(marker);

    const second = await cacheBuild(context, { cacheFrom: { type: "registry", ref } });
    expect(second.steps.map((e) => e.type)).toEqual(["cached"]);
    expect(second.id).toBe(await docker("run", "--rm", ref, "cat", "/id")); // the pushed image's own /id
  });

  it("--cache-to/--cache-from type=registry: the cache is pushed as its own manifest and reused", async () => {
    const marker = nonce();
    const context = await instantiate("cache", marker);
    const cacheRef = pushRef("cache-registry", marker);

    const first = await cacheBuild(context, { cacheTo: `type=registry,ref=${cacheRef},mode=max` });
    expect(first.steps.map((e) => e.type)).toEqual(["started", "completed"]);
    const cacheManifest = await registryManifest(cacheRef);
    expect(cacheManifest).not.toBeNull();
    // A cache manifest, not an image: its layers are the cache's, its config the cache's.
    expect(JSON.stringify(cacheManifest)).toMatch(/application\/vnd\.buildkit\.cacheconfig\.v0/);
    await forget(marker);

    const second = await cacheBuild(context, { cacheFrom: `type=registry,ref=${cacheRef}` });
    expect(second.steps.map((e) => e.type)).toEqual(["cached"]);
    expect(second.id).toBe(first.id);
  });

  it("--provenance mode=max: the pushed image has a max-mode SLSA provenance (min has no build config)", async () => {
    const id = nonce();
    const max = pushRef("provenance", `${id}-max`);
    const min = pushRef("provenance", `${id}-min`);
    const result = await build({ context: fixture("scratch"), tag: [max], push: true, provenance: "mode=max", buildArg: { NONCE: id } }, collectLog());
    await build({ context: fixture("scratch"), tag: [min], push: true, provenance: "mode=min", buildArg: { NONCE: id } }, collectLog());

    expect(result.argv).toContain("--provenance=mode=max");
    type Provenance = {
      SLSA?: { buildType?: string; buildConfig?: { llbDefinition?: unknown[] }; invocation?: { parameters?: { args?: Record<string, string> } } };
    };
    const provenance = async (ref: string) =>
      JSON.parse(await docker("buildx", "imagetools", "inspect", "--format", "{{json .Provenance}}", ref)) as Provenance;
    const maxProv = await provenance(max);
    expect(maxProv.SLSA?.buildType).toBe("https://mobyproject.org/buildkit@v1");
    expect(maxProv.SLSA?.buildConfig?.llbDefinition?.length).toBeGreaterThan(0);
    expect(maxProv.SLSA?.invocation?.parameters?.args?.["build-arg:NONCE"]).toBe(id);
    const minProv = await provenance(min);
    expect(minProv.SLSA?.buildType).toBe("https://mobyproject.org/buildkit@v1");
    expect(minProv.SLSA?.buildConfig).toBeUndefined();
  });

  it("--attest type=provenance: an attestation manifest for the image is attached to the index", async () => {
    const id = nonce();
    const ref = pushRef("attest", id);
    const builderId = `https://example.com/buildx-kit/${id}`;
    const result = await build({
      context: fixture("scratch"),
      tag: [ref],
      push: true,
      attest: { type: "provenance", "builder-id": builderId },
      buildArg: { NONCE: id },
    }, collectLog());

    expect(result.argv).toContain(`--attest=type=provenance,builder-id=${builderId}`);
    const index = await imagetoolsRaw(ref);
    const image = index.manifests.find((m) => m.platform?.os === "linux")!;
    const attestation = index.manifests.find((m) => m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest");
    expect(attestation?.annotations?.["vnd.docker.reference.digest"]).toBe(image.digest);
    const prov = JSON.parse(await docker("buildx", "imagetools", "inspect", "--format", "{{json .Provenance}}", ref)) as {
      SLSA?: { builder?: { id?: string } };
    };
    expect(prov.SLSA?.builder?.id).toBe(builderId);
    expect(result.digest).toBe(await registryDigest(ref));
  });
});
