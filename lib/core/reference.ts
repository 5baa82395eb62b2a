/**
 * Image references (`[registry[:port]/]path[:tag][@digest]`), checked the way the Docker
 * distribution grammar does, so a bad tag is caught before buildx starts.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** Why `ref` is not a valid image reference, or null when it is. */
export function referenceProblem(ref: string): string | null {
  if (ref.length > 255 + 128 + 80) return "is too long";
  const m = REFERENCE.exec(ref);
  if (!m) {
    const name = ref.split("@")[0]!.replace(/:[\w][\w.-]*$/, "");
    const parts = name.split("/");
    const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!) ? parts.slice(1) : parts;
    if (path.some((p) => /[A-Z]/.test(p))) return "has upper-case letters in the repository name (they must be lower-case)";
    if (/\s/.test(ref)) return "contains whitespace";
    return "is not a valid image reference ([registry/]repository[:tag], lower-case)";
  }
  // A first part without a dot, colon or "localhost" is a path component, not a registry; the
  // grammar already accepts both, so there is nothing more to check.
  if ((m[2]?.length ?? 0) > 255) return "has a repository name longer than 255 characters";
  return null;
}
