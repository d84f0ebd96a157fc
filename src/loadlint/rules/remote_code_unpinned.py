"""LL030 remote-code-unpinned."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.rules._revision import is_commit, pin_fix
from loadlint.tables.model import Tables


class RemoteCodeUnpinned(Rule):
    """
    ## What it does
    Checks loads with `trust_remote_code=True` whose `revision=` (or `code_revision=`, which pins the
    code alone) is not a 40-hex commit: missing, a branch, a tag or a short hash. Revisions are
    read through constants like the model id; a revision that is not a constant is not judged. Only
    a repo whose resolved facts show it ships code (an `auto_map`) is judged: not a local folder, not
    an id that could not be resolved (offline and not cached, or a placeholder such as
    `"path/to/model"`), not a repo without code (LL005 reports that needless flag).

    ## Why is this bad?
    `trust_remote_code=True` runs the Python files of the repo at load time. Without a commit, every
    run fetches whatever the repo holds now: one push to the branch (or a moved tag) runs new code
    on every machine that loads the model.

    ## Example
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)
    ```

    ## Use instead
    Review the repo's code at one commit, then pin it.
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained(
        "THUDM/chatglm2-6b", trust_remote_code=True, revision="0123456789abcdef0123456789abcdef01234567"
    )
    ```

    ## Fix safety
    Unsafe: sets `revision=` to the commit the resolver found for the id (and its current
    revision), which is only right once that commit's code has been reviewed. Offered only when the
    id was resolved to a commit (from the Hub, the lockfile or a cache).
    """

    code = "LL030"
    name = "remote-code-unpinned"
    severity = "warning"
    summary = "`trust_remote_code=True` without `revision=` pinned to a commit"
    runtime_confirms = False  # a supply-chain risk, not a load failure
    valid = (
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True,\n'
        '                          revision="0123456789abcdef0123456789abcdef01234567")\n',
        '# code_revision pins the code alone\n'
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True,\n'
        '                          code_revision="0123456789abcdef0123456789abcdef01234567")\n',
    )
    invalid = (
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n',
        'from transformers import AutoModel\n'
        'REVISION = "main"\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True, revision=REVISION)\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        trust = site.keyword("trust_remote_code")
        if not site.loads_model or trust is None or not trust.is_constant or trust.value is not True:
            return
        if site.model_id is None or site.revision_dynamic:
            return
        if model is None or not model.auto_map or model.source == "local":
            return  # only code the facts show the repo ships, from a repo (LL005 reports a needless flag)
        code_revision = site.keyword("code_revision")
        if code_revision is not None and (not code_revision.is_constant or is_commit(code_revision.value)):
            return
        if is_commit(site.revision):
            return
        pinned_to = f"`revision` is `{site.revision}`, a branch or tag" if site.revision else "no `revision=`"
        yield self.finding(
            site,
            model,
            f"{describe(site)} runs the repo's own code (`trust_remote_code=True`) with {pinned_to}: "
            "any later push to the repo runs on this machine",
            suggestion="review the code, then pin `revision=` to that commit",
            fix=pin_fix(site, model),
        )
