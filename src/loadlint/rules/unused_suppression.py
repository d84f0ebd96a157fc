"""LL100 unused-suppression."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule
from loadlint.tables.model import Tables


class UnusedSuppression(Rule):
    """
    ## What it does
    Checks loadlint's suppression comments for codes that silenced nothing in this run:
    - `# noqa: LL001` covers its line; other tools' codes may share it (`# noqa: LL001, E501`);
    - `# loadlint: ignore[LL001, partial-load]`, optionally followed by a reason (`... -- why`):
      after code it covers that line; on a line of its own, the next statement (all its lines);
    - `# loadlint: noqa[LL001]` on a line of its own covers the whole file; after code, that line.

    Without codes (`# noqa`, `# loadlint: ignore`, `# loadlint: noqa`) a comment covers every code.
    A finding is suppressed when any line of its call (first to last) is covered, so a comment on
    the first or the last line of a multi-line call works. Inside the brackets rule names may stand
    for codes. A code is judged only when its rule ran on the file, and, for rules that need the
    model, when every call the comment covers was resolved: a suppression that cannot be judged is
    never reported. An `LL` code that names no rule is always reported. A blanket `# noqa` is never
    reported (other tools may own it); a blanket `# loadlint:` form is, when every rule ran and it
    silenced nothing. Other tools' codes are never judged.

    ## Why is this bad?
    A stale suppression hides the next real problem on that line: after the code or the model
    changes, a wrong Auto class would go unreported. An unknown code (a typo such as `LL010`)
    suppresses nothing at all.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")  # noqa: LL001, E501
    ```

    ## Use instead
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")  # noqa: E501
    ```

    ## Fix safety
    Safe: removes only the unused or unknown loadlint codes, keeping other tools' codes and the
    reason; a comment left without codes is removed (with its whole line when it stood alone).
    Add `LL100` to a comment (`# noqa: LL001, LL100`) to keep it as it is.
    """

    code = "LL100"
    name = "unused-suppression"
    severity = "warning"
    summary = "A suppression comment names a code that silenced nothing, or no rule at all"
    needs_model = False
    valid = (
        'from transformers import AutoModelForSeq2SeqLM\n'
        'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa: LL001\n',
        'from transformers import AutoModelForCausalLM\n'
        '# loadlint: ignore[partial-load] -- only the decoder is fine-tuned here\n'
        'decoder = AutoModelForCausalLM.from_pretrained(\n'
        '    "facebook/bart-large-cnn",\n'
        ')\n',
        '# Other tools\' codes, and a blanket noqa, belong to those tools: never judged\n'
        'from transformers import AutoModelForCausalLM\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")  # noqa: E501\n'
        'again = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")  # noqa\n',
        '# The id is not a constant: whether LL001 fires cannot be known, so the comment stays\n'
        'import sys\n'
        'from transformers import AutoModelForSeq2SeqLM\n'
        'model = AutoModelForSeq2SeqLM.from_pretrained(sys.argv[1])  # noqa: LL001\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")  # noqa: LL001, E501\n',
        'from transformers import AutoModelForCausalLM\n'
        '# loadlint: ignore[wrong-auto-class] -- gpt2 was once loaded as seq2seq\n'
        'model = AutoModelForCausalLM.from_pretrained(\n'
        '    "openai-community/gpt2",\n'
        ')\n',
        '# loadlint: noqa[LL003]\n'
        'from transformers import AutoModelForMaskedLM\n'
        'model = AutoModelForMaskedLM.from_pretrained("google-bert/bert-base-uncased")\n',
        '# LL999 is no rule\n'
        'from transformers import AutoModelForSeq2SeqLM\n'
        'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa: LL001, LL999\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        """Nothing per call: the comments are judged per file by `loadlint.suppress.apply_suppressions`."""
        yield from ()
