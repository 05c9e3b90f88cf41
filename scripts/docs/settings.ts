/**
 * `npm run docs:settings`: writes the settings tables of docs/environments.md from
 * the environment schema (environments/schema), and the table of rules between
 * settings from environments/rules.ts. Each table sits between marker comments:
 *
 *   <!-- BEGIN SETTINGS name stage location -->   the rows of these top-level settings
 *   <!-- END SETTINGS -->
 *   <!-- BEGIN RULES -->                          every named rule
 *   <!-- END RULES -->
 *
 * Every top-level setting must appear in exactly one block. `--check` writes nothing
 * and exits 1 when the committed page differs (CI runs it through the test suite).
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { RULES, type Rule } from '../../environments/rules';
import { environmentSchema } from '../../environments/schema';

/** The part of a JSON Schema node the reference reads (zod's `toJSONSchema`, with this project's metadata). */
interface Node {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly Node[];
  readonly oneOf?: readonly Node[];
  readonly items?: Node;
  readonly properties?: Readonly<Record<string, Node>>;
  readonly additionalProperties?: Node | boolean;
  readonly required?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
  readonly description?: string;
  readonly defaultText?: string;
  readonly accepts?: string;
  readonly forbidden?: boolean;
  readonly typeText?: string;
}

export interface SettingRow {
  readonly path: string;
  /** Top-level setting the row belongs to. */
  readonly top: string;
  readonly type: string;
  readonly default: string;
  readonly accepts: string;
  readonly description: string;
}

const literal = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));
const code = (text: string): string => `\`${text.replace(/`/g, '\'')}\``;

function typeOf(node: Node): string {
  if (node.typeText) return node.typeText;
  if (node.const !== undefined) return code(literal(node.const));
  if (node.enum) return 'text';
  if (node.anyOf) return [...new Set(node.anyOf.map(typeOf))].join(' or ');
  if (node.oneOf) return 'one of the variants below';
  if (node.type === 'array') return node.items && Object.keys(node.items).length > 0 ? `list of ${typeOf(node.items)}` : 'list';
  if (node.type === 'integer') return 'whole number';
  if (node.type === 'object') return node.properties ? 'object' : 'map';
  if (typeof node.type === 'string') return node.type === 'string' ? 'text' : node.type;
  return 'any';
}

function acceptsOf(node: Node): string {
  if (node.accepts) return node.accepts;
  if (node.enum) return node.enum.map((v) => code(literal(v))).join(', ');
  if (node.anyOf && node.anyOf.every((n) => n.const !== undefined)) return node.anyOf.map((n) => code(literal(n.const))).join(', ');
  if (node.minimum !== undefined && node.maximum !== undefined) return `${node.minimum} to ${node.maximum}`;
  if (node.type === 'boolean') return '`true`, `false`';
  if (node.type === 'array' && node.items) return acceptsOf(node.items);
  return '';
}

function defaultOf(node: Node, required: boolean): string {
  if (node.defaultText) return node.defaultText;
  if (node.default !== undefined && !(typeof node.default === 'object' && node.default !== null && !Array.isArray(node.default) && Object.keys(node.default).length === 0 && node.properties)) {
    return code(literal(node.default));
  }
  if (required) return 'required';
  // An optional list without a declared default (its items are preprocessed) is empty when left out.
  return node.type === 'array' ? '`[]`' : 'none';
}

/** Every setting of the schema as a row, in declaration order; objects are flattened into dotted paths. */
export function settingRows(schema: z.ZodType = environmentSchema): SettingRow[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
  const rows: SettingRow[] = [];
  const visit = (node: Node, path: string, top: string, required: boolean, variant: string) => {
    const row = (n: Node) => rows.push({
      path: `${path}${variant}`, top, type: typeOf(n), default: defaultOf(n, required), accepts: acceptsOf(n), description: n.description ?? '',
    });
    if (node.oneOf) {
      row(node);
      for (const option of node.oneOf) {
        const tag = Object.entries(option.properties ?? {}).find(([, n]) => n.const !== undefined);
        const label = tag ? ` (${tag[0]} ${literal(tag[1].const)})` : '';
        for (const [key, child] of Object.entries(option.properties ?? {})) {
          if (child.forbidden || child.const !== undefined) continue;
          visit(child, `${path}.${key}`, top, (option.required ?? []).includes(key), label);
        }
      }
      return;
    }
    if (node.type === 'object' && node.properties) {
      if (path.includes('[]') || required || node.defaultText) row(node);
      for (const [key, child] of Object.entries(node.properties)) visit(child, `${path}.${key}`, top, (node.required ?? []).includes(key), variant);
      return;
    }
    if (node.type === 'array' && node.items?.properties) {
      row(node);
      for (const [key, child] of Object.entries(node.items.properties)) visit(child, `${path}[].${key}`, top, (node.items.required ?? []).includes(key), variant);
      return;
    }
    row(node);
  };
  for (const [key, child] of Object.entries(root.properties ?? {})) visit(child, key, key, (root.required ?? []).includes(key), '');
  return rows;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function settingsTable(rows: readonly SettingRow[]): string {
  return [
    '| setting | type | default | accepted | description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${cell(code(r.path))} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.accepts)} | ${cell(r.description)} |`),
  ].join('\n');
}

export function rulesTable(rules: readonly Rule[]): string {
  return [
    '| rule | checks | reads |',
    '| --- | --- | --- |',
    ...rules.map((r) => `| ${code(r.name)} | ${cell(r.description)} | ${r.needs.length > 0 ? r.needs.map(code).join(', ') : 'whatever resolved'} |`),
  ].join('\n');
}

const BLOCK = /(<!-- BEGIN SETTINGS ([^>]*?) -->\n)(?:[\s\S]*?\n)??(<!-- END SETTINGS -->)/g;
const RULES_BLOCK = /(<!-- BEGIN RULES -->\n)(?:[\s\S]*?\n)??(<!-- END RULES -->)/;

/** The page with every block regenerated. Throws when a top-level setting is in no block or in two. */
export function renderSettingsDoc(page: string, schema: z.ZodType = environmentSchema, rules: readonly Rule[] = RULES): string {
  const rows = settingRows(schema);
  const tops = [...new Set(rows.map((r) => r.top))];
  const placed = new Map<string, number>();
  const text = page.replace(BLOCK, (_all, begin: string, list: string, end: string) => {
    const keys = list.split(/\s+/).filter(Boolean);
    for (const key of keys) {
      if (!tops.includes(key)) throw new Error(`docs/environments.md names "${key}" in a settings block, but the schema has no such top-level setting (${tops.join(', ')})`);
      placed.set(key, (placed.get(key) ?? 0) + 1);
    }
    return `${begin}${settingsTable(rows.filter((r) => keys.includes(r.top)))}\n${end}`;
  });
  const missing = tops.filter((t) => placed.get(t) !== 1);
  if (missing.length > 0) throw new Error(`every top-level setting belongs to exactly one settings block of docs/environments.md: ${missing.map((m) => `${m} (${placed.get(m) ?? 0} blocks)`).join(', ')}`);
  if (!RULES_BLOCK.test(text)) throw new Error('docs/environments.md has no <!-- BEGIN RULES --> ... <!-- END RULES --> block');
  return text.replace(RULES_BLOCK, (_all, begin: string, end: string) => `${begin}${rulesTable(rules)}\n${end}`);
}

export const SETTINGS_DOC = join(__dirname, '..', '..', 'docs', 'environments.md');

if (require.main === module) {
  const check = process.argv.includes('--check');
  const page = readFileSync(SETTINGS_DOC, 'utf8');
  const next = renderSettingsDoc(page);
  if (check) {
    if (next !== page) {
      console.error('docs/environments.md differs from the schema: run npm run docs:settings');
      process.exitCode = 1;
    }
  } else if (next !== page) {
    writeFileSync(SETTINGS_DOC, next);
    console.log('docs/environments.md: settings tables regenerated');
  } else {
    console.log('docs/environments.md: settings tables already current');
  }
}
