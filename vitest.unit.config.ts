import { defineConfig } from "vitest/config";

// `npm run test:unit`: the pure tests (no engine, no build, no spawned process), in seconds.
// `npm test` runs them too, with everything else.
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
  },
});
