"""Forms of the people side: the three claim methods and the researcher profile.

Each claim form's ``submit`` calls its claim service, so a view only picks
the form named by the POSTed ``method``. The ORCID form has no field on
purpose: the only iD that counts is the one the user authenticated with
ORCID sign-in, so a typed iD is never read.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from profiles.models import Profile
from profiles.services.claims import (
    ClaimOutcome,
    claim_start_email,
    claim_start_orcid,
    claim_submit_evidence,
)
from publications.models import Author

MAX_LINKS = 5
MAX_URL_LENGTH = 500


class HttpUrlListField(forms.Field):
    """Up to ``max_urls`` http(s) links, one a line; cleans to a list of str."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, max_urls: int = MAX_LINKS, **kwargs) -> None:
        self.max_urls = max_urls
        kwargs.setdefault(
            "help_text",
            f"Up to {max_urls} links starting with https:// or http://, one a line.",
        )
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        lines = value if isinstance(value, list | tuple) else str(value).splitlines()
        urls: list[str] = []
        for line in lines:
            url = line.strip()
            if url and url not in urls:
                urls.append(url)
        return urls

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_urls:
            raise ValidationError(
                f"Give at most {self.max_urls} links.", code="max_urls"
            )
        is_http_url = URLValidator(schemes=["http", "https"])
        for url in value:
            if len(url) > MAX_URL_LENGTH:
                raise ValidationError(
                    f"A link can be at most {MAX_URL_LENGTH} characters long.",
                    code="too_long",
                )
            try:
                is_http_url(url)
            except ValidationError:
                raise ValidationError(
                    "%(url)s is not a link starting with https:// or http://.",
                    code="invalid_url",
                    params={"url": url},
                ) from None

    def prepare_value(self, value) -> str:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value or ""


# -- claims -----------------------------------------------------------------


class ClaimOrcidForm(forms.Form):
    """Claim with the ORCID iD of the user's ORCID sign-in; nothing typed."""

    def submit(self, *, user, author: Author) -> ClaimOutcome:
        return claim_start_orcid(user=user, author=author)


class ClaimEmailForm(forms.Form):
    email = forms.EmailField(
        label="Your address at the institution",
        max_length=254,
        help_text="We send a link there; open it while signed in to confirm.",
    )

    def submit(self, *, user, author: Author) -> ClaimOutcome:
        return claim_start_email(
            user=user, author=author, email=self.cleaned_data["email"]
        )


class ClaimEvidenceForm(forms.Form):
    evidence = forms.CharField(
        label="What shows that these works are yours",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    links = HttpUrlListField(
        label="Links to pages that list these works under your name",
        required=False,
    )

    def submit(self, *, user, author: Author) -> ClaimOutcome:
        return claim_submit_evidence(
            user=user,
            author=author,
            evidence=self.cleaned_data["evidence"],
            links=self.cleaned_data["links"],
        )


CLAIM_FORMS: dict[str, type[forms.Form]] = {
    "orcid": ClaimOrcidForm,
    "email": ClaimEmailForm,
    "evidence": ClaimEvidenceForm,
}


# -- the researcher's profile ------------------------------------------------


class ProfileForm(forms.Form):
    headline = forms.CharField(
        max_length=255,
        required=False,
        help_text="One line under your name, e.g. your field or position.",
    )
    affiliation = forms.CharField(
        max_length=255,
        required=False,
        help_text="Shown instead of the imported affiliation.",
    )
    bio = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=5000, required=False
    )
    links = HttpUrlListField(
        label="Links",
        required=False,
        help_text="Up to 5 links (homepage, ORCID, ...), one a line.",
    )
    open_to_collaborate = forms.BooleanField(
        label="Open to collaborate", required=False
    )
    hide_from_search_engines = forms.BooleanField(
        label="Ask search engines not to index this page", required=False
    )

    @classmethod
    def initial_for(cls, author: Author, profile: Profile | None) -> dict:
        """The form's initial values: what the researcher set so far."""
        return {
            "headline": author.headline,
            "open_to_collaborate": author.open_to_collaborate,
            "affiliation": profile.affiliation if profile else "",
            "bio": profile.bio if profile else "",
            "links": profile.links if profile else [],
            "hide_from_search_engines": (
                profile.hide_from_search_engines if profile else False
            ),
        }


class NameVariantsForm(forms.Form):
    """The display name among the record's name forms, and the forms to hide.

    The choices are the record's own: a name typed in by hand is not
    offered, so the display name is always one the sources printed (or the
    current one).
    """

    display_name = forms.ChoiceField(
        label="Name shown on your profile", widget=forms.RadioSelect
    )
    hidden = forms.TypedMultipleChoiceField(
        label="Hide these name forms from public pages",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "A hidden form (a former name, say) is not shown on pages, in the "
            "API or in search, and papers printed under it show your display "
            "name. It still helps match new papers to your record."
        ),
    )

    def __init__(self, *args, author: Author, aliases, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "display_name": author.display_name,
                "hidden": [alias.pk for alias in aliases if alias.hidden],
            },
        )
        super().__init__(*args, **kwargs)
        names = list(dict.fromkeys([author.display_name, *(a.name for a in aliases)]))
        self.fields["display_name"].choices = [(name, name) for name in names]
        self.fields["hidden"].choices = [(alias.pk, alias.name) for alias in aliases]
        self._names = {alias.pk: alias.name for alias in aliases}

    def clean(self):
        data = super().clean()
        shown = data.get("display_name")
        hidden = {self._names[pk] for pk in data.get("hidden") or []}
        if shown and shown in hidden:
            self.add_error("hidden", "You cannot hide the name shown on your profile.")
        return data
