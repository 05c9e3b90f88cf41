import { readFileSync } from 'fs';
import { z } from 'zod';
import { RULES } from '../environments';
import { environmentSchema } from '../environments/schema';
import { integer, object } from '../environments/schema/kit';
import { SETTINGS_DOC, renderSettingsDoc, settingRows } from '../scripts/docs/settings';

describe('the settings reference in docs/environments.md', () => {
  test('is what the schema generates (run npm run docs:settings after changing a setting)', () => {
    const page = readFileSync(SETTINGS_DOC, 'utf8');
    // Compared line by line so a failure names the first row that drifted.
    expect({ hint: 'run npm run docs:settings', page: renderSettingsDoc(page).split('\n') }).toEqual({ hint: 'run npm run docs:settings', page: page.split('\n') });
  });

  test('has a row for every setting with its default and range, e.g. notebooks.idleMinutes', () => {
    const row = settingRows().find((r) => r.path === 'notebooks.idleMinutes');
    expect(row).toMatchObject({ type: 'whole number', default: '`60`', accepts: '10 to 10080' });
    expect(readFileSync(SETTINGS_DOC, 'utf8')).toContain('| `notebooks.idleMinutes` | whole number | `60` | 10 to 10080 |');
  });

  test('lists every named rule', () => {
    const page = readFileSync(SETTINGS_DOC, 'utf8');
    for (const rule of RULES) expect(page).toContain(`| \`${rule.name}\` |`);
  });
});

describe('the generator follows the schema', () => {
  const page = ['# x', '<!-- BEGIN SETTINGS name stage -->', '<!-- END SETTINGS -->', '<!-- BEGIN SETTINGS rest -->', 'stale', '<!-- END SETTINGS -->', '<!-- BEGIN RULES -->', '<!-- END RULES -->', ''].join('\n');
  const schema = (idleDefault: number, max: number) => object({
    name: z.string().meta({ description: 'The name.' }),
    stage: z.enum(['dev', 'prod']).default('dev'),
    rest: object({ idleMinutes: integer(10, max).default(idleDefault).meta({ description: 'Idle time.' }) }).prefault({}),
  });

  test('a changed default or range changes the generated row', () => {
    const before = renderSettingsDoc(page, schema(60, 10080), []);
    const after = renderSettingsDoc(page, schema(90, 20000), []);
    expect(before).toContain('| `rest.idleMinutes` | whole number | `60` | 10 to 10080 | Idle time. |');
    expect(after).toContain('| `rest.idleMinutes` | whole number | `90` | 10 to 20000 | Idle time. |');
    expect(before).not.toContain('stale');
    expect(before).toContain('| `name` | text | required |  | The name. |');
  });

  test('a top-level setting missing from every block is an error, naming it', () => {
    const withExtra = object({ ...schema(60, 10080).shape, extra: z.boolean().optional() });
    expect(() => renderSettingsDoc(page, withExtra, [])).toThrow(/extra \(0 blocks\)/);
  });

  test('a block naming a setting the schema does not have is an error', () => {
    expect(() => renderSettingsDoc(page.replace('name stage', 'name stage ghost'), schema(60, 10080), [])).toThrow(/"ghost"/);
  });

  test('the environment schema has rows for every top-level setting', () => {
    const tops = new Set(settingRows(environmentSchema).map((r) => r.top));
    expect([...tops].sort()).toEqual(Object.keys(environmentSchema.shape).sort());
  });
});
