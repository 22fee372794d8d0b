"""The rules' facts kept in `prnglint.manifest` must be what the rule classes declare."""

from __future__ import annotations

import shutil
from pathlib import Path

from prnglint import manifest
from prnglint.registry import all_rules, load, rule_infos, select_rules


def test_manifest_matches_the_rule_classes() -> None:
    declared = tuple(manifest.info_of(rule) for rule in all_rules())
    assert rule_infos() == declared, "stale manifest: run `python -m prnglint.manifest`"
    # Fields excluded from equality must agree too.
    assert [dict(info.options) for info in rule_infos()] == [dict(rule.options) for rule in all_rules()]


def test_generated_table_is_what_the_generator_writes(tmp_path: Path) -> None:
    copy = tmp_path / "manifest.py"
    shutil.copyfile(manifest.__file__, copy)
    assert manifest.write(copy) is False, "stale manifest: run `python -m prnglint.manifest`"
    # ...and the check can fail: a table that differs is rewritten.
    copy.write_text(copy.read_text().replace("code='PRN001'", "code='PRN999'"))
    assert manifest.write(copy) is True
    assert "code='PRN001'" in copy.read_text()


def test_load_gives_each_rules_class() -> None:
    infos = select_rules(["PRN"], [], [])
    assert [rule.code for rule in load(infos)] == [info.code for info in infos]
    assert all(isinstance(rule, type) for rule in load(infos))
    assert load(infos) == load(list(all_rules()))


def test_word_filter_of_facts_and_classes_agree() -> None:
    texts = ["import jax\njax.random.key(0)\n", "from flax import nnx\nnnx.Rngs(0)\n", "import equinox\n", "x = 1\n"]
    for info, rule in zip(rule_infos(), all_rules()):
        for text in texts:
            assert info.may_fire(text) == rule.may_fire(text), (rule.code, text)
