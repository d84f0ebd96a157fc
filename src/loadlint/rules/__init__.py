"""The rule registry: every rule, by code, in one explicit tuple."""

from __future__ import annotations

from loadlint.rules._base import Rule
from loadlint.rules.adapter_base_mismatch import AdapterBaseMismatch
from loadlint.rules.adapter_mismatch import AdapterMismatch
from loadlint.rules.chat_template_missing import ChatTemplateMissing
from loadlint.rules.chat_template_output import ChatTemplateOutputAsTensor
from loadlint.rules.decoder_only_right_padding import DecoderOnlyRightPadding
from loadlint.rules.deprecated_torch_dtype import DeprecatedTorchDtype
from loadlint.rules.encoder_as_generator import EncoderAsGenerator
from loadlint.rules.generate_length import GenerateLength
from loadlint.rules.generate_without_lm_head import GenerateWithoutLmHead
from loadlint.rules.model_class_mismatch import ModelClassMismatch
from loadlint.rules.no_processor import NoProcessor
from loadlint.rules.not_a_checkpoint import NotACheckpoint
from loadlint.rules.partial_load import PartialLoad
from loadlint.rules.pipeline_task_mismatch import PipelineTaskMismatch
from loadlint.rules.processor_fallback import ProcessorFallback
from loadlint.rules.remote_code import RemoteCode
from loadlint.rules.remote_code_unpinned import RemoteCodeUnpinned
from loadlint.rules.removed_auto_class import RemovedAutoClass
from loadlint.rules.removed_loading_kwarg import RemovedLoadingKwarg
from loadlint.rules.runtime_failure import RuntimeFailure
from loadlint.rules.tokenizer_model_mismatch import TokenizerModelMismatch
from loadlint.rules.unknown_model_type import UnknownModelType
from loadlint.rules.unpinned_revision import UnpinnedRevision
from loadlint.rules.unused_suppression import UnusedSuppression
from loadlint.rules.wrong_auto_class import WrongAutoClass

ALL_RULES: tuple[Rule, ...] = (
    WrongAutoClass(),
    PartialLoad(),
    EncoderAsGenerator(),
    UnknownModelType(),
    RemoteCode(),
    ModelClassMismatch(),
    PipelineTaskMismatch(),
    NotACheckpoint(),
    NoProcessor(),
    GenerateWithoutLmHead(),
    DecoderOnlyRightPadding(),
    ChatTemplateMissing(),
    TokenizerModelMismatch(),
    ChatTemplateOutputAsTensor(),
    GenerateLength(),
    AdapterMismatch(),
    AdapterBaseMismatch(),
    ProcessorFallback(),
    RemovedLoadingKwarg(),
    RemovedAutoClass(),
    DeprecatedTorchDtype(),
    RemoteCodeUnpinned(),
    UnpinnedRevision(),
    RuntimeFailure(),
    UnusedSuppression(),
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
DEFAULT_RULES: tuple[Rule, ...] = tuple(rule for rule in ALL_RULES if rule.default_enabled)

__all__ = ["ALL_RULES", "DEFAULT_RULES", "RULES_BY_CODE", "Rule", "rules_table"]


def rules_table() -> str:
    """The README's rule table, generated from the rules themselves (a test keeps it in sync)."""
    rows = ["| Code | Name | Severity | What it reports |", "| --- | --- | --- | --- |"]
    rows += [f"| {r.code} | `{r.name}` | {r.severity} | {r.summary} |" for r in ALL_RULES]
    return "\n".join(rows)
