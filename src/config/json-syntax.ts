// Where a JSON text first breaks the grammar (RFC 8259), as line and column and what was expected
// there. JSON.parse says the same, but depending on the Node version its message quotes the text
// around the error, and a config file's text may be a password: a config error names a place,
// never the text.

export interface JsonSyntaxError {
  /** UTF-16 offset of the first character that breaks the grammar (the text length at its end). */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters of that line. */
  readonly column: number;
  /** What the grammar wanted there, e.g. "',' or '}'". */
  readonly expected: string;
}

// Deeper nesting is refused (a config file has three levels); it also keeps the recursion bounded.
const MAX_DEPTH = 256;

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

function isWhitespace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

class Reader {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value(0);
    this.skipWhitespace();
    if (this.at < this.text.length) this.stop('the end of the file after the top-level value');
  }

  private stop(expected: string): never {
    throw new Stop(this.at, expected);
  }

  private skipWhitespace(): void {
    while (isWhitespace(this.text[this.at])) this.at++;
  }

  private value(depth: number): void {
    this.skipWhitespace();
    if (depth > MAX_DEPTH) this.stop(`at most ${MAX_DEPTH} levels of nesting`);
    const char = this.text[this.at];
    if (char === '{') this.object(depth);
    else if (char === '[') this.array(depth);
    else if (char === '"') this.string();
    else if (char === '-' || isDigit(char)) this.number();
    else if (!this.literal('true') && !this.literal('false') && !this.literal('null'))
      this.stop('a value (an object, array, string in double quotes, number, true, false or null)');
  }

  private object(depth: number): void {
    this.at++;
    this.skipWhitespace();
    if (this.text[this.at] === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.at] !== '"') this.stop('a property name in double quotes');
      this.string();
      this.skipWhitespace();
      if (this.text[this.at] !== ':') this.stop("':' after the property name");
      this.at++;
      this.value(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.at];
      this.at++;
      if (next === '}') return;
      if (next !== ',') {
        this.at--;
        this.stop("',' or '}' after the property value");
      }
    }
  }

  private array(depth: number): void {
    this.at++;
    this.skipWhitespace();
    if (this.text[this.at] === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.at];
      this.at++;
      if (next === ']') return;
      if (next !== ',') {
        this.at--;
        this.stop("',' or ']' after the array element");
      }
    }
  }

  private string(): void {
    this.at++;
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) this.stop('the closing double quote of the string');
      if (char === '"') {
        this.at++;
        return;
      }
      if (char < ' ') this.stop('no control character or line break inside a string (write \\n)');
      if (char === '\\') {
        const escaped = this.text[this.at + 1];
        if (escaped === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) {
            this.at += 2;
            this.stop('four hex digits after \\u');
          }
          this.at += 6;
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) {
          this.at++;
          this.stop('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
        }
        this.at += 2;
        continue;
      }
      this.at++;
    }
  }

  private digits(): void {
    if (!isDigit(this.text[this.at])) this.stop('a digit');
    while (isDigit(this.text[this.at])) this.at++;
  }

  private number(): void {
    if (this.text[this.at] === '-') this.at++;
    if (this.text[this.at] === '0') this.at++;
    else this.digits();
    if (this.text[this.at] === '.') {
      this.at++;
      this.digits();
    }
    if (this.text[this.at] === 'e' || this.text[this.at] === 'E') {
      this.at++;
      if (this.text[this.at] === '+' || this.text[this.at] === '-') this.at++;
      this.digits();
    }
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.at)) return false;
    this.at += word.length;
    return true;
  }
}

/** Line and column of an offset in the text, both 1-based. */
export function lineAndColumn(text: string, offset: number): { readonly line: number; readonly column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** The first syntax error of a JSON text, or undefined when the text is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Reader(text).document();
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return { offset: error.offset, ...lineAndColumn(text, error.offset), expected: error.expected };
  }
}
