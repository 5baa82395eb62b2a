/**
 * CSV attributes, as buildx reads `--output`, `--cache-to`, `--secret` and friends: one record of
 * Go's encoding/csv, each field `key=value`. A field holding a comma, a quote or a newline is
 * quoted, with quotes doubled.
 */

/** Joins fields into one CSV record, quoting where buildx's CSV reader needs it. */
export function formatCsv(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) || /^\s/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(",");
}

/**
 * A CSV record that does not parse. `message` quotes the record; `reason` says what and where
 * without it, for values that must not be repeated (a secret's attributes).
 */
export class CsvSyntaxError extends SyntaxError {
  override readonly name = "CsvSyntaxError";
  /** What is wrong and at which 1-based column, without the text. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Splits one CSV record into fields. Throws a `CsvSyntaxError` naming the column of a stray quote. */
export function parseCsv(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvSyntaxError(`unterminated quote opened at column ${start + 1}`, `unterminated quote in ${JSON.stringify(text)}`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ",") {
        throw new CsvSyntaxError(
          `unexpected character after a closing quote at column ${i + 1}`,
          `unexpected character after a closing quote at column ${i + 1} of ${JSON.stringify(text)}`,
        );
      }
    } else {
      const end = text.indexOf(",", i);
      field = text.slice(i, end === -1 ? text.length : end);
      if (field.includes('"')) {
        throw new CsvSyntaxError(`bare quote in a field at column ${i + 1}`, `bare quote in a field at column ${i + 1} of ${JSON.stringify(text)}`);
      }
      i = end === -1 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** Reads `key=value` fields into a record; a field without `=` is kept under its own name with value "". */
export function parseAttributes(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const field of parseCsv(text)) {
    const eq = field.indexOf("=");
    if (eq === -1) attrs[field.trim().toLowerCase()] = "";
    else attrs[field.slice(0, eq).trim().toLowerCase()] = field.slice(eq + 1);
  }
  return attrs;
}
