// Posts a pull-request comment, or updates the one this workflow's bot wrote
// before with the same marker (an HTML comment on the body's first line), so
// each push refreshes the comment instead of adding another. Called from
// actions/github-script in the comment jobs of pull-request.yml.
//
// Only comments written by the workflow's own bot (GITHUB_TOKEN comments are
// user `github-actions[bot]`, type `Bot`) are ever edited: a comment by anyone
// else that starts with the same marker is left alone. Each file's marker is
// fixed by its name, so a summary cannot take over another stack's comment.
const fs = require('fs');
const path = require('path');

/** The user GITHUB_TOKEN writes as. A GitHub App token writes as `<app-slug>[bot]`: pass `bot`. */
const WORKFLOW_BOT = 'github-actions[bot]';

/** The marker a comment file must start with, from its name; undefined for any other file. */
function markerFor(fileName) {
  if (fileName === 'preview.md') return '<!-- kubeflow-aks-preview -->';
  const plan = /^plan-([a-z][a-z0-9]{1,9}-(?:cluster|platform))\.md$/.exec(fileName);
  return plan ? `<!-- kubeflow-aks-plan:${plan[1]} -->` : undefined;
}

/** Whether a comment is one this workflow wrote. */
function isOwnComment(comment, bot = WORKFLOW_BOT) {
  return Boolean(comment.user && comment.user.type === 'Bot' && comment.user.login === bot);
}

async function upsert({ github, context, file, marker, bot = WORKFLOW_BOT }) {
  const body = fs.readFileSync(file, 'utf8');
  const first = body.split('\n', 1)[0];
  if (first !== marker) throw new Error(`${file} must start with ${marker}, found ${JSON.stringify(first.slice(0, 80))}`);
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const existing = comments.find((c) => isOwnComment(c, bot) && typeof c.body === 'string' && c.body.split('\n', 1)[0] === marker);
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
}

/** Every comment file of `dir` (preview.md, plan-<stack>.md), each with the marker its name fixes. */
async function upsertAll({ github, context, dir, bot = WORKFLOW_BOT }) {
  if (!fs.existsSync(dir)) {
    console.log(`${dir}: no comments to post`);
    return;
  }
  for (const name of fs.readdirSync(dir).sort()) {
    const marker = markerFor(name);
    if (!marker) throw new Error(`${path.join(dir, name)}: not a comment file this workflow writes (preview.md, plan-<stack>.md)`);
    await upsert({ github, context, file: path.join(dir, name), marker, bot });
  }
}

module.exports = { upsert, upsertAll, isOwnComment, markerFor, WORKFLOW_BOT };
