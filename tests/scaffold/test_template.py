"""The scaffold's template language: fields, whole-line blocks, and clear errors."""

import pytest

from palaestra.scaffold.template import render, template

TEXT = """a {{x}}
{% if one %}
one
{% if not two %}
one, not two
{% else %}
one and two
{% endif %}
{% endif %}
end
"""


@pytest.mark.parametrize(
    ("one", "two", "expected"),
    [
        (False, False, "a X\nend\n"),
        (True, False, "a X\none\none, not two\nend\n"),
        (True, True, "a X\none\none and two\nend\n"),
    ],
)
def test_blocks_nest_and_fields_fill(one, two, expected):
    assert render(TEXT, {"x": "X"}, {"one": one, "two": two}) == expected


def test_a_field_inside_a_dropped_block_is_not_needed():
    assert render("{% if no %}\n{{missing}}\n{% endif %}\nok\n", {}, {"no": False}) == "ok\n"


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("{{nope}}\n", KeyError, "line 1: unknown field"),
        ("{% if nope %}\n{% endif %}\n", KeyError, "unknown flag 'nope'"),
        ("{% if one %}\nx\n", ValueError, "left open"),
        ("{% endif %}\n", ValueError, "line 1: endif without an if"),
    ],
)
def test_mistakes_in_a_template_are_named(text, error, match):
    with pytest.raises(error, match=match):
        render(text, {}, {"one": True})


def test_the_templates_ship_with_the_package():
    assert "class {{cls}}World" in template("world.py.tmpl")
