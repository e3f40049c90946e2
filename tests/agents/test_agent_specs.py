"""Agent specs are checked when parsed: what an agent would ignore is refused, in one clear line."""

import pytest

from palaestra.agents import agent_factory
from palaestra.core.errors import UsageError


def test_an_unknown_prefix_names_the_known_ones():
    with pytest.raises(UsageError, match="unknown agent spec 'nobody'; known prefixes: .*expert"):
        agent_factory("nobody")


@pytest.mark.parametrize("name", ["expert", "random"])
def test_scripted_agents_refuse_an_argument(name):
    with pytest.raises(
        UsageError, match=f"the {name} agent takes no argument: give '{name}', not '{name}:foo'"
    ):
        agent_factory(f"{name}:foo")


@pytest.mark.parametrize("name", ["expert", "random"])
def test_scripted_agents_refuse_options(name):
    with pytest.raises(UsageError, match=f"the {name} agent takes no options; got colour, temperature"):
        agent_factory(name, temperature=0.3, colour="blue")
