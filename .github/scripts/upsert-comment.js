// Posts a pull-request comment, or updates the one that carries the same
// marker (an HTML comment on the body's first line), so each push refreshes
// the comment instead of adding another. Called from actions/github-script.
const fs = require('fs');

module.exports = async ({ github, context, file }) => {
  const body = fs.readFileSync(file, 'utf8');
  const marker = body.split('\n', 1)[0];
  if (!/^<!-- [\w:.-]+ -->$/.test(marker)) throw new Error(`${file} does not start with a comment marker`);
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const existing = comments.find((c) => c.body && c.body.startsWith(marker));
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
};
