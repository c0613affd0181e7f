// Reads an environment file as systemd's EnvironmentFile= does, so `check-config --env-file` sees
// the secrets the unit gives the service (HIK_ARC_RECEIVER_PASSWORD, HIK_ARC_ARC_KEY). The syntax
// is systemd's: KEY=VALUE per line, `#` and `;` start comment lines, whitespace around the key and
// the unquoted value is dropped, 'single quotes' are literal, "double quotes" take \" \\ \` \$, and
// a backslash at the end of a line continues it. A problem names its line, never its text: the
// text may be a password.

export interface EnvironmentFile {
  readonly variables: Readonly<Record<string, string>>;
  /** `line 3: …`, one per line systemd would ignore or misread. */
  readonly problems: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BLANK = new Set([' ', '\t']);
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '`', '$']);

export function parseEnvironmentFile(input: string): EnvironmentFile {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const variables: Record<string, string> = {};
  const problems: string[] = [];
  let at = 0;
  let line = 1;

  const skipToLineEnd = (): void => {
    while (at < text.length && text[at] !== '\n') at++;
  };

  while (at < text.length) {
    while (at < text.length && BLANK.has(text[at] as string)) at++;
    const first = text[at];
    if (first === undefined) break;
    if (first === '\n') {
      at++;
      line++;
      continue;
    }
    if (first === '#' || first === ';') {
      skipToLineEnd();
      continue;
    }
    const startLine = line;
    const keyStart = at;
    while (at < text.length && text[at] !== '=' && text[at] !== '\n') at++;
    if (text[at] !== '=') {
      problems.push(`line ${startLine}: no "=", not an assignment; ignored`);
      continue;
    }
    const key = text.slice(keyStart, at).trim();
    at++;
    while (at < text.length && BLANK.has(text[at] as string)) at++;

    let value = '';
    // Length of the value up to its last character that is not trailing unquoted whitespace.
    let kept = 0;
    let unterminated = false;
    while (at < text.length && text[at] !== '\n') {
      const char = text[at] as string;
      if (char === "'" || char === '"') {
        const close = char;
        at++;
        while (at < text.length && text[at] !== close) {
          let next = text[at] as string;
          if (close === '"' && next === '\\' && at + 1 < text.length) {
            const escaped = text[at + 1] as string;
            if (escaped === '\n') {
              at += 2;
              line++;
              continue;
            }
            if (DOUBLE_QUOTE_ESCAPES.has(escaped)) {
              next = escaped;
              at++;
            }
          }
          if (next === '\n') line++;
          value += next;
          at++;
        }
        if (at >= text.length) unterminated = true;
        at++;
        kept = value.length;
        continue;
      }
      if (char === '\\' && at + 1 < text.length) {
        const escaped = text[at + 1] as string;
        at += 2;
        if (escaped === '\n') {
          line++;
          continue;
        }
        value += escaped;
        kept = value.length;
        continue;
      }
      value += char;
      if (!BLANK.has(char)) kept = value.length;
      at++;
    }
    value = value.slice(0, kept);
    if (unterminated) {
      problems.push(`line ${startLine}: a quote is not closed; ${key} ignored`);
      continue;
    }
    if (!NAME.test(key)) {
      problems.push(`line ${startLine}: the text before "=" is not a variable name; ignored`);
      continue;
    }
    variables[key] = value;
  }
  return { variables, problems };
}
