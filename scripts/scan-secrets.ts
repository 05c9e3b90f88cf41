/**
 * Scans synthesized Terraform JSON for secret-looking values and static
 * credentials. Every secret of this project must appear only as a reference
 * (`${random_password....}`), never as a literal.
 *
 *   npx tsx scripts/scan-secrets.ts cdktf.out/stacks/*\/cdk.tf.json
 */
import { readFileSync } from 'fs';

export interface Finding {
  /** JSON path of the value. */
  readonly path: string;
  readonly reason: string;
  /** The first characters only: findings are printed, secrets must not be. */
  readonly preview: string;
}

/** Well-known credential formats. */
const CREDENTIAL_PATTERNS: readonly [string, RegExp][] = [
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['certificate with key material', /-----BEGIN (RSA |EC )?PRIVATE/],
  ['Azure storage account key', /AccountKey=[A-Za-z0-9+/]{20,}/],
  ['Azure SAS token', /[?&]sig=[A-Za-z0-9%+/=]{20,}/],
  ['JSON web token', /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./],
  ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}/],
  ['AWS access key id', /\bAKIA[0-9A-Z]{16}\b/],
  ['Entra client secret', /\b[A-Za-z0-9_~.-]{3}8Q~[A-Za-z0-9_~.-]{31,34}\b/],
  ['basic-auth URL', /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s:/@]+@/],
];

/** Demo credentials shipped by upstream manifests, which must be replaced. */
const KNOWN_DEMO_VALUES: readonly string[] = ['minio123', 'dGVzdA==', 'changeme', '12341234', 'admin123'];

/** Names of fields that hold credentials. */
const SECRET_NAME = /(^|[_-])(password|passwd|secret|secretkey|secret_key|token|api[_-]?key|access[_-]?key|accesskey|client[_-]?key|private[_-]?key|connection[_-]?string|sas|MYSQL_ROOT_PASSWORD)$/i;

function isReference(value: string): boolean {
  return /^\$\{[^}]+\}$/.test(value.trim()) || value.trim() === '';
}

function walk(value: unknown, path: string, findings: Finding[]): void {
  if (typeof value === 'string') {
    checkString(value, path, findings);
    const trimmed = value.trim();
    if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
      try {
        walk(JSON.parse(trimmed), `${path}<json>`, findings);
      } catch {
        // Not JSON (for example a Terraform expression): already checked as a string.
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, findings));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (typeof child === 'string' && SECRET_NAME.test(key) && !isReference(child)) {
        findings.push({ path: childPath, reason: `field "${key}" holds a literal instead of a reference`, preview: `${child.slice(0, 3)}…` });
      }
      walk(child, childPath, findings);
    }
  }
}

function checkString(value: string, path: string, findings: Finding[]): void {
  for (const [reason, pattern] of CREDENTIAL_PATTERNS) {
    if (pattern.test(value)) findings.push({ path, reason, preview: `${value.slice(0, 12)}…` });
  }
  for (const demo of KNOWN_DEMO_VALUES) {
    if (new RegExp(`(^|[^A-Za-z0-9])${demo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9])`).test(value) && !/^\$\{/.test(value)) {
      findings.push({ path, reason: `upstream demo credential "${demo}"`, preview: `${value.slice(0, 12)}…` });
    }
  }
}

/** Every finding in one synthesized stack. */
export function scanForSecrets(synthesized: unknown): Finding[] {
  const findings: Finding[] = [];
  walk(synthesized, '', findings);
  return findings;
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.includes('--help') || files.includes('-h')) {
    process.stdout.write('usage: scan-secrets <cdk.tf.json>...\n\nReports secret-looking literals and static credentials in synthesized stacks\n(printing only their first characters); exits 1 when it finds any.\n');
    process.exit(0);
  }
  if (files.length === 0) {
    console.error('usage: scan-secrets <cdk.tf.json>...');
    process.exit(2);
  }
  let total = 0;
  for (const file of files) {
    const findings = scanForSecrets(JSON.parse(readFileSync(file, 'utf8')));
    total += findings.length;
    for (const f of findings) console.log(`${file}: ${f.path}: ${f.reason} (${f.preview})`);
  }
  console.log(total === 0 ? `no secret-looking values in ${files.length} stack(s)` : `${total} finding(s)`);
  process.exit(total === 0 ? 0 : 1);
}
