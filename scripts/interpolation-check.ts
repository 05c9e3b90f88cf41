/**
 * Fails when a synthesized stack holds an interpolation that refers to
 * something the stack itself does not declare: text that reached the
 * configuration from outside (an environment file, a chart value) and would be
 * evaluated by Terraform as code.
 *
 *   npm run interpolation:check -- cdktf.out/stacks/*\/cdk.tf.json
 *
 * What a stack may refer to is derived from the stack: its resources, data
 * sources, ephemeral resources, locals, variables, modules and provider
 * configurations, plus what the language itself provides (`path.module`,
 * `terraform.workspace`, `count.index` and `each` in blocks that repeat,
 * `self` in provisioners and postconditions, for-expression, template `for`
 * and dynamic-block variables). Functions must be Terraform functions: the
 * catalogue cdktf generates its `Fn` class from (`terraform metadata
 * functions`). Functions that read files of the machine running the plan may
 * read only under the stack folder (a path that starts at `path.module`), and
 * `pathexpand` (the home folder of whoever runs the plan) is refused.
 *
 * Provisioner commands (`local-exec`) are shell: they take every input through
 * `environment`, so the command text holds no interpolation at all, and they
 * use each of those variables in double quotes.
 *
 * Environment text is refused earlier, at validation (environments/template-text.ts);
 * this check is the net under it, for whatever a construct or a fork adds.
 */
import { readFileSync } from 'fs';
import { runCommand } from './run-command';
import { FunctionCall, Reference, TemplateScan, scanExpression, scanTemplate } from './hcl-template';

export interface InterpolationFinding {
  /** JSON path of the string in the stack. */
  readonly path: string;
  /** The interpolation (or command) the problem is in. */
  readonly expression: string;
  readonly reason: string;
}

/** What a stack declares, by the names expressions use. */
interface Declared {
  readonly resources: ReadonlySet<string>;
  readonly data: ReadonlySet<string>;
  readonly ephemeral: ReadonlySet<string>;
  readonly locals: ReadonlySet<string>;
  readonly variables: ReadonlySet<string>;
  readonly modules: ReadonlySet<string>;
  /** `name` and `name.alias` of every provider configuration. */
  readonly providers: ReadonlySet<string>;
  /** Local names in `terraform.required_providers` (for `provider::<name>::<function>`). */
  readonly requiredProviders: ReadonlySet<string>;
}

/** Where in a block a string sits: what the language lets it refer to there. */
interface Context {
  readonly count: boolean;
  readonly forEach: boolean;
  readonly self: boolean;
  readonly iterators: ReadonlySet<string>;
}

const TOP: Context = { count: false, forEach: false, self: false, iterators: new Set() };

const LANGUAGE_OBJECTS: Readonly<Record<string, readonly string[]>> = {
  path: ['module', 'root', 'cwd'],
  terraform: ['workspace', 'applying'],
};

let functionCatalogue: ReadonlySet<string> | undefined;

/**
 * Terraform's functions, as the catalogue cdktf 0.21 generated its `Fn` class from
 * (`cdktf/lib/functions/terraform-functions.generated.js`): derived, not a hand list.
 */
export function terraformFunctions(): ReadonlySet<string> {
  if (functionCatalogue) return functionCatalogue;
  const file = require.resolve('cdktf/lib/functions/terraform-functions.generated.js');
  const names = [...readFileSync(file, 'utf8').matchAll(/terraformFunction\)\("([a-z0-9_]+)"/g)].map((m) => m[1]);
  if (names.length < 50) throw new Error(`${file}: found ${names.length} Terraform functions, expected the catalogue (over 100): has cdktf changed its layout?`);
  functionCatalogue = new Set(names);
  return functionCatalogue;
}

/** Functions that read a file of the machine that runs the plan (their first argument is a path). */
function readsLocalFile(name: string): boolean {
  return /^file/.test(name) || name === 'templatefile';
}

/** Every interpolation of a synthesized stack that refers to something the stack did not create. */
export function checkInterpolations(stack: unknown): InterpolationFinding[] {
  const root = isRecord(stack) ? stack : {};
  const declared = declarations(root);
  const findings: InterpolationFinding[] = [];
  for (const [key, value] of Object.entries(root)) {
    // Backend and provider requirements take no expressions; the engine check refuses any.
    if (key === 'terraform' || key === '//') continue;
    if (key === 'resource' || key === 'data' || key === 'ephemeral') {
      for (const [type, byName] of Object.entries(isRecord(value) ? value : {})) {
        for (const [name, body] of Object.entries(isRecord(byName) ? byName : {})) {
          for (const [i, block] of blocks(body)) walkBlock(block, `${key}.${type}.${name}${i}`, blockContext(block), declared, findings);
        }
      }
    } else if (key === 'module' || key === 'output' || key === 'variable' || key === 'check') {
      for (const [name, body] of Object.entries(isRecord(value) ? value : {})) {
        for (const [i, block] of blocks(body)) walkBlock(block, `${key}.${name}${i}`, key === 'module' ? blockContext(block) : TOP, declared, findings);
      }
    } else if (key === 'provider') {
      for (const [name, body] of Object.entries(isRecord(value) ? value : {})) {
        for (const [i, block] of blocks(body)) walkBlock(block, `provider.${name}${i}`, TOP, declared, findings);
      }
    } else if (key === 'locals') {
      for (const [i, block] of blocks(value)) walkBlock(block, `locals${i}`, TOP, declared, findings);
    } else if (key === 'moved' || key === 'import' || key === 'removed') {
      for (const [i, block] of blocks(value)) walkBlock(block, `${key}${i}`, TOP, declared, findings);
    } else {
      walkValue(value, key, TOP, declared, findings);
    }
  }
  return findings;
}

function declarations(root: Record<string, unknown>): Declared {
  const names = (value: unknown): string[] => Object.keys(isRecord(value) ? value : {});
  const typed = (value: unknown): string[] => names(value).flatMap((type) => names((value as Record<string, unknown>)[type]).map((n) => `${type}.${n}`));
  const providers = new Set<string>();
  for (const [name, body] of Object.entries(isRecord(root.provider) ? root.provider : {})) {
    for (const [, block] of blocks(body)) providers.add(typeof block.alias === 'string' ? `${name}.${block.alias}` : name);
  }
  const locals = blocks(root.locals).flatMap(([, block]) => Object.keys(block));
  const terraform = isRecord(root.terraform) ? root.terraform : {};
  const required = blocks(terraform.required_providers).flatMap(([, block]) => Object.keys(block));
  return {
    resources: new Set(typed(root.resource)),
    data: new Set(typed(root.data)),
    ephemeral: new Set(typed(root.ephemeral)),
    locals: new Set(locals),
    variables: new Set(names(root.variable)),
    modules: new Set(names(root.module)),
    providers,
    requiredProviders: new Set(required),
  };
}

/** A block body is an object, or (JSON syntax) a list of objects; `[i]` suffixes name list items. */
function blocks(value: unknown): [string, Record<string, unknown>][] {
  if (Array.isArray(value)) return value.filter(isRecord).map((b, i) => [`[${i}]`, b]);
  return isRecord(value) ? [['', value]] : [];
}

function blockContext(block: Record<string, unknown>): Context {
  return { ...TOP, count: block.count !== undefined, forEach: block.for_each !== undefined };
}

/** Meta-arguments Terraform reads as bare references (not templates). */
const REFERENCE_LISTS = new Set(['depends_on', 'replace_triggered_by']);

function walkBlock(block: Record<string, unknown>, path: string, context: Context, declared: Declared, findings: InterpolationFinding[]): void {
  for (const [key, value] of Object.entries(block)) {
    const here = `${path}.${key}`;
    if (key === '//') continue;
    if (REFERENCE_LISTS.has(key)) {
      (Array.isArray(value) ? value : [value]).forEach((item, i) => {
        if (typeof item === 'string') report(scanExpression(item), `${here}[${i}]`, item, context, declared, findings);
      });
    } else if (key === 'provider' && typeof value === 'string') {
      if (!declared.providers.has(value)) findings.push({ path: here, expression: value, reason: `no provider configuration "${value}" in this stack` });
    } else if (key === 'lifecycle') {
      for (const [i, lifecycle] of blocks(value)) {
        for (const [lkey, lvalue] of Object.entries(lifecycle)) {
          // Attribute names, not expressions.
          if (lkey === 'ignore_changes' || lkey === 'create_before_destroy' || lkey === 'prevent_destroy') continue;
          if (lkey === 'replace_triggered_by') {
            (Array.isArray(lvalue) ? lvalue : []).forEach((item, j) => {
              if (typeof item === 'string') report(scanExpression(item), `${here}${i}.${lkey}[${j}]`, item, context, declared, findings);
            });
          } else {
            // Pre- and postconditions; `self` is the resource itself in a postcondition.
            walkValue(lvalue, `${here}${i}.${lkey}`, lkey === 'postcondition' ? { ...context, self: true } : context, declared, findings);
          }
        }
      }
    } else if (key === 'provisioner') {
      for (const [i, provisioner] of blocks(value)) {
        for (const [kind, body] of Object.entries(provisioner)) {
          const inner = { ...context, self: true };
          if (kind === 'local-exec') checkLocalExec(body, `${here}${i}.${kind}`, inner, declared, findings);
          else walkValue(body, `${here}${i}.${kind}`, inner, declared, findings);
        }
      }
    } else if (key === 'connection') {
      walkValue(value, here, { ...context, self: true }, declared, findings);
    } else if (key === 'dynamic' && isRecord(value)) {
      for (const [label, dyn] of Object.entries(value)) {
        for (const [i, body] of blocks(dyn)) {
          const iterator = typeof body.iterator === 'string' ? body.iterator : label;
          for (const [dkey, dvalue] of Object.entries(body)) {
            if (dkey === 'content') {
              for (const [j, content] of blocks(dvalue)) {
                walkBlock(content, `${here}.${label}${i}.content${j}`, { ...context, iterators: new Set([...context.iterators, iterator]) }, declared, findings);
              }
            } else if (dkey !== 'iterator') {
              walkValue(dvalue, `${here}.${label}${i}.${dkey}`, context, declared, findings);
            }
          }
        }
      }
    } else {
      walkValue(value, here, context, declared, findings);
    }
  }
}

function walkValue(value: unknown, path: string, context: Context, declared: Declared, findings: InterpolationFinding[]): void {
  if (typeof value === 'string') {
    report(scanTemplate(value, context.iterators), path, value, context, declared, findings);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walkValue(item, `${path}[${i}]`, context, declared, findings));
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '//') continue;
      // Property names of an object expression are templates too.
      report(scanTemplate(key, context.iterators), `${path}{key ${JSON.stringify(key.slice(0, 40))}}`, key, context, declared, findings);
      walkValue(child, `${path}.${key}`, context, declared, findings);
    }
  }
}

/** A local-exec command is shell: no interpolation in its text, its environment variables used in double quotes only. */
function checkLocalExec(body: unknown, path: string, context: Context, declared: Declared, findings: InterpolationFinding[]): void {
  if (!isRecord(body)) return;
  const environment = isRecord(body.environment) ? body.environment : {};
  for (const [key, value] of Object.entries(body)) {
    if (key !== 'command') walkValue(value, `${path}.${key}`, context, declared, findings);
  }
  const command = body.command;
  if (typeof command !== 'string') return;
  const scan = scanTemplate(command, context.iterators);
  report(scan, `${path}.command`, command, context, declared, findings);
  if (scan.dynamic) {
    findings.push({
      path: `${path}.command`,
      expression: shorten(command),
      reason: 'a provisioner command holds a Terraform interpolation: pass the value in the provisioner\'s environment and read it as "$NAME" in the script',
    });
  }
  for (const name of unquotedVariables(command, Object.keys(environment))) {
    findings.push({ path: `${path}.command`, expression: `$${name}`, reason: `the script uses environment variable ${name} outside double quotes: write "$${name}" so the shell neither splits nor expands its value` });
  }
}

/**
 * Environment variables of `names` the script expands outside double quotes
 * (`$NAME` or `${NAME…}`). Single-quoted text does not expand; Terraform's
 * `$${` is a literal `${` to the shell.
 */
export function unquotedVariables(script: string, names: readonly string[]): string[] {
  const text = script.replace(/\$\$\{/g, '${');
  const found = new Set<string>();
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") { if (c === "'") quote = undefined; continue; }
    if (c === '\\') { i++; continue; }
    if (c === '"') { quote = quote === '"' ? undefined : '"'; continue; }
    if (c === "'" && quote === undefined) { quote = "'"; continue; }
    if (c === '$' && quote === undefined) {
      const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
      if (m && names.includes(m[1])) found.add(m[1]);
    }
  }
  return [...found];
}

function report(scan: TemplateScan, path: string, source: string, context: Context, declared: Declared, findings: InterpolationFinding[]): void {
  if (scan.error) {
    findings.push({ path, expression: shorten(source), reason: `not a valid Terraform template: ${scan.error}` });
  }
  for (const reference of scan.references) {
    const reason = unknownReference(reference, context, declared);
    if (reason) findings.push({ path, expression: reference.context || shorten(source), reason });
  }
  for (const call of scan.calls) {
    const reason = refusedCall(call, declared);
    if (reason) findings.push({ path, expression: call.context || shorten(source), reason });
  }
}

function unknownReference(reference: Reference, context: Context, declared: Declared): string | undefined {
  const { root, steps } = reference;
  const shown = [root, ...steps].join('.');
  const need = (n: number) => steps.length < n ? `"${shown}" is incomplete` : undefined;
  switch (root) {
    case 'var': return need(1) ?? (declared.variables.has(steps[0]) ? undefined : `refers to var.${steps[0]}, a variable this stack does not declare`);
    case 'local': return need(1) ?? (declared.locals.has(steps[0]) ? undefined : `refers to local.${steps[0]}, a local value this stack does not declare`);
    case 'module': return need(1) ?? (declared.modules.has(steps[0]) ? undefined : `refers to module.${steps[0]}, a module this stack does not call`);
    case 'data': return need(2) ?? (declared.data.has(`${steps[0]}.${steps[1]}`) ? undefined : `refers to data.${steps[0]}.${steps[1]}, a data source this stack does not declare`);
    case 'ephemeral': return need(2) ?? (declared.ephemeral.has(`${steps[0]}.${steps[1]}`) ? undefined : `refers to ephemeral.${steps[0]}.${steps[1]}, which this stack does not declare`);
    case 'count': return context.count && steps[0] === 'index' ? undefined : `"${shown}" is valid only as count.index in a block with count`;
    case 'each': return context.forEach && (steps[0] === 'key' || steps[0] === 'value') ? undefined : `"${shown}" is valid only as each.key or each.value in a block with for_each`;
    case 'self': return context.self ? undefined : '"self" is valid only in provisioners, connections and postconditions';
    default:
      break;
  }
  if (context.iterators.has(root)) return undefined;
  const language = LANGUAGE_OBJECTS[root];
  if (language) return steps.length > 0 && language.includes(steps[0]) ? undefined : `"${shown}" is not an attribute of ${root} (accepted: ${language.map((a) => `${root}.${a}`).join(', ')})`;
  if (steps.length === 0) return `"${root}" names nothing this stack declares (a bare name is not a value: was text meant literally? Terraform reads "\${" as the start of an expression)`;
  if (declared.resources.has(`${root}.${steps[0]}`)) return undefined;
  return `refers to ${root}.${steps[0]}, which is not a resource of this stack: only what the stack's constructs create may be referenced`;
}

function refusedCall(call: FunctionCall, declared: Declared): string | undefined {
  if (call.name.startsWith('provider::')) {
    const provider = call.name.split('::')[1];
    return declared.requiredProviders.has(provider) ? undefined : `calls ${call.name}, a function of provider "${provider}", which this stack does not require`;
  }
  if (!terraformFunctions().has(call.name)) return `calls ${call.name}(), which is not a Terraform function`;
  if (call.name === 'pathexpand') return 'calls pathexpand(), which reads the home folder of whoever runs the plan: nothing of this project needs it';
  if (readsLocalFile(call.name)) {
    const first = call.args[0]?.template;
    const anchored = first !== undefined && first.length > 0 && 'interpolation' in first[0]
      && /^\s*(abspath\(\s*path\.module\s*\)|path\.module)\s*$/.test(first[0].interpolation)
      && first.slice(1).every((part) => 'literal' in part);
    if (!anchored) return `calls ${call.name}() on a path that does not start at path.module: a stack reads only files under its own folder (the path must be "\${path.module}/…" with no other interpolation)`;
  }
  return undefined;
}

function shorten(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 160 ? `${one.slice(0, 157)}...` : one;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function main(argv: string[]): number {
  const files = argv.filter((a) => !a.startsWith('-'));
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('usage: interpolation-check <cdk.tf.json>...\n\nFails when an interpolation of a synthesized stack refers to something the stack\ndoes not declare, calls something that is not a Terraform function, reads files\noutside the stack folder, or when a provisioner command interpolates its inputs.\n');
    return 0;
  }
  if (files.length === 0) {
    console.error('usage: interpolation-check <cdk.tf.json>...');
    return 2;
  }
  let total = 0;
  for (const file of files) {
    const findings = checkInterpolations(JSON.parse(readFileSync(file, 'utf8')));
    total += findings.length;
    for (const f of findings) console.log(`${file}: ${f.path}: ${f.reason}\n    in: ${f.expression}`);
  }
  console.log(total === 0
    ? `every interpolation of ${files.length} stack(s) refers only to what the stack declares`
    : `${total} interpolation problem(s): text that Terraform would evaluate as code`);
  return total === 0 ? 0 : 1;
}

if (require.main === module) runCommand(main);
