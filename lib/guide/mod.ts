/**
 * The guided build (`buildx-kit/guide`): asks for each option at a terminal with
 * `@inquirer/prompts` (loaded only when it asks), checks the combination as you answer, then runs
 * the build, saves it as a recipe, or prints the command. Tests and other front ends pass their own
 * prompts (`GuideIO.prompts`).
 *
 * @example
 * import { guideCommand } from "buildx-kit/guide";
 * process.exitCode = await guideCommand([]);
 *
 * @module
 */

export type {
  CheckboxQuestion,
  ConfirmQuestion,
  GuideAction,
  GuideIO,
  GuideOutcome,
  GuidePrompts,
  GuideStart,
  InputQuestion,
  KnownBuilder,
  PromptChoice,
  PromptContext,
  SelectQuestion,
} from "./flow.ts";
export { guide, guideCommand, inquirerPrompts, MoreHelpRequest } from "./flow.ts";
