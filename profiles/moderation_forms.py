"""What a moderator posts: the two claim decisions, and merges, splits and
their undo."""

from __future__ import annotations

from django import forms

from profiles.services.claims import REJECTION_REASONS
from publications.models import Author, Authorship

REASON_LABELS = {
    "insufficient": "Insufficient evidence",
    "mismatch": "Identifiers or affiliations do not match",
    "other_claimant": "Another claimant is stronger",
    "unreachable": "Links could not be checked",
    "other": "Other (explain in the note)",
}


class ClaimApproveForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; kept in the audit log and sent to the claimant.",
    )


class ClaimRejectForm(forms.Form):
    reason_code = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason…")]
        + [(code, REASON_LABELS.get(code, code)) for code in REJECTION_REASONS],
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the claimant below the templated reason.",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason_code") == "other" and not data.get("note", "").strip():
            self.add_error("note", "Explain the reason when you choose Other.")
        return data


def ids_from(values: list[str]) -> list[int]:
    """The integer ids among submitted values (others are ignored)."""
    return sorted({int(v) for v in values if v.strip().isdigit()})[:1000]


class IdentityChangeForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit log and shown in the record's public history.",
    )


class MergeForm(IdentityChangeForm):
    """The record to merge into ``keep``: by id, visible, not ``keep``."""

    other = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, keep: Author, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.keep = keep
        self._other: dict[str, Author | None] = {}

    def other_record(self, value: object) -> Author | None:
        """The record named by ``value`` if it can be merged into ``keep``."""
        text = str(value or "").strip().lstrip("#")
        if not text.isdigit() or int(text) == self.keep.pk:
            return None
        if text not in self._other:
            self._other[text] = (
                Author.objects.visible()
                .select_related("standing")
                .filter(pk=int(text))
                .first()
            )
        return self._other[text]

    def clean_other(self) -> Author:
        other = self.other_record(self.cleaned_data["other"])
        if other is None:
            raise forms.ValidationError(
                "No such record, or it is this one, or it was merged already."
            )
        return other


class SplitForm(IdentityChangeForm):
    """Authorships of ``author`` to move, and where: a new record (empty
    ``into``) or an existing one by id."""

    authorship = forms.ModelMultipleChoiceField(
        queryset=Authorship.objects.none(), widget=forms.MultipleHiddenInput
    )
    into = forms.IntegerField(
        required=False,
        min_value=1,
        label="Into record #",
        help_text="Leave empty to make a new record named as the papers print it.",
    )

    def __init__(self, *args, author: Author, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.author = author
        # Only the record's own authorships can be split off from its page.
        self.fields["authorship"].queryset = Authorship.objects.filter(author=author)

    def clean_into(self) -> Author | None:
        pk = self.cleaned_data.get("into")
        if pk is None:
            return None
        into = Author.objects.visible().filter(pk=pk).first()
        if into is None:
            raise forms.ValidationError("No such record, or it was merged already.")
        if into.pk == self.author.pk:
            raise forms.ValidationError("Choose another record than this one.")
        return into
