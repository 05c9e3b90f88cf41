/**
 * A reader of the HCL template and expression syntax, as Terraform applies it
 * to the strings of a `.tf.json` file: enough of the language to find what
 * every interpolation (`${…}`) and directive (`%{…}`) refers to and which
 * functions it calls. It does not evaluate anything.
 *
 * Escapes: `$${` and `%%{` are literal text. Identifiers may hold `-` (as in
 * HCL: `count.index-1` is one attribute name). For-expression and template
 * `for` variables are in scope inside their bodies only; an object key written
 * as a bare name before `=` or `:` is a literal, not a reference.
 * @see https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md
 */

/** A variable the expression reads: its root name and the attribute names that follow it. */
export interface Reference {
  readonly root: string;
  /** Attribute names after the root (`data.x.y.z` gives `['x', 'y', 'z']`), up to the first index or call. */
  readonly steps: readonly string[];
  /** The source text of the interpolation or directive it sits in. */
  readonly context: string;
}

/** A function call, with its arguments as source text and, where an argument is a quoted template, its literal parts. */
export interface FunctionCall {
  readonly name: string;
  readonly args: readonly Argument[];
  readonly context: string;
}

export interface Argument {
  readonly text: string;
  /** Set when the argument is a quoted template: its parts, literal text and interpolations. */
  readonly template?: readonly TemplatePart[];
}

export type TemplatePart = { readonly literal: string } | { readonly interpolation: string };

export interface TemplateScan {
  readonly references: readonly Reference[];
  readonly calls: readonly FunctionCall[];
  /** Whether the string holds any interpolation or directive at all. */
  readonly dynamic: boolean;
  /** Set when the text is not valid template syntax (the engine would refuse it too). */
  readonly error?: string;
}

class SyntaxError extends Error {}

const ID_START = /[A-Za-z_]/;
const ID_CONTINUE = /[A-Za-z0-9_-]/;
const KEYWORD_LITERALS = new Set(['true', 'false', 'null']);

/** Reads one string of a `.tf.json` file as a template. */
export function scanTemplate(text: string, scope: ReadonlySet<string> = new Set()): TemplateScan {
  const reader = new Reader(text, scope);
  try {
    reader.template(undefined);
    return { references: reader.references, calls: reader.calls, dynamic: reader.dynamic };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { references: reader.references, calls: reader.calls, dynamic: true, error: error.message };
  }
}

/** Reads one string that Terraform takes as a bare expression (`depends_on`, `replace_triggered_by`, `moved`). */
export function scanExpression(text: string): TemplateScan {
  const reader = new Reader(text, new Set());
  try {
    reader.bareExpression();
    return { references: reader.references, calls: reader.calls, dynamic: true };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { references: reader.references, calls: reader.calls, dynamic: true, error: error.message };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class Reader {
  public readonly references: Mutable<Reference>[] = [];
  public readonly calls: Mutable<FunctionCall>[] = [];
  public dynamic = false;
  private pos = 0;
  private readonly scopes: Set<string>[];
  /** Where the outermost interpolation or directive being read starts, and what was found before it. */
  private contextStart = 0;
  private contextDepth = 0;
  private contextFound = [0, 0];

  constructor(private readonly text: string, scope: ReadonlySet<string>) {
    this.scopes = [new Set(scope)];
  }

  bareExpression(): void {
    this.enterContext(0);
    this.skipSpace();
    this.expression();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected "${this.text[this.pos]}" after the expression`);
    this.leaveContext();
  }

  /**
   * Template text up to `terminator` (`"` inside a quoted template, end of text
   * at the top). Returns its parts (literal text and interpolation sources).
   */
  template(terminator: '"' | undefined): TemplatePart[] {
    const parts: TemplatePart[] = [];
    let literal = '';
    const forScopes: number[] = [];
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (terminator === '"' && c === '"') break;
      if (terminator === '"' && c === '\\') {
        literal += t.slice(this.pos, this.pos + 2);
        this.pos += 2;
        continue;
      }
      if ((c === '$' || c === '%') && t[this.pos + 1] === c && t[this.pos + 2] === '{') {
        literal += `${c}{`;
        this.pos += 3;
        continue;
      }
      if (c === '$' && t[this.pos + 1] === '{') {
        if (literal) parts.push({ literal });
        literal = '';
        parts.push({ interpolation: this.interpolation() });
        continue;
      }
      if (c === '%' && t[this.pos + 1] === '{') {
        if (literal) parts.push({ literal });
        literal = '';
        this.directive(forScopes);
        continue;
      }
      literal += c;
      this.pos++;
    }
    if (terminator === '"' && t[this.pos] !== '"') this.fail('a quoted string is not closed');
    if (forScopes.length > 0) this.fail('%{ for } without %{ endfor }');
    if (literal) parts.push({ literal });
    return parts;
  }

  private interpolation(): string {
    const start = this.pos;
    this.enterContext(start);
    this.dynamic = true;
    this.pos += 2;
    if (this.text[this.pos] === '~') this.pos++;
    this.skipSpace();
    this.expression();
    this.skipSpace();
    if (this.text[this.pos] === '~') this.pos++;
    this.expect('}');
    this.leaveContext();
    return this.text.slice(start + 2, this.pos - 1);
  }

  private directive(forScopes: number[]): void {
    this.enterContext(this.pos);
    this.dynamic = true;
    this.pos += 2;
    if (this.text[this.pos] === '~') this.pos++;
    this.skipSpace();
    const keyword = this.identifier();
    this.skipSpace();
    if (keyword === 'if') {
      this.expression();
    } else if (keyword === 'for') {
      const names = [this.identifier()];
      this.skipSpace();
      if (this.eat(',')) { this.skipSpace(); names.push(this.identifier()); this.skipSpace(); }
      if (this.identifier() !== 'in') this.fail('expected "in" in %{ for }');
      this.skipSpace();
      this.expression();
      this.scopes.push(new Set(names));
      forScopes.push(this.scopes.length);
    } else if (keyword === 'endfor') {
      if (forScopes.pop() === undefined) this.fail('%{ endfor } without %{ for }');
      this.scopes.pop();
    } else if (keyword !== 'else' && keyword !== 'endif') {
      this.fail(`unknown template directive "${keyword}"`);
    }
    this.skipSpace();
    if (this.text[this.pos] === '~') this.pos++;
    this.expect('}');
    this.leaveContext();
  }

  private enterContext(start: number): void {
    if (this.contextDepth === 0) {
      this.contextStart = start;
      this.contextFound = [this.references.length, this.calls.length];
    }
    this.contextDepth++;
  }

  /** Gives what the outermost interpolation found its source text, for messages. */
  private leaveContext(): void {
    this.contextDepth--;
    if (this.contextDepth > 0) return;
    const text = this.text.slice(this.contextStart, this.pos);
    const context = text.length > 240 ? `${text.slice(0, 237)}...` : text;
    for (const r of this.references.slice(this.contextFound[0])) r.context = context;
    for (const c of this.calls.slice(this.contextFound[1])) c.context = context;
  }

  // Expressions, lowest precedence first.

  expression(): void {
    this.binary(0);
    this.skipSpace();
    if (this.eat('?')) {
      this.skipSpace();
      this.expression();
      this.skipSpace();
      this.expect(':');
      this.skipSpace();
      this.expression();
    }
  }

  private static readonly OPERATORS: readonly (readonly string[])[] = [
    ['||'], ['&&'], ['==', '!='], ['<=', '>=', '<', '>'], ['+', '-'], ['*', '/', '%'],
  ];

  private binary(level: number): void {
    if (level === Reader.OPERATORS.length) {
      this.unary();
      return;
    }
    this.binary(level + 1);
    for (;;) {
      this.skipSpace();
      // `=>` (for objects) starts with none of these; `.*` and `[*]` are read as steps.
      const op = Reader.OPERATORS[level].find((o) => this.text.startsWith(o, this.pos));
      if (!op) return;
      this.pos += op.length;
      this.skipSpace();
      this.binary(level + 1);
    }
  }

  private unary(): void {
    this.skipSpace();
    if (this.text[this.pos] === '-' || this.text[this.pos] === '!') {
      this.pos++;
      this.unary();
      return;
    }
    this.postfix(this.primary());
  }

  /** Index, attribute and splat steps after a term; attribute names extend a reference's steps. */
  private postfix(reference: { steps: string[] } | undefined): void {
    let collecting = reference !== undefined;
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === '.' && this.text[this.pos + 1] !== '.') {
        this.pos++;
        if (this.text[this.pos] === '*') { this.pos++; collecting = false; continue; }
        if (/[0-9]/.test(this.text[this.pos] ?? '')) { this.number(); collecting = false; continue; }
        const name = this.identifier();
        if (collecting) reference!.steps.push(name);
        continue;
      }
      if (c === '[') {
        this.pos++;
        this.skipSpace();
        if (this.eat('*')) {
          this.skipSpace();
          this.expect(']');
        } else {
          this.expression();
          this.skipSpace();
          this.expect(']');
        }
        collecting = false;
        continue;
      }
      this.pos = save;
      return;
    }
  }

  /** One term; returns the reference it starts when it is a variable. */
  private primary(): { steps: string[] } | undefined {
    this.skipSpace();
    const t = this.text;
    const c = t[this.pos];
    if (c === undefined) this.fail('the expression ends too early');
    if (/[0-9]/.test(c)) { this.number(); return undefined; }
    if (c === '"') {
      this.pos++;
      this.template('"');
      this.expect('"');
      return undefined;
    }
    if (c === '<' && t[this.pos + 1] === '<') { this.heredoc(); return undefined; }
    if (c === '(') {
      this.pos++;
      this.skipSpace();
      this.expression();
      this.skipSpace();
      this.expect(')');
      return undefined;
    }
    if (c === '[') { this.tuple(); return undefined; }
    if (c === '{') { this.object(); return undefined; }
    if (ID_START.test(c)) {
      let name = this.identifier();
      // Provider-defined functions: provider::<name>::<function>(...)
      while (t.startsWith('::', this.pos)) {
        this.pos += 2;
        name += `::${this.identifier()}`;
      }
      const afterName = this.pos;
      this.skipSpace();
      if (t[this.pos] === '(') {
        this.call(name);
        return undefined;
      }
      this.pos = afterName;
      if (KEYWORD_LITERALS.has(name)) return undefined;
      if (this.inScope(name)) return undefined;
      const reference = { root: name, steps: [] as string[], context: '' };
      this.references.push(reference);
      return reference;
    }
    this.fail(`unexpected "${c}"`);
  }

  private call(name: string): void {
    const call = { name, args: [] as Argument[], context: '' };
    this.calls.push(call);
    this.expect('(');
    this.skipSpace();
    while (this.text[this.pos] !== ')') {
      const start = this.pos;
      const counts = [this.references.length, this.calls.length] as const;
      let template: TemplatePart[] | undefined;
      if (this.text[this.pos] === '"') {
        // A quoted argument on its own: keep its parts (rules about paths read them).
        this.pos++;
        const parts = this.template('"');
        this.expect('"');
        const after = this.pos;
        this.skipSpace();
        if (this.text[this.pos] === ',' || this.text[this.pos] === ')' || this.text.startsWith('...', this.pos)) {
          template = parts;
          this.pos = after;
        } else {
          // A longer expression that starts with a string: read it again, whole.
          this.pos = start;
          this.references.length = counts[0];
          this.calls.length = counts[1];
        }
      }
      if (template === undefined) this.expression();
      call.args.push({ text: this.text.slice(start, this.pos).trim(), ...(template ? { template } : {}) });
      this.skipSpace();
      if (this.text.startsWith('...', this.pos)) { this.pos += 3; this.skipSpace(); }
      if (!this.eat(',')) break;
      this.skipSpace();
    }
    this.skipSpace();
    this.expect(')');
  }

  private tuple(): void {
    this.expect('[');
    this.skipSpace();
    if (this.keywordAhead('for')) {
      this.forExpression(']');
      return;
    }
    while (this.text[this.pos] !== ']') {
      this.expression();
      this.skipSpace();
      if (!this.eat(',')) break;
      this.skipSpace();
    }
    this.skipSpace();
    this.expect(']');
  }

  private object(): void {
    this.expect('{');
    this.skipSpace();
    if (this.keywordAhead('for')) {
      this.forExpression('}');
      return;
    }
    while (this.text[this.pos] !== '}') {
      // A bare name before `=` or `:` is the key itself, not a reference.
      const save = this.pos;
      let literalKey = false;
      if (ID_START.test(this.text[this.pos] ?? '')) {
        this.identifier();
        this.skipSpace();
        literalKey = (this.text[this.pos] === '=' && this.text[this.pos + 1] !== '=' && this.text[this.pos + 1] !== '>') || this.text[this.pos] === ':';
        if (!literalKey) this.pos = save;
      }
      if (!literalKey) {
        this.expression();
        this.skipSpace();
      }
      if (!this.eat('=') && !this.eat(':')) this.fail('expected "=" or ":" after an object key');
      this.skipSpace();
      this.expression();
      this.skipSpace();
      if (this.eat(',')) this.skipSpace();
    }
    this.expect('}');
  }

  /** `[for a, b in coll : expr if cond]` or `{for k, v in coll : key => value... if cond}`. */
  private forExpression(close: ']' | '}'): void {
    this.identifier();
    this.skipSpace();
    const names = [this.identifier()];
    this.skipSpace();
    if (this.eat(',')) { this.skipSpace(); names.push(this.identifier()); this.skipSpace(); }
    if (this.identifier() !== 'in') this.fail('expected "in" in a for expression');
    this.skipSpace();
    this.expression();
    this.skipSpace();
    this.expect(':');
    this.scopes.push(new Set(names));
    this.skipSpace();
    this.expression();
    this.skipSpace();
    if (close === '}') {
      this.expect('=>');
      this.skipSpace();
      this.expression();
      this.skipSpace();
      if (this.text.startsWith('...', this.pos)) this.pos += 3;
      this.skipSpace();
    }
    if (this.keywordAhead('if')) {
      this.identifier();
      this.skipSpace();
      this.expression();
      this.skipSpace();
    }
    this.scopes.pop();
    this.expect(close);
  }

  private heredoc(): void {
    const match = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/.exec(this.text.slice(this.pos));
    if (!match) this.fail('a heredoc needs a marker and a newline after "<<"');
    const marker = match[2];
    const bodyStart = this.pos + match[0].length;
    const end = new RegExp(`\\n[ \\t]*${marker}(?=\\s|$|[,)\\]}])`).exec(this.text.slice(bodyStart - 1));
    if (!end) this.fail(`heredoc "${marker}" is not closed`);
    const body = this.text.slice(bodyStart, bodyStart - 1 + end.index);
    const inner = new Reader(body, this.scopes.reduce((all, s) => new Set([...all, ...s]), new Set<string>()));
    inner.template(undefined);
    this.references.push(...inner.references);
    this.calls.push(...inner.calls);
    this.pos = bodyStart - 1 + end.index + end[0].length;
  }

  private keywordAhead(word: string): boolean {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.pos, this.pos + 64));
    return m !== null && m[0] === word && !this.inScope(word);
  }

  private inScope(name: string): boolean {
    return this.scopes.some((s) => s.has(name));
  }

  private identifier(): string {
    const start = this.pos;
    if (!ID_START.test(this.text[this.pos] ?? '')) this.fail(`expected a name, found "${this.text[this.pos] ?? 'the end'}"`);
    this.pos++;
    while (this.pos < this.text.length && ID_CONTINUE.test(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private number(): void {
    const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
  }

  private skipSpace(): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && /\s/.test(t[this.pos])) this.pos++;
      if (t[this.pos] === '#' || t.startsWith('//', this.pos)) {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
        continue;
      }
      if (t.startsWith('/*', this.pos)) {
        const end = t.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? t.length : end + 2;
        continue;
      }
      return;
    }
  }

  private eat(token: string): boolean {
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected "${token}", found "${this.text[this.pos] ?? 'the end'}"`);
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at character ${this.pos}`);
  }
}
