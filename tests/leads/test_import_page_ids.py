"""The import page holds two forms, the column mapping and the confirmation, both with a
"Campaign" field: each label must name its own field (found by the lead journey: the
confirmation's "Campaign" label pointed at the mapping's select)."""

from __future__ import annotations

from leads.forms_intake import ImportConfirmForm, MappingForm


def test_the_confirmation_and_the_mapping_fields_have_ids_of_their_own():
    mapping = MappingForm(headers=["Company", "E-mail", "Campaign"])
    confirm = ImportConfirmForm()
    mapping_ids = {field.id_for_label for field in mapping}
    confirm_ids = {field.id_for_label for field in confirm}
    assert mapping_ids.isdisjoint(confirm_ids), mapping_ids & confirm_ids
    # ...and the confirmation posts the same names as before
    assert [field.html_name for field in confirm] == ["campaign", "route"]
