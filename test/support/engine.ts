/**
 * The real engine for integration tests. Without one a test file skips with the reason, except
 * when CI is set: then the missing engine fails the run.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The registry `scripts/engine.sh up` starts. */
export const REGISTRY = "localhost:5000";
/** A base image with a shell, made by `scripts/engine.sh up` (no Docker Hub here). */
export const BASE_IMAGE = "local/busybox:1";

export interface EngineStatus {
  readonly ok: boolean;
  readonly why: string;
}

/** Whether docker, its daemon, buildx and the registry all answer. */
export async function engineStatus(): Promise<EngineStatus> {
  try {
    await exec("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 15_000 });
  } catch (e) {
    return { ok: false, why: `no Docker daemon (${firstLine(e)}); run: bash scripts/engine.sh up` };
  }
  try {
    await exec("docker", ["buildx", "version"], { timeout: 15_000 });
  } catch (e) {
    return { ok: false, why: `no buildx (${firstLine(e)}); run: bash scripts/engine.sh up` };
  }
  try {
    const res = await fetch(`http://127.0.0.1:5000/v2/`);
    if (!res.ok) return { ok: false, why: `registry on 127.0.0.1:5000 answered ${res.status}` };
  } catch (e) {
    return { ok: false, why: `no registry on 127.0.0.1:5000 (${firstLine(e)}); run: bash scripts/engine.sh up` };
  }
  return { ok: true, why: "" };
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr || err.message || String(e)).trim().split("\n")[0] ?? "";
}

/**
 * Call at the top of an integration test file: `const engine = await requireEngine();` then
 * `describe.skipIf(!engine.ok)(...)`. With CI set, a missing engine throws instead.
 */
export async function requireEngine(): Promise<EngineStatus> {
  const status = await engineStatus();
  if (!status.ok && process.env.CI) {
    throw new Error(`integration tests need a real engine and CI is set, so this fails instead of skipping: ${status.why}`);
  }
  if (!status.ok) console.warn(`skipping integration tests: ${status.why}`);
  return status;
}

/** The second engine `scripts/engine.sh up` starts, and the docker context that names it. */
export const SECOND_HOST = "unix:///run/buildx-kit/docker2.sock";
export const SECOND_CONTEXT = "buildx-kit-second";

/**
 * Call at the top of a test file that needs the second engine as well: like `requireEngine`, a
 * missing one skips, or with CI set fails the run.
 */
export async function requireSecondEngine(): Promise<EngineStatus> {
  const main = await requireEngine();
  if (!main.ok) return main;
  try {
    await exec("docker", ["--host", SECOND_HOST, "info", "--format", "{{.ServerVersion}}"], { timeout: 15_000 });
  } catch (e) {
    const why = `no second engine on ${SECOND_HOST} (${firstLine(e)}); run: bash scripts/engine.sh up`;
    if (process.env.CI) throw new Error(`integration tests need the second engine and CI is set, so this fails instead of skipping: ${why}`);
    console.warn(`skipping second-engine tests: ${why}`);
    return { ok: false, why };
  }
  return { ok: true, why: "" };
}
