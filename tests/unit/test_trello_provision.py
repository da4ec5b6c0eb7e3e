"""`careerloop init --trello`: what is created, what is found, and what is left to the user."""

from __future__ import annotations

import tomllib

import pytest

from careerloop.config import TrelloSource, parse_config
from careerloop.connectors.trello.provision import _plugin_refused, provision_board, source_toml
from careerloop.errors import AuthError, NotFound, SourceError
from tests.fakes.trello_api import FakeTrelloServer
from tests.fakes.trello_fixtures import FIELDS, fast_api, trello_config


def test_what_the_board_has_is_found_by_name_and_not_created_again(
    fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    fake = fake_trello.fake
    board_id = fake.add_board(short_link="HaLfDoNe")
    fake.add_list(board_id, "  done ")  # trimmed and case-insensitive: it is "Done"
    fake.add_list(board_id, "Doing", closed=True)  # an archived list does not count
    fake.boards[board_id]["labels"].append(
        {"id": fake.new_id(), "idBoard": board_id, "name": "GOAL", "color": "green"}
    )
    config = trello_config(fake_trello, "HaLfDoNe")

    result = provision_board("HaLfDoNe", source=config.sources.trello, api=fast_api(config))

    assert result.existing == ["list 'Done'", "label 'Goal'"]
    assert result.created[:3] == ["list 'Planned'", "list 'Doing'", "list 'Reviews'"]
    # 3 lists, the 5 other kind labels and skill:SQL, and one field per mapped name.
    assert len(result.created) == 3 + 6 + len(FIELDS)
    assert result.requests == 1 + len(result.created)  # one read, then one write each
    assert result.manual == []


def test_a_refusal_other_than_the_power_up_is_raised(
    fake_trello: FakeTrelloServer, trello_env: None
) -> None:
    board_id = fake_trello.fake.add_board(short_link="GoNeBoRd")
    fake_trello.fake.fail("customFields", 404, method="POST")
    config = trello_config(fake_trello, "GoNeBoRd")

    with pytest.raises(NotFound, match="custom field"):
        provision_board(board_id, source=config.sources.trello, api=fast_api(config))
    # What came before the custom fields stays created: running again completes it.
    assert [x["name"] for x in fake_trello.fake.boards[board_id]["lists"]] == [
        "Planned",
        "Doing",
        "Done",
        "Reviews",
    ]


@pytest.mark.parametrize(
    ("error", "power_up"),
    [
        (
            AuthError("Trello board x: Trello forbids this for the token (403 PLUGIN_NOT_ENABLED)"),
            True,
        ),
        (SourceError("Trello board x: Trello answered 400: invalid value for type"), True),
        (SourceError("Trello board x: Trello answered 422: unprocessable"), True),
        (AuthError("Trello board x: Trello refused the key (401 invalid token)"), False),
        (NotFound("Trello board x: Trello has no such board (404)"), False),
        (SourceError("Trello board x: Trello answered 429 (rate limited)"), False),
    ],
)
def test_which_refusals_mean_the_power_up_is_off(error: SourceError, power_up: bool) -> None:
    assert _plugin_refused(error) is power_up


def test_the_toml_it_prints_reads_back_as_the_same_settings() -> None:
    source = TrelloSource(
        board="CaReEr01",
        base_url="http://127.0.0.1:8080",
        done_lists=['Done "2026"', "Archive\\Done"],
        skill_prefix="skill: ",
        kinds={"Micro learning": "module", "color:red": "goal"},
        fields={"minutes": "Time (min)", "mentor": 'Mentor "name"'},
    )

    text = source_toml(source, "6650a1b2c3d4e5f6a7b80000", 'Reviews "monthly"')
    config = parse_config(tomllib.loads(text))

    read = config.sources.trello
    assert read is not None
    assert read.board == "6650a1b2c3d4e5f6a7b80000"
    assert (read.base_url, read.done_lists, read.skill_prefix) == (
        source.base_url,
        source.done_lists,
        source.skill_prefix,
    )
    assert (read.kinds, read.fields) == (source.kinds, source.fields)
    assert config.reviews.trello.list == 'Reviews "monthly"'
