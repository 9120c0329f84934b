"""evaluate_outfits: the two benchmark tasks on known cases, and the command's contract."""

import json

import pytest
from django.core.management import call_command

from inference import outfit_evaluation
from inference.outfits import Garment
from tests.conftest import FIXTURES

LOUD = ["red", "yellow", "green", "blue", "purple", "orange"]


def monochrome_outfits():
    """Each outfit one loud colour: the real item always goes best with its own outfit."""
    return {f"o{k}": [Garment(f"{k}-top", "short_sleeve_top", ((colour, 1.0),)),
                      Garment(f"{k}-bottom", "jeans", ((colour, 1.0),)),
                      Garment(f"{k}-shoes", "shoes", ((colour, 1.0),))]
            for k, colour in enumerate(LOUD)}


def test_a_scorer_that_knows_the_answer_gets_every_question():
    accuracy, questions = outfit_evaluation.fill_in_the_blank(monochrome_outfits(), seed=3)
    assert questions == len(LOUD) and accuracy == 1.0
    assert outfit_evaluation.compatibility_auc(monochrome_outfits(), seed=3) == 1.0


def test_identical_items_leave_fitb_at_chance_not_above():
    # Every item alike: all candidates tie, and ties must not favour the answer.
    outfits = {f"o{k}": [Garment(f"{k}-top", "short_sleeve_top"), Garment(f"{k}-bottom", "jeans")]
               for k in range(200)}
    accuracy, questions = outfit_evaluation.fill_in_the_blank(outfits, seed=0)
    assert questions == 200 and 0.17 < accuracy < 0.33


def test_auc_counts_ties_half():
    assert outfit_evaluation.auc([2.0, 3.0], [1.0, 1.0]) == 1.0
    assert outfit_evaluation.auc([1.0], [1.0]) == 0.5
    assert outfit_evaluation.auc([1.0, 3.0], [2.0]) == 0.5


def test_too_few_candidates_of_a_group_asks_nothing_for_that_item():
    outfits = {"a": [Garment("hat", "hat"), Garment("tee", "short_sleeve_top")]}
    assert outfit_evaluation.fill_in_the_blank(outfits) == (0.0, 0)


@pytest.mark.django_db
def test_the_command_prints_the_contract_keys(capsys):
    call_command("evaluate_outfits", "--data", str(FIXTURES / "outfits"), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"fitb", "auc", "outfits", "questions"} <= set(report)
    assert report["outfits"] == 6 and report["photos"] == 18 and report["questions"] >= 4
    assert 0 <= report["fitb"] <= 1 and 0 <= report["auc"] <= 1
