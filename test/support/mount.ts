/**
 * Small file systems of the tests' own (tmpfs), to make a full disk or a read-only one for real.
 * Mounting needs root: without it the tests that need one skip with the reason, except with CI
 * set, where it fails the run (CI runs as root).
 */
import { execFileSync } from "node:child_process";

/** Whether this process may mount a tmpfs. */
export const canMount: boolean = (() => {
  try {
    execFileSync("sh", ["-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=4k tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI) throw new Error("the full-disk and read-only tests mount a tmpfs, which needs root, and CI is set");
    console.warn("skipping the full-disk and read-only tests: mounting a tmpfs needs root");
    return false;
  }
})();
