"""Similar items: cosine ranking within one closet and one model version."""

import numpy as np
import pytest
from django.utils import timezone

from tests.factories import make_item, unit_vector
from wardrobe import selectors, services

pytestmark = pytest.mark.django_db


def with_embedding(owner, vector, version="garment-test@v1", **fields):
    return make_item(owner, embedding=np.asarray(vector, np.float16).tobytes(), embedding_version=version,
                     processed_at=timezone.now(), **fields)


def test_ranked_by_cosine_best_first_without_the_item_itself(user, settings):
    settings.SIMILAR_ITEMS_MIN_SIMILARITY = 0.3
    probe = with_embedding(user, unit_vector(1, 0))
    close = with_embedding(user, unit_vector(1, 0.1))
    closer = with_embedding(user, unit_vector(1, 0.01))
    far = with_embedding(user, unit_vector(1, 1.5))
    with_embedding(user, unit_vector(0, 1))  # orthogonal: under the floor
    ranked = selectors.similar_items(item=probe)
    assert [item.pk for item, _ in ranked] == [closer.pk, close.pk, far.pk]
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True) and scores[0] == pytest.approx(1.0, abs=1e-3)


def test_at_most_five(user):
    probe = with_embedding(user, unit_vector(1, 0))
    for step in range(8):
        with_embedding(user, unit_vector(1, 0.05 * step))
    assert len(selectors.similar_items(item=probe)) == 5


def test_never_other_owners_or_other_model_versions(user, other_user):
    probe = with_embedding(user, unit_vector(1, 0))
    with_embedding(other_user, unit_vector(1, 0))
    with_embedding(user, unit_vector(1, 0), version="garment-test@v0")
    assert selectors.similar_items(item=probe) == []


def test_new_and_deleted_items_show_up_at_once(user, django_capture_on_commit_callbacks):
    probe = with_embedding(user, unit_vector(1, 0))
    first = with_embedding(user, unit_vector(1, 0.5))
    assert [item.pk for item, _ in selectors.similar_items(item=probe)] == [first.pk]
    twin = with_embedding(user, unit_vector(1, 0.001))  # the per-process table must notice
    assert [item.pk for item, _ in selectors.similar_items(item=probe)] == [twin.pk, first.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_item(item=twin)
    assert [item.pk for item, _ in selectors.similar_items(item=probe)] == [first.pk]


def test_an_item_without_embedding_has_no_similar_items(user):
    with_embedding(user, unit_vector(1, 0))
    assert selectors.similar_items(item=make_item(user)) == []


def test_a_reprocessed_item_is_ranked_by_its_new_embedding(user):
    from datetime import timedelta

    from wardrobe.models import Item

    probe = with_embedding(user, unit_vector(1, 0))
    near = with_embedding(user, unit_vector(1, 0.3))
    changing = with_embedding(user, unit_vector(1, 1))
    assert [item.pk for item, _ in selectors.similar_items(item=probe)] == [near.pk, changing.pk]
    Item.objects.filter(pk=changing.pk).update(
        embedding=np.asarray(unit_vector(1, 0.01), np.float16).tobytes(),
        processed_at=timezone.now() + timedelta(seconds=1))
    assert [item.pk for item, _ in selectors.similar_items(item=probe)] == [changing.pk, near.pk]
