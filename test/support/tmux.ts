/**
 * tmux for the real-terminal tests: each test file gets its own server (a private socket), and
 * a missing tmux skips with the reason, except with CI set, where it fails the run.
 */
import { execFile, execFileSync } from "node:child_process";
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
  return (...args: string[]) => exec("tmux", ["-L", socket, ...args]);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
