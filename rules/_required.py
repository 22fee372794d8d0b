"""Turn defaulted parameters and fields into required ones, keeping the layout.

PRN002's fix: a parameter loses its default and becomes keyword-only (after
`*`), and a field loses its default and, where the class needs required
fields first (dataclasses, `NamedTuple`), moves up before the first field
that keeps a default. Commas and line breaks belong to positions in the
list, comments to the item they follow, so a list written one item per line
stays so, and every comment stays with its item.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import libcst as cst

ParameterItem = cst.Param | cst.ParamStar | cst.ParamSlash


def required_keyword_only(parameters: cst.Parameters, flagged: Collection[cst.Param]) -> cst.Parameters:
    """`parameters` with each `flagged` parameter made a required keyword-only one.

    Positional parameters move right after `*` (or `*args`), in their order
    and before the keyword-only parameters already there; a bare `*` is added
    when there is none, and a `/` with nothing left before it is dropped.
    """
    moved = [_required(p) for p in (*parameters.posonly_params, *parameters.params) if p in flagged]
    posonly = [p for p in parameters.posonly_params if p not in flagged]
    positional = [p for p in parameters.params if p not in flagged]
    kwonly = [_required(p) if p in flagged else p for p in parameters.kwonly_params]
    star_arg = parameters.star_arg
    if moved and not isinstance(star_arg, cst.Param | cst.ParamStar):
        star_arg = cst.ParamStar()
    slash = parameters.posonly_ind if posonly else cst.MaybeSentinel.DEFAULT

    old_items = _items(parameters)
    new_items: list[ParameterItem] = [*posonly]
    if isinstance(slash, cst.ParamSlash):
        new_items.append(slash)
    new_items.extend(positional)
    if isinstance(star_arg, cst.Param | cst.ParamStar):
        new_items.append(star_arg)
    new_items.extend(moved)
    new_items.extend(kwonly)
    if parameters.star_kwarg is not None:
        new_items.append(parameters.star_kwarg)

    own_commas = {_key(item): item.comma for item in old_items}
    shapes = _comma_shapes([item.comma for item in old_items], len(new_items))
    placed = [
        _place(item, shape, own_commas.get(_key(item), cst.MaybeSentinel.DEFAULT))
        for item, shape in zip(new_items, shapes)
    ]

    cursor = iter(placed)
    take = lambda count: [next(cursor) for _ in range(count)]  # noqa: E731 - local slicer
    new_posonly = take(len(posonly))
    new_slash = take(1)[0] if isinstance(slash, cst.ParamSlash) else cst.MaybeSentinel.DEFAULT
    new_positional = take(len(positional))
    new_star = take(1)[0] if isinstance(star_arg, cst.Param | cst.ParamStar) else cst.MaybeSentinel.DEFAULT
    new_kwonly = take(len(moved) + len(kwonly))
    new_star_kwarg = take(1)[0] if parameters.star_kwarg is not None else None
    return parameters.with_changes(
        posonly_params=new_posonly,
        posonly_ind=new_slash,
        params=new_positional,
        star_arg=new_star,
        kwonly_params=new_kwonly,
        star_kwarg=new_star_kwarg,
    )


def _required(param: cst.Param) -> cst.Param:
    return param.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT)


def _items(parameters: cst.Parameters) -> list[ParameterItem]:
    items: list[ParameterItem] = [*parameters.posonly_params]
    if isinstance(parameters.posonly_ind, cst.ParamSlash):
        items.append(parameters.posonly_ind)
    items.extend(parameters.params)
    if isinstance(parameters.star_arg, cst.Param | cst.ParamStar):
        items.append(parameters.star_arg)
    items.extend(parameters.kwonly_params)
    if parameters.star_kwarg is not None:
        items.append(parameters.star_kwarg)
    return items


def _key(item: ParameterItem) -> object:
    # A parameter is known by its name (its default may have been removed); the
    # markers `/` and `*` by their kind.
    if isinstance(item, cst.Param):
        return ("param", item.star, item.name.value)
    return type(item).__name__


def _comma_shapes(
    old: Sequence[cst.Comma | cst.MaybeSentinel], count: int
) -> list[cst.Comma | cst.MaybeSentinel]:
    """The separator after each of `count` positions, taken from the old list's positions.

    Positions the old list did not have repeat its last separator between two
    items; the final position keeps the old final one (a trailing comma or none).
    """
    if not old:
        return [cst.MaybeSentinel.DEFAULT] * count
    middle = old[-2] if len(old) >= 2 else cst.MaybeSentinel.DEFAULT
    shapes: list[cst.Comma | cst.MaybeSentinel] = []
    for index in range(count):
        if index == count - 1:
            shapes.append(old[-1])
        elif index < len(old) - 1:
            shapes.append(old[index])
        else:
            shapes.append(middle)
    return shapes


def _place(
    item: ParameterItem, shape: cst.Comma | cst.MaybeSentinel, own: cst.Comma | cst.MaybeSentinel
) -> ParameterItem:
    """`item` with the separator of its new position, carrying its own trailing comment."""
    comma = shape
    if (
        isinstance(comma, cst.Comma)
        and isinstance(own, cst.Comma)
        and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace)
        and isinstance(own.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        comma = comma.with_changes(
            whitespace_after=comma.whitespace_after.with_changes(first_line=own.whitespace_after.first_line)
        )
    elif (
        isinstance(comma, cst.Comma)
        and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace)
        and comma.whitespace_after.first_line.comment is not None
        and comma is not own
    ):
        # The comment belonged to the item that stood here before; it does not follow the position.
        comma = comma.with_changes(
            whitespace_after=comma.whitespace_after.with_changes(first_line=cst.TrailingWhitespace())
        )
    if _comment(own) is not None and _comment(comma) is None:
        # The new position has no room for the item's comment; keep the item's own separator.
        comma = own
    if isinstance(item, cst.ParamStar) and not isinstance(comma, cst.Comma):
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return item.with_changes(comma=comma)


def _comment(comma: cst.Comma | cst.MaybeSentinel) -> cst.Comment | None:
    if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace):
        return comma.whitespace_after.first_line.comment
    return None


# --- Fields ------------------------------------------------------------------------


def required_fields(
    body: Sequence[cst.BaseStatement],
    rewritten: dict[int, cst.SimpleStatementLine],
    has_default: Callable[[cst.BaseStatement], bool],
    *,
    keyword_only_from: int | None,
) -> tuple[list[cst.BaseStatement], bool]:
    """A class body with the lines at `rewritten` indices replaced, moved up where needed; and whether any moved.

    A rewritten (now required) field that follows a field with a default moves
    right before the first such field; moved fields keep their order. Fields
    from index `keyword_only_from` on are keyword-only (`kw_only=True`, or
    after a `KW_ONLY` marker), where order does not matter. A moved line
    keeps its comments; the blank lines above stay where they were.
    """
    result: list[cst.BaseStatement] = []
    first_default: int | None = None
    moved = 0
    for index, line in enumerate(body):
        if index in rewritten:
            new = rewritten[index]
            keyword_only = keyword_only_from is not None and index >= keyword_only_from
            if first_default is None or keyword_only:
                result.append(new)
                continue
            anchor_position = first_default + moved
            anchor = result[anchor_position]
            if moved == 0:
                # The moved block takes the anchor's blank lines; the anchor keeps its comments.
                anchor_blanks, anchor_rest = _split_leading(anchor.leading_lines)
                new_blanks, new_rest = _split_leading(new.leading_lines)
                new = new.with_changes(leading_lines=[*anchor_blanks, *new_rest])
                result[anchor_position] = anchor.with_changes(leading_lines=[*new_blanks, *anchor_rest])
            result.insert(anchor_position, new)
            moved += 1
            continue
        if first_default is None and has_default(line):
            first_default = len(result)
        result.append(line)
    return result, moved > 0


def _split_leading(lines: Sequence[cst.EmptyLine]) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """Blank lines above a statement, and what follows them (comments and their blank lines)."""
    index = 0
    while index < len(lines) and lines[index].comment is None:
        index += 1
    return list(lines[:index]), list(lines[index:])
