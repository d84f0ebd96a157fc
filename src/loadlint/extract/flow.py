"""Follow what a load returns to the calls made on it (`model.generate`, `tokenizer(...)`), in one file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from loadlint.extract.evaluate import MAX_EVAL_DEPTH, Evaluator, NotConstant, source_of
from loadlint.facts import Argument, CallSite, UseKind, UseSite

if TYPE_CHECKING:
    from loadlint.extract.collect import Collector

# Methods whose result is the object they are called on (torch.nn.Module's, BatchEncoding.to): a
# load followed by them is still that load.
SELF_RETURNING_METHODS = frozenset(
    {"to", "eval", "train", "cuda", "cpu", "half", "float", "bfloat16", "requires_grad_"}
)
USE_METHODS: dict[str, UseKind] = {"generate": "generate", "apply_chat_template": "chat_template"}
# The parts of a multimodal processor (ProcessorMixin's attributes): reading one says the object is one.
PROCESSOR_COMPONENTS = frozenset({"tokenizer", "image_processor", "feature_extractor", "video_processor"})


class Flow:
    """Follows what a load returns to the calls made on it, within the file.

    An object is followed through names bound once (module, function or class scope, so a
    rebinding or a parameter is never followed), through `self.x` assigned once in the class and
    in `__init__`, and through methods that return their object (`.to(device)`, `.eval()`).
    """

    def __init__(self, collector: Collector, sites_by_call: dict[cst.Call, CallSite]) -> None:
        self.collector = collector
        self.sites_by_call = sites_by_call
        self.uses_by_call: dict[cst.Call, UseSite] = {}

    def uses(self) -> list[UseSite]:
        """Chat templates and calls of loaded objects first, so that `generate` can find its inputs."""
        generate_calls = []
        for call, klass in self.collector.use_candidates:
            func = call.func
            kind = USE_METHODS.get(func.attr.value) if isinstance(func, cst.Attribute) else None
            if kind == "generate":
                generate_calls.append((call, klass))
            elif kind == "chat_template":
                assert isinstance(func, cst.Attribute)
                self._record(call, klass, kind, func.value, self.load_of(func.value, klass))
            else:
                receiver = self.load_of(func, klass)
                if receiver is not None:
                    self._record(call, klass, "call", func, receiver)
        for call, klass in generate_calls:
            assert isinstance(call.func, cst.Attribute)
            receiver_node = call.func.value
            receiver = self.load_of(receiver_node, klass)
            self._record(call, klass, "generate", receiver_node, receiver, follow_inputs=True)
        for call, kind, loader, klass in self.collector.candidates:
            # `PeftModel.from_pretrained(model, "adapter")`: a use of the base model it is given
            if kind == "adapter" and loader.startswith("PeftModel") and call in self.sites_by_call:
                base = next((a.value for a in call.args if a.keyword is None and not a.star), None)
                base = next((a.value for a in call.args if a.keyword and a.keyword.value == "model"), base)
                if base is not None:
                    self._record(call, klass, "adapter", base, self.load_of(base, klass))
        uses = [*self.uses_by_call.values(), *self._component_uses()]
        return sorted(uses, key=lambda use: (use.span.line, use.span.column))

    def _component_uses(self) -> list[UseSite]:
        """`processor.tokenizer` (read, not assigned) on a loaded object."""
        written = {id(target) for target, _ in self.collector.attribute_writes}
        uses = []
        for node, klass in self.collector.component_reads:
            receiver = self.load_of(node.value, klass) if id(node) not in written else None
            if receiver is not None:
                uses.append(UseSite(
                    path=self.collector.path,
                    span=self.collector.span_of(node),
                    kind="component",
                    receiver_source=source_of(node.value),
                    receiver=receiver,
                    component=node.attr.value,
                ))
        return uses

    def _record(
        self,
        call: cst.Call,
        klass: cst.ClassDef | None,
        kind: UseKind,
        receiver_node: cst.BaseExpression,
        receiver: CallSite | None,
        follow_inputs: bool = False,
    ) -> None:
        evaluator = Evaluator(self.collector, klass)
        self.uses_by_call[call] = UseSite(
            path=self.collector.path,
            span=self.collector.span_of(call),
            kind=kind,
            receiver_source=source_of(receiver_node),
            receiver=receiver,
            arguments=tuple(self._argument(arg, klass, evaluator, follow_inputs) for arg in call.args),
            receiver_attributes=self._attributes_written(receiver, klass) if receiver else frozenset(),
        )

    def _argument(self, arg: cst.Arg, klass: cst.ClassDef | None, evaluator: Evaluator, follow: bool) -> Argument:
        keyword = arg.keyword.value if arg.keyword is not None else (arg.star or None)
        try:
            value, is_constant = evaluator.value(arg.value), True
        except NotConstant:
            value, is_constant = None, False
        origin, whole = self._origin(arg.value, klass) if follow else (None, True)
        return Argument(
            keyword=keyword,
            source=source_of(arg.value),
            span=self.collector.span_of(arg.value),
            value=value,
            is_constant=is_constant,
            origin=origin,
            whole=whole,
            is_chat=self._is_chat(arg.value, klass),
        )

    def load_of(self, node: cst.BaseExpression, klass: cst.ClassDef | None, depth: int = 0) -> CallSite | None:
        """The load whose result `node` holds, or None."""
        node = strip_self_returning(node)
        if isinstance(node, cst.Call):
            return self.sites_by_call.get(node)
        bound = self._bound_value(node, klass)
        if bound is None or depth > MAX_EVAL_DEPTH:
            return None
        return self.load_of(bound, klass, depth + 1)

    def _bound_value(self, node: cst.BaseExpression, klass: cst.ClassDef | None) -> cst.BaseExpression | None:
        """What a name bound once, or `self.x` assigned once (in `__init__`), holds."""
        if isinstance(node, cst.Name):
            return Evaluator(self.collector, klass).bound_value(node)
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and klass is not None
            and (klass, node.attr.value) in self.collector.init_attributes
        ):
            values = self.collector.classes[klass].attributes[node.attr.value]
            return values[0] if len(values) == 1 else None
        return None

    def _origin(
        self, node: cst.BaseExpression, klass: cst.ClassDef | None, depth: int = 0
    ) -> tuple[UseSite | None, bool]:
        """The chat template or tokenizer call whose result `node` holds, and whether it is all of it."""
        node = strip_self_returning(node)
        if depth > MAX_EVAL_DEPTH:
            return None, True
        if isinstance(node, cst.Call):
            return self.uses_by_call.get(node), True
        if isinstance(node, cst.Attribute | cst.Subscript) and not isinstance(self._bound_value(node, klass), cst.Call):
            origin, _ = self._origin(node.value, klass, depth + 1)
            return origin, False
        bound = self._bound_value(node, klass)
        return self._origin(bound, klass, depth + 1) if bound is not None else (None, True)

    def _is_chat(self, node: cst.BaseExpression, klass: cst.ClassDef | None, depth: int = 0) -> bool:
        """A literal list of `{"role": ...}` messages (or a batch of them), possibly through a name."""
        if isinstance(node, cst.List) and node.elements:
            return all(
                is_message(element.value)
                or (depth == 0 and self._is_chat(element.value, klass, depth + 1))
                for element in node.elements
            )
        bound = self._bound_value(node, klass) if depth == 0 else None
        return bound is not None and self._is_chat(bound, klass)

    def _attributes_written(self, receiver: CallSite, klass: cst.ClassDef | None) -> frozenset[str]:
        return frozenset(
            target.attr.value
            for target, write_class in self.collector.attribute_writes
            if self.load_of(target.value, write_class) is receiver
        )


def strip_self_returning(node: cst.BaseExpression) -> cst.BaseExpression:
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in SELF_RETURNING_METHODS
    ):
        node = node.func.value
    return node


def is_message(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Dict) and any(
        isinstance(element, cst.DictElement)
        and isinstance(element.key, cst.SimpleString)
        and element.key.evaluated_value == "role"
        for element in node.elements
    )
