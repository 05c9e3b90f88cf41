import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * `.github/scripts/upsert-comment.js`: the comment job edits only comments the
 * workflow's own bot wrote, each file under the marker its name fixes.
 */
interface Comment { readonly id: number; readonly body: string; readonly user: { readonly login: string; readonly type: string } | null }
interface Upsert {
  upsertAll(args: { github: FakeGithub; context: typeof context; dir: string; bot?: string }): Promise<void>;
  markerFor(name: string): string | undefined;
}
const script = require('../.github/scripts/upsert-comment.js') as Upsert;

const context = { repo: { owner: 'org', repo: 'kubeflow' }, issue: { number: 7 } };
const bot = { login: 'github-actions[bot]', type: 'Bot' };
const person = { login: 'mallory', type: 'User' };

class FakeGithub {
  public readonly updated: { comment_id: number; body: string }[] = [];
  public readonly created: { body: string }[] = [];
  public readonly rest = {
    issues: {
      listComments: () => undefined,
      updateComment: async (args: { comment_id: number; body: string }) => { this.updated.push({ comment_id: args.comment_id, body: args.body }); },
      createComment: async (args: { body: string }) => { this.created.push({ body: args.body }); },
    },
  };
  constructor(private readonly comments: readonly Comment[]) {}
  async paginate(): Promise<readonly Comment[]> { return this.comments; }
}

function commentsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'comments-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

const preview = '<!-- kubeflow-aks-preview -->\n## Preview\n';
const plan = '<!-- kubeflow-aks-plan:prod-cluster -->\n## Plan: prod-cluster\n';

describe('upsert-comment.js', () => {
  test('updates the bot\'s own comment with the marker', async () => {
    const github = new FakeGithub([{ id: 1, body: '<!-- kubeflow-aks-preview -->\nold', user: bot }]);
    await script.upsertAll({ github, context, dir: commentsDir({ 'preview.md': preview }) });
    expect(github.updated).toEqual([{ comment_id: 1, body: preview }]);
    expect(github.created).toEqual([]);
  });

  test('never edits a comment someone else wrote with the same marker, nor another bot\'s', async () => {
    const github = new FakeGithub([
      { id: 1, body: '<!-- kubeflow-aks-preview -->\nlooks like ours', user: person },
      { id: 2, body: '<!-- kubeflow-aks-preview -->\nanother app', user: { login: 'renovate[bot]', type: 'Bot' } },
      { id: 3, body: '<!-- kubeflow-aks-preview -->\nghost', user: null },
      { id: 4, body: '<!-- kubeflow-aks-plan:dev-cluster -->\nour other comment', user: bot },
    ]);
    await script.upsertAll({ github, context, dir: commentsDir({ 'preview.md': preview, 'plan-prod-cluster.md': plan }) });
    expect(github.updated).toEqual([]);
    expect(github.created).toEqual([{ body: plan }, { body: preview }]);
  });

  test('a summary cannot take over another comment: the file name fixes the marker', async () => {
    const github = new FakeGithub([]);
    await expect(script.upsertAll({ github, context, dir: commentsDir({ 'plan-dev-cluster.md': plan }) })).rejects.toThrow(/must start with <!-- kubeflow-aks-plan:dev-cluster -->/);
    await expect(script.upsertAll({ github, context, dir: commentsDir({ 'notes.md': preview }) })).rejects.toThrow(/not a comment file this workflow writes/);
    expect(script.markerFor('plan-prod-platform.md')).toBe('<!-- kubeflow-aks-plan:prod-platform -->');
    expect(github.created).toEqual([]);
  });

  test('nothing to post when no job handed over a comment', async () => {
    const github = new FakeGithub([]);
    await script.upsertAll({ github, context, dir: join(tmpdir(), 'does-not-exist-19') });
    expect([github.created, github.updated]).toEqual([[], []]);
  });
});
