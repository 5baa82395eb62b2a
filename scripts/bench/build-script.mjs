// The same build through buildx-kit's build(), from a script. Argument: {options, cwd, repeat} as JSON.
import process from "node:process";
import { KIT } from "./kit.mjs";

const { options, cwd, repeat = 1 } = JSON.parse(process.argv[2] ?? "{}");
const { build } = await import(KIT);
for (let i = 0; i < repeat; i++) await build(options, { cwd });
