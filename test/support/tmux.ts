/**
 * tmux for the real-terminal tests: each test file gets its own server (a private socket), and
 * a missing tmux skips with the reason, except with CI set, where it fails the run.
 */
import { execFile, execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Whether tmux is installed (scripts/engine.sh up installs it). */
export const hasTmux: boolean = (() => {
  try {
    execFileSync("tmux", ["-V"]);
    return true;
  } catch {
    if (process.env.CI) throw new Error("the terminal tests need tmux and CI is set");
    console.warn("skipping the terminal tests: no tmux");
    return false;
  }
})();

/** tmux on a private server named `socket`. */
export function tmuxOn(socket: string): (...args: string[]) => Promise<{ stdout: string; stderr: string }> {
  return async (...args: string[]) => {
    for (let attempt = 1;; attempt++) {
      try {
        return await exec("tmux", ["-L", socket, ...args]);
      } catch (e) {
        // The server quits with its last session: a command that reaches it while it exits gets
        // this, and the next one starts a new server. Any other failure is the caller's.
        if (attempt === 3 || !String((e as { stderr?: string }).stderr ?? "").includes("server exited unexpectedly")) throw e;
        await sleep(200);
      }
    }
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A tmux server of a test file's own (nothing here touches anyone's sessions): `tmux(...)` runs a
 * tmux command on it, `close()` ends it and removes its socket file, which can outlive it.
 */
export function privateTmux(label: string): { socket: string; tmux: ReturnType<typeof tmuxOn>; close: () => Promise<void> } {
  const socket = `buildx-kit-${label}-${process.pid}`;
  const tmux = tmuxOn(socket);
  const close = async () => {
    await tmux("kill-server").catch(() => {});
    await rm(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  };
  return { socket, tmux, close };
}
