"""Plain records passed between the pipeline's stages.

Extraction produces `CallSite`s, the resolver turns each distinct `ModelRef` into `ModelFacts` or an
`Unresolved`, and rules read both.  Nothing here imports libcst, huggingface_hub or transformers, so
every stage (and a worker process) can share these types without pulling in heavy dependencies.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from loadlint.gguf import gguf_model_types

# Why an id could not be turned into facts. Each unresolved id carries exactly one of these.
UnresolvedReason = Literal[
    "dynamic",  # the id (or its revision) is not a compile-time constant
    "not-found",  # no such repo, revision or local folder
    "gated-needs-token",  # gated or private repo and no (valid) token
    "offline-not-cached",  # offline mode and nothing cached for it
    "network",  # the Hub could not be reached, timed out or answered with a server error
    "invalid-config",  # config.json exists but is not usable (bad JSON, no model_type)
    "gguf-unknown",  # a `gguf_file=` load whose file's architecture is not known (the Hub gave none)
]
UNRESOLVED_REASONS: tuple[str, ...] = UnresolvedReason.__args__  # type: ignore[attr-defined]

# "from_pretrained" and "pipeline" load a model, "adapter" (peft's AutoPeftModel*.from_pretrained) a PEFT
# adapter on its base model; the other kinds are Hub downloads that only LL031
# judges, so nothing resolves them: "hub_download" is `from_pretrained` on any other transformers class
# (GenerationConfig, processors), `hf_hub_download` or `snapshot_download`; "dataset" is `load_dataset`.
CallKind = Literal["from_pretrained", "pipeline", "adapter", "hub_download", "dataset"]
MODEL_LOAD_KINDS: frozenset[str] = frozenset({"from_pretrained", "pipeline", "adapter"})


@dataclass(frozen=True, slots=True)
class Span:
    """A source range: 1-based lines and 1-based columns, the end column exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    def moved(self, lines: int) -> Span:
        """The same range `lines` lines further down (up, when negative): a notebook cell's lines
        against those of the module its cells make."""
        return Span(self.line + lines, self.column, self.end_line + lines, self.end_column)


# Why a dynamic id stays unknown, for users to act on (the JSON `detail_kind` of a `dynamic` reason).
DynamicKind = Literal[
    "parameter",  # a function parameter whose callers pass values that cannot be followed, or no callers
    "cli-required",  # a command-line option or dataclass field without a default
    "env-required",  # an environment variable without a default
    "computed",  # computed at run time (a call, an operation loadlint does not evaluate)
    "template",  # a string template over an unknown part
    "object",  # a model object, not an id: its own load is what is checked
]


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of the path a followed value took to a call: where, and what happened there."""

    path: str
    line: int
    column: int
    note: str
    cell: int | None = None  # in a notebook: the cell `line` is in

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column, "note": self.note, "cell": self.cell}

    def __str__(self) -> str:
        return f"{located(self.path, self.cell, self.line, self.column)}: {self.note}"


def located(path: str, cell: int | None, line: int, column: int | None = None) -> str:
    """`path:line[:col]`, with `cell N:` before the line in a notebook, as Ruff writes positions."""
    where = f"{path}:cell {cell}:{line}" if cell is not None else f"{path}:{line}"
    return where if column is None else f"{where}:{column}"


@dataclass(frozen=True, slots=True)
class Known:
    """One value an expression may have, and how it got there.  `element` is (line, column, index)
    of the loop item it comes from, so that two targets of one loop (`for org, name in ...`) combine
    only item by item."""

    value: object
    trace: tuple[TraceStep, ...] = ()
    element: tuple[int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be followed, and why."""

    kind: DynamicKind
    detail: str
    trace: tuple[TraceStep, ...] = ()


@dataclass(frozen=True, slots=True)
class FromParameter:
    """A value that is a function's parameter: whatever the function's callers in the project pass.

    `function` is "module:Qualified.name"; `index` the parameter's position in the definition
    (self included), None for a keyword-only one; `default` the default's values, None without one.
    `caller` names what calls the function from outside the project ("click", "pytest", "the command
    line"): then `default` holds the values it passes.  `template` (`"google-t5/t5-{}"`) puts each
    value into the text around it (`f"google-t5/t5-{size}"`)."""

    function: str
    param: str
    index: int | None
    default: tuple[Known | Unknown, ...] | None
    trace: tuple[TraceStep, ...] = ()
    caller: str | None = None
    template: str | None = None


@dataclass(frozen=True, slots=True)
class FromConfig:
    """A value the code reads from a config file, resolved once every file is read (`extract.external`),
    so that a record never holds a config file's contents.  `path` is the file as the code names it;
    `anchored`: relative to the reading script's folder (`Path(__file__).parent / ...`), else to the
    working directory.  `keys` lead to the value; `reader` is "yaml", "json", "toml" or "hydra" (a
    primary config with its defaults list).  `fallback` holds the values when the key is absent (a
    dataclass field's default; None: an absent key raises at run time)."""

    script: str
    path: str
    anchored: bool
    keys: tuple[str | int, ...]
    reader: str
    fallback: tuple[Known | Unknown, ...] | None = None
    trace: tuple[TraceStep, ...] = ()


@dataclass(frozen=True, slots=True)
class FromCommandLine:
    """A value given to a script's command-line option (any of `flags`), resolved once every file is
    read from the project's invocations of `script` (`extract.external`).  `default` holds the
    values when an invocation omits it (None: the option is required); `recipe_key` is the dataclass
    field a recipe file given to the script (`train.py recipe.yaml`, `--config recipe.yaml`) sets."""

    script: str
    flags: tuple[str, ...]
    default: tuple[Known | Unknown, ...] | None
    detail: str
    trace: tuple[TraceStep, ...] = ()
    recipe_key: str | None = None


Alternative = Known | Unknown | FromParameter | FromConfig | FromCommandLine


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A call of a project function, with the values of its arguments: what links a parameter to
    the values its callers pass.  `positional` holds one entry per positional argument (before any
    `*args`); `spread` is set when the call passes `*args` or `**kwargs`."""

    path: str
    span: Span
    callee: str  # "module:Qualified.name"
    offset: int  # 1 when the call binds `self` (a method through an instance, a class's __init__)
    positional: tuple[tuple[Alternative, ...], ...] = ()
    keywords: tuple[tuple[str, tuple[Alternative, ...]], ...] = ()
    spread: bool = False


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword argument at a call: its source text and, when statically known, its value."""

    name: str
    source: str
    value: object = None
    is_constant: bool = False


@dataclass(frozen=True, slots=True)
class CallSite:
    """One model-loading call (or other Hub download, see `CallKind`) found in a file.

    `loader` is the transformers name the call resolves to (through aliases and module
    attributes), e.g. "AutoModelForCausalLM", "GPT2LMHeadModel" or "pipeline"; for a download
    function, its name ("hf_hub_download", "load_dataset").  `model_id` (the repo id) is None
    when the id is not a constant; `model_expr` then says what was there.
    """

    path: str
    span: Span
    kind: CallKind
    loader: str
    loader_span: Span
    loader_source: str
    model_id: str | None
    model_expr: str | None
    revision: str | None = None
    revision_dynamic: bool = False
    task: str | None = None
    task_dynamic: bool = False
    keywords: tuple[Keyword, ...] = ()
    # A followed id: the path its value took (empty for a constant at the call or a name bound once),
    # why it stays unknown (`dynamic_kind`, `dynamic_detail`), or the parameter it still depends on.
    trace: tuple[TraceStep, ...] = ()
    dynamic_kind: DynamicKind | None = None
    dynamic_detail: str | None = None
    origin: FromParameter | None = None
    external: FromConfig | FromCommandLine | None = None  # a value outside the Python files, not read yet

    def keyword(self, name: str) -> Keyword | None:
        return next((k for k in self.keywords if k.name == name), None)

    @property
    def loads_gguf(self) -> bool:
        """`gguf_file=` is passed: transformers reads the config from that GGUF file, not config.json."""
        found = self.keyword("gguf_file")
        return found is not None and not (found.is_constant and found.value is None)

    @property
    def loads_model(self) -> bool:
        return self.kind in MODEL_LOAD_KINDS

    @property
    def ref(self) -> ModelRef | None:
        """The id and revision to resolve, or None when either is dynamic or the call loads no model."""
        if self.model_id is None or self.revision_dynamic or not self.loads_model:
            return None
        return ModelRef(self.model_id, self.revision)


UseKind = Literal["generate", "chat_template", "call", "adapter", "component"]


@dataclass(frozen=True, slots=True)
class Argument:
    """An argument at a use: `keyword` is None for a positional one, "**" for `**x`.

    `value` is set when the argument is a constant.  `origin` is the tokenizer call or chat
    template whose result the argument holds, when loadlint can follow it (`whole` is False for a
    part of it, such as `enc.input_ids`); `is_chat` marks a literal list of `{"role": ...}` messages.
    """

    keyword: str | None
    source: str
    span: Span
    value: object = None
    is_constant: bool = False
    origin: UseSite | None = None
    whole: bool = True
    is_chat: bool = False


@dataclass(frozen=True, slots=True)
class UseSite:
    """A call on something a load returned: `model.generate(...)` ("generate"),
    `tokenizer.apply_chat_template(...)` ("chat_template"), `tokenizer(...)` or `pipe(...)` ("call"), and
    `PeftModel.from_pretrained(model, "adapter")` ("adapter": the base model given to peft, whose
    arguments hold the adapter's id), and `processor.tokenizer` ("component": a multimodal processor's
    part read, called or not; `component` names it).

    `receiver` is the load whose result the object is, followed through names bound once and
    `self.x` set once in `__init__`; None when it cannot be followed.  `receiver_attributes` are the
    attributes assigned on that object after loading (`tokenizer.padding_side = "left"`).
    """

    path: str
    span: Span
    kind: UseKind
    receiver_source: str
    receiver: CallSite | None
    arguments: tuple[Argument, ...] = ()
    receiver_attributes: frozenset[str] = frozenset()
    component: str | None = None

    def argument(self, keyword: str) -> Argument | None:
        return next((a for a in self.arguments if a.keyword == keyword), None)

    @property
    def positional(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.arguments if a.keyword is None)


_COMMIT = re.compile(r"[0-9a-f]{40}")


def is_commit(revision: object) -> bool:
    """A full commit hash: the only revision that names the same files forever."""
    return isinstance(revision, str) and _COMMIT.fullmatch(revision) is not None


@dataclass(frozen=True, slots=True)
class ModelRef:
    """What resolution is keyed by: each distinct ref is resolved once per run.

    Refs sort by id, the default revision (None) before named ones, so that one id loaded both
    with and without `revision=` still sorts."""

    model_id: str
    revision: str | None = None

    def __lt__(self, other: ModelRef) -> bool:
        return self._sort_key() < other._sort_key()

    def _sort_key(self) -> tuple[str, bool, str]:
        return (self.model_id, self.revision is not None, self.revision or "")

    def __str__(self) -> str:
        return self.model_id if self.revision is None else f"{self.model_id}@{self.revision}"


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What loadlint knows about one model id at one revision, wherever it came from.

    `source` names the resolver step that answered: "local", "lockfile", "facts-cache",
    "hf-cache" or "hub".  `auto_map` pairs an Auto class name with the repo code it names.
    `has_chat_template` says whether the repo ships a chat template for its tokenizer and `vocab_size`
    is config.json's; both are None when unknown, and an unknown fact never produces a finding.  The
    tokenizer facts are read only for ids a tokenizer is loaded from.
    """

    ref: ModelRef
    source: str
    model_type: str | None
    architectures: tuple[str, ...] = ()
    is_encoder_decoder: bool | None = None
    auto_map: tuple[tuple[str, str], ...] = ()
    pipeline_tag: str | None = None
    auto_model: str | None = None
    sha: str | None = None
    gated: bool = False
    tags: tuple[str, ...] = ()
    local_path: str | None = None
    has_chat_template: bool | None = None
    vocab_size: int | None = None
    # tokenizer_config.json, which AutoTokenizer reads before config.json: its `tokenizer_class` and
    # `auto_map` (None: the file was not read; () : read, or absent, with no auto_map).
    tokenizer_class: str | None = None
    tokenizer_auto_map: tuple[tuple[str, str], ...] | None = None
    # A repo with no config.json and no adapter (`model_type` is None then): what it holds instead
    # ("original", "gguf", "diffusers", "sentence-transformers", "other"), and a few of those files.
    layout: str | None = None
    layout_files: tuple[str, ...] = ()
    # A PEFT adapter (adapter_config.json, no config.json): transformers loads its base model and
    # attaches it, so the config facts above are the base's.  `adapter_task` is its `task_type`.
    adapter_base: str | None = None
    adapter_task: str | None = None
    peft_type: str | None = None
    # The processor configs the repo holds (preprocessor_config.json, ...), which the processor Auto
    # classes read before config.json; None when its file list is unknown.
    processor_files: tuple[str, ...] | None = None
    # The weight formats the repo holds ("safetensors", "pytorch", "tf", "flax"); None when unknown.
    weight_formats: tuple[str, ...] | None = None
    # The `general.architecture` of the repo's GGUF files, as the Hub reports it (model_info's `gguf`);
    # None when the repo has none or it is unknown.  A `gguf_file=` load is judged on it (`gguf_view`).
    gguf_architecture: str | None = None
    # What AutoProcessor reads before its model-type table: each file of its lookup the repo has
    # (processor configs, tokenizer_config.json, config.json), with the processor class or
    # AutoProcessor repo code it names ("" for none); None unless every one was read.
    processor_declarations: tuple[tuple[str, str], ...] | None = None

    @property
    def auto_map_classes(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.auto_map)


@dataclass(frozen=True, slots=True)
class Unresolved:
    """An id that could not be resolved, with the one reason shown to the user."""

    ref: ModelRef | None
    reason: UnresolvedReason
    detail: str = ""


@dataclass(slots=True)
class FileReport:
    """The outcome of extracting one file: its call sites, or the one-line error that stopped it."""

    path: str
    sites: list[CallSite] = field(default_factory=list)
    uses: list[UseSite] = field(default_factory=list)
    error: str | None = None
    parsed: bool = False
    # The project index, read in the same pass: the names the file calls (`load` of `m.load(...)`), and
    # the calls of those it was asked to record (`recorded`), with their arguments' values.
    called: frozenset[str] = frozenset()
    recorded: frozenset[str] = frozenset()
    calls: list[CallRecord] = field(default_factory=list)


def load_outcome(
    load: CallSite, models: Mapping[ModelRef, ModelFacts | Unresolved]
) -> ModelFacts | Unresolved | None:
    """What resolution says about the model one load builds: the facts of its id, or why they are
    unknown.  A `gguf_file=` load builds the model the GGUF file describes: its facts are the repo's
    with the file's model type (`gguf_view`), and unresolved when that architecture is not known."""
    found = models.get(load.ref) if load.ref is not None else None
    if not isinstance(found, ModelFacts) or not load.loads_gguf:
        return found
    return gguf_view(found) or Unresolved(
        load.ref,
        "gguf-unknown",
        "the model type of a GGUF file is read from the file itself; the Hub gave no GGUF metadata for this repo",
    )


def gguf_view(found: ModelFacts) -> ModelFacts | None:
    """A repo's facts as a `gguf_file=` load sees them: the config comes from the GGUF file, so the
    model type is its architecture's (the first transformers may choose, see `loadlint.gguf`) and
    nothing of config.json (architectures, auto_map, sizes) or of a layout without one applies."""
    if found.gguf_architecture is None:
        return None
    return dataclasses.replace(
        found,
        model_type=gguf_model_types(found.gguf_architecture)[0],
        architectures=(),
        is_encoder_decoder=None,
        auto_map=(),
        auto_model=None,
        vocab_size=None,
        has_chat_template=None,
        tokenizer_class=None,
        tokenizer_auto_map=None,
        layout=None,
        layout_files=(),
        processor_declarations=None,
    )


def facts_for(load: CallSite | None, models: Mapping[ModelRef, ModelFacts | Unresolved]) -> ModelFacts | None:
    """The resolved facts of the checkpoint a load names, or None (no load, a dynamic id, unresolved,
    or a repo that is no checkpoint: only the rules that read its `layout` judge it)."""
    found = repo_facts(load, models)
    return found if found is not None and found.layout is None and found.model_type is not None else None


def repo_facts(load: CallSite | None, models: Mapping[ModelRef, ModelFacts | Unresolved]) -> ModelFacts | None:
    """The resolved facts of the id a load names, checkpoint or not (for a `gguf_file=` load, those of
    the model its GGUF file describes)."""
    found = load_outcome(load, models) if load is not None else None
    return found if isinstance(found, ModelFacts) else None
