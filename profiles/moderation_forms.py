"""The two decisions a moderator posts from the claim review page."""

from __future__ import annotations

from django import forms

from profiles.services.claims import REJECTION_REASONS

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
