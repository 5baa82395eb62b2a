// How long one import takes in a fresh process: "zx" alone, or buildx-kit's mod.ts. Prints ms.
import process from "node:process";
import { KIT } from "./kit.mjs";

const which = process.argv[2];
const started = performance.now();
if (which === "zx") await import("zx");
else if (which === "mod") await import(KIT);
else throw new Error(`import-time.mjs: zx or mod, not ${which}`);
console.log((performance.now() - started).toFixed(3));
