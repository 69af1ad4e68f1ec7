"""Topics: display names from the taxonomy, read only from real evidence."""

from __future__ import annotations

import pytest

from ingest.metadata.topics import find_topics, load_topics, topic_names


def test_the_values_are_display_names() -> None:
    names = topic_names()
    for name in ("Facial recognition", "Stop and search", "Taser", "Body-worn video", "ANPR", "Spending",
                 "Contracts and suppliers", "IT systems", "Firearms", "Custody", "Domestic abuse",
                 "Cybercrime", "Drones", "Staffing", "Vehicles", "Buildings", "Complaints"):
        assert name in names
    assert len({t.slug for t in load_topics()}) == len(names)


@pytest.mark.parametrize("text, title, topic", [
    ("How much has been spent on automatic facial recognition software? Live facial recognition deployments.",
     "Facial recognition", "Facial recognition"),
    ("The number of stop and search encounters in 2023, and stop and search by ethnicity.", None, "Stop and search"),
    ("Please list the fostering households and foster carers by religion.", "Fostering Data", "Children's services"),
    ("Air pollution concentration by ethnicity, and air quality monitoring.", None, "Environment and pollution"),
    ("How many times was a Taser drawn, aimed or fired? Please give Taser discharges by year.", None, "Taser"),
    ("How many body-worn video cameras does the force have, and how much BWV footage is retained?", None,
     "Body-worn video"),
    ("How many ANPR cameras operate in the force area, and how many ANPR reads were recorded?", None, "ANPR"),
    ("Please give the annual expenditure on consultants, the total spend on agency fees and the budget for 2024.",
     None, "Spending"),
    ("Who is the supplier of the system, and when does the contract expire?", None, "Contracts and suppliers"),
    ("Which case management system do you use, and who supplies the software?", None, "IT systems"),
    ("How many full-time equivalent staff were employed, and what was the staff turnover?", None, "Staffing"),
    ("How many fly-tipping incidents were reported, and how much did clearing fly-tipping cost?", None,
     "Waste and recycling"),
])
def test_topics(text: str, title: str | None, topic: str) -> None:
    assert topic in find_topics(text, title)


@pytest.mark.parametrize("text", [
    # A disclaimer, the appeals paragraph, the cost limit and the public interest test are in every letter.
    "Please find our response below. This Email, and any attachments, may contain non-public information; Taser. Taser.",
    "If you are dissatisfied, you may complain to the Information Commissioner about Taser use. Taser.",
    "Complying would exceed the cost limit of £450, which represents 18 hours of work at £25 an hour. The cost "
    "limit is set by regulations, and the cost of locating the information would exceed it.",
    "Public interest considerations favouring disclosure: how public money is spent. The public interest in "
    "spending transparency.",
])
def test_boilerplate_is_no_evidence(text: str) -> None:
    assert find_topics(text) == []


def test_one_passing_mention_is_no_topic() -> None:
    assert find_topics("Please find attached the information about the drone.") == []


def test_words_of_another_topic_do_not_count() -> None:
    text = ("How many drones (unmanned aerial vehicles) does the force own? How many drones were deployed? "
            "Drones purchased: 4 unmanned aerial vehicles.")
    assert find_topics(text, "Use of drones") == ["Drones"]


def test_several_topics_when_each_is_well_evidenced() -> None:
    text = ("How much has the force spent on Taser devices? Please give the expenditure on Taser training and "
            "the total spend on Taser cartridges.")
    assert set(find_topics(text)) == {"Taser", "Spending"}


def test_a_weak_second_topic_is_dropped() -> None:
    text = ("How many drones does the force own? How many drone deployments were there? Which drone models? "
            "How many drone pilots? Drone flights by month. Please give the spend.")
    assert find_topics(text, "Drones") == ["Drones"]


def test_the_one_pass_count_equals_each_topics_own_findall() -> None:
    """The fast counter must count what each topic's alternation finds, topic by topic."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ingest.metadata.topics import _counter, load_topics
    from samplegen.letters import iter_letters

    topics = load_topics()
    counter = _counter()
    words = sorted({w for t in topics for p in t.phrases for w in p.rstrip("*").split()} |
                   {"drones", "Tasers", "ced", "CED", "stop-and-search", "gunshot", "the", "and", "-", "60"})

    def check(text: str) -> None:
        assert counter.count(text) == [t.count(text) for t in topics], text

    for letter in iter_letters(150):
        check(letter.text)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(words), max_size=40), st.sampled_from([" ", "\n", "-", " - ", "  "]))
    def mixed(chosen: list[str], sep: str) -> None:
        check(sep.join(chosen))

    mixed()
