import { Checker, isObject } from './checker';

/**
 * Terraform reads every string of a synthesized stack as a template: `${…}` is
 * an expression and `%{…}` a directive, evaluated at plan time. An environment
 * file is data, so no text of it may start one: a tag value
 * `OPS-${random_password.….result}` would publish a generated password in the
 * tags of every resource, a display name `${file(pathexpand("~/…"))}` would read
 * files of the machine that runs the plan, and `${COST_CENTER}` breaks every plan.
 *
 * One walk over the whole environment object, names and values, whatever the
 * setting (so a setting a fork adds is covered too). The escapes `$${` and
 * `%%{` are refused as well: they contain the sequence, and a value that needs
 * them is not configuration text.
 */
export function checkTemplateText(c: Checker, environment: Record<string, unknown>): void {
  walk(c, environment, '', new Set());
}

const SEQUENCE = /[$%]\{/;

function walk(c: Checker, value: unknown, path: string, seen: Set<object>): void {
  if (typeof value === 'string') {
    if (SEQUENCE.test(value)) c.fail(path || '(environment)', value, refusal(value, 'text'));
    return;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(c, item, `${path}[${i}]`, seen));
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const setting = settingPath(path, key);
    if (SEQUENCE.test(key)) c.fail(setting, key, refusal(key, 'a name'));
    walk(c, child, setting, seen);
  }
}

/** `a.b` for names that are identifiers, `a["x y"]` for the others (as the unknown-setting check prints them). */
function settingPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function refusal(text: string, what: 'text' | 'a name'): string {
  const found = [...new Set(text.match(/[$%]\{/g))].map((s) => `"${s}"`).join(' and ');
  return `${what === 'a name' ? 'this name contains' : 'contains'} ${found}, which Terraform reads as the start of an expression and evaluates at plan time `
    + '(the environment file is data, not code): accepted: text without "${" or "%{"; no escape is accepted either ("$${", "%%{")';
}
