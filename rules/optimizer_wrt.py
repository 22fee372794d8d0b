"""PRN004: `flax.nnx.Optimizer` built without the `wrt=` keyword."""

from __future__ import annotations

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FixSpec, InsertStatementBefore, Invalid, NodeEdit, Replace, Rule, Valid
from prnglint.bindings import bindings_of

OPTIMIZER = "flax.nnx.Optimizer"
PARAM = "flax.nnx.Param"


class OptimizerWithoutWrt(Rule):
    """
    ## What it does
    Finds calls to `flax.nnx.Optimizer` that do not pass `wrt=` as a keyword,
    including calls that pass it positionally. The callee is resolved through
    the imports, so `nnx.Optimizer`, `flax.nnx.Optimizer` and
    `from flax.nnx import Optimizer as Opt` are all recognised, while
    `nnx.ModelAndOptimizer`, subclasses of `Optimizer` and other libraries'
    optimisers are not reported. Calls that forward `**kwargs` are skipped,
    since `wrt` may be among them.

    ## Why is this bad?
    Since Flax 0.11.0, `wrt` (which variables the optimiser updates) is a
    required keyword-only argument of `nnx.Optimizer`: leaving it out, or
    passing it positionally, raises `TypeError` when the optimiser is built.
    Code written for older Flax breaks at the start of training, often only
    after data loading and model construction have already taken minutes.

    ## Example
    ```python
    import optax
    from flax import nnx

    optimizer = nnx.Optimizer(model, optax.adam(1e-3))
    ```

    ## Use instead
    ```python
    import optax
    from flax import nnx

    optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)
    ```

    ## Fix safety
    The fix adds `wrt=nnx.Param` (spelled with the file's own alias for
    `flax.nnx`, importing `nnx` only when the file has no way to name it), or
    turns a positional `wrt` into the keyword. `nnx.Param` is what the old
    default optimised, so the fix keeps the behaviour of code written for
    older Flax and is safe.
    """

    code = "PRN004"
    name = "optimizer-without-wrt"
    summary = "flax.nnx.Optimizer without the required wrt= keyword"
    words = (("flax", "nnx", "Optimizer"),)
    # Reports only calls whose callee resolves to OPTIMIZER.
    qualnames = frozenset({OPTIMIZER})
    fix_applicability = Applicability.SAFE

    VALID = [
        Valid(
            """
            import optax
            from flax import nnx

            optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)
            """
        ),
        Valid(
            """
            from flax import nnx

            def make(model, tx, **kwargs):
                return nnx.Optimizer(model, tx, **kwargs)
            """
        ),
        Valid(
            """
            from flax import nnx

            state = nnx.ModelAndOptimizer(model, tx)
            """
        ),
        Valid(
            """
            from flax import nnx

            class MyOptimizer(nnx.Optimizer):
                def __init__(self, model, tx):
                    super().__init__(model, tx, wrt=nnx.Param)

            opt = MyOptimizer(model, tx)
            """
        ),
        Valid(
            """
            from jax.example_libraries import optimizers

            opt = optimizers.Optimizer(init, update, get_params)
            """
        ),
        Valid(
            """
            import torch

            Optimizer = torch.optim.Optimizer
            opt = Optimizer(params, {})
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import optax
            from flax import nnx

            optimizer = nnx.Optimizer(model, optax.adam(1e-3))
            """,
            count=1,
            line=4,
            column=13,
            expected_fix="""
            import optax
            from flax import nnx

            optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)
            """,
        ),
        Invalid(
            """
            import flax.nnx as fnn

            opt = fnn.Optimizer(model, tx, fnn.Param)
            """,
            count=1,
            message_contains="positionally",
            expected_fix="""
            import flax.nnx as fnn

            opt = fnn.Optimizer(model, tx, wrt=fnn.Param)
            """,
        ),
        Invalid(
            """
            import flax

            opt = flax.nnx.Optimizer(
                model,
                tx,  # the optimiser
            )
            """,
            count=1,
            expected_fix="""
            import flax

            opt = flax.nnx.Optimizer(
                model,
                tx,  # the optimiser
                wrt=flax.nnx.Param,
            )
            """,
        ),
        Invalid(
            """
            import optax
            from flax.nnx import Optimizer as Opt

            def build(model):
                return Opt(model, optax.sgd(0.1))
            """,
            count=1,
            expected_fix="""
            import optax
            from flax import nnx
            from flax.nnx import Optimizer as Opt

            def build(model):
                return Opt(model, optax.sgd(0.1), wrt=nnx.Param)
            """,
        ),
        Invalid(
            """
            from flax import nnx

            opt = nnx.Optimizer(model=model, tx=tx)
            """,
            count=1,
            expected_fix="""
            from flax import nnx

            opt = nnx.Optimizer(model=model, tx=tx, wrt=nnx.Param)
            """,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualname(node.func) != OPTIMIZER:
            return
        if any(arg.star for arg in node.args):
            # `**kwargs` may carry `wrt`, and `*args` may carry it positionally.
            return
        if any(arg.keyword is not None and arg.keyword.value == "wrt" for arg in node.args):
            return
        positional = [arg for arg in node.args if arg.keyword is None]
        callee = self.context.module.code_for_node(node.func)
        if len(positional) >= 3:
            message = (
                f"`{callee}` receives `wrt` positionally, which raises TypeError since Flax 0.11: "
                "pass it as `wrt=`"
            )
        else:
            message = (
                f"`{callee}` without `wrt=` raises TypeError since Flax 0.11: "
                "pass `wrt=nnx.Param` to optimise the parameters"
            )
        self.report(node, message, fix=self._fix(node, positional))

    def _fix(self, node: cst.Call, positional: list[cst.Arg]) -> FixSpec | None:
        args = list(node.args)
        edits: list[NodeEdit] = []
        if len(positional) >= 3:
            index = args.index(positional[2])
            args[index] = args[index].with_changes(
                keyword=cst.Name("wrt"),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                ),
            )
            message = "Pass `wrt` as a keyword"
        else:
            # Only names bound before the call runs (not a later import or notebook cell).
            bindings = bindings_of(self.context.module)
            spelling = bindings.spelling_of(PARAM, node)
            if spelling is None:
                spelling = "nnx.Param"
                anchor = bindings.import_anchor("flax", node) if bindings.is_free("nnx", node) else None
                if anchor is None:
                    return None
                edits.append(InsertStatementBefore(anchor, "from flax import nnx"))
            new_arg = cst.Arg(
                keyword=cst.Name("wrt"),
                value=cst.parse_expression(spelling),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                ),
            )
            if args:
                args[-1], new_arg = _append_after(node, args, new_arg)
            args.append(new_arg)
            message = f"Add `wrt={spelling}`"
        edits.insert(0, Replace(node, node.with_changes(args=args)))
        return FixSpec(Applicability.SAFE, message, tuple(edits))


def _append_after(node: cst.Call, args: list[cst.Arg], new_arg: cst.Arg) -> tuple[cst.Arg, cst.Arg]:
    """Separate the last argument from `new_arg`, keeping a trailing comma and one-per-line layout."""
    last = args[-1]
    if not isinstance(last.comma, cst.Comma):
        return last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), new_arg
    after = last.comma.whitespace_after
    if not isinstance(after, cst.ParenthesizedWhitespace):
        return last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), new_arg.with_changes(
            comma=last.comma
        )
    # One argument per line: the old last line keeps its comment and gets the
    # items' indentation; the new argument ends the way the old one ended.
    before = node.whitespace_before_args
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        before = args[-2].comma.whitespace_after
    indent = before.last_line if isinstance(before, cst.ParenthesizedWhitespace) else after.last_line
    last = last.with_changes(comma=last.comma.with_changes(whitespace_after=after.with_changes(last_line=indent)))
    closing = cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=after.indent, last_line=after.last_line
    )
    return last, new_arg.with_changes(comma=cst.Comma(whitespace_after=closing))
