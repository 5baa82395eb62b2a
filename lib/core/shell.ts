/**
 * Commands as text a person pastes: quoted for any POSIX shell (sh, bash, zsh) and fish alike.
 * Pure: the printed command of a dry run, of the guide's "print" and of a real run all come from
 * here (through `lib/core/invocation.ts`).
 */

/** Characters no shell treats specially anywhere in a word. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One argument quoted for a shell, ready to paste: as is when nothing in it is special, else in
 * single quotes (a quote inside as `'\''`). Pastes into sh, bash, zsh and fish alike.
 *
 * @example
 * quoteArg("--build-arg=A=b c"); // "'--build-arg=A=b c'"
 */
export function quoteArg(arg: string): string {
  // `=` first is zsh's command lookup, `%` first is fish's process expansion (before 3.0).
  if (PLAIN.test(arg) && !/^[=%]/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command shell-quoted, ready to paste.
 *
 * @example
 * shellCommand(["docker", "buildx", "build", "-t", "app:1", "my dir"]); // "docker buildx build -t app:1 'my dir'"
 */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(" ");
}

/**
 * The command as it runs from `cwd`, pasteable from any folder: `cd CWD && COMMAND`.
 *
 * @example
 * commandIn("/src/my app", ["docker", "buildx", "build", "."]); // "cd '/src/my app' && docker buildx build ."
 */
export function commandIn(cwd: string, argv: readonly string[]): string {
  return `cd ${quoteArg(cwd)} && ${shellCommand(argv)}`;
}
