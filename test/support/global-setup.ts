/**
 * Before any test: compile dist/ (what `npx buildx-kit` and Node run), so tests that spawn Node
 * test the code as it is now, not a stale build.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

export default async function setup(): Promise<void> {
  // Both halves: the library (dist/) and the command (dist/cli/, CommonJS).
  await promisify(execFile)("npm", ["run", "--silent", "build"], { cwd: new URL("../..", import.meta.url).pathname });
}
