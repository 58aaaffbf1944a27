from __future__ import annotations

from allauth.account.forms import LoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Clinic


class SignInForm(LoginForm):
    """allauth's sign-in form with labels and autocomplete hints for password managers."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail address")
        self.fields["login"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        # allauth puts a "forgot your password?" link in the password's help text; the page
        # has its own link under the button, and one is enough.
        self.fields["password"].help_text = ""


class ClinicTwoFactorForm(forms.Form):
    clinicians_need_two_factor = forms.BooleanField(
        label=_("Physiotherapists and coaches must sign in with an authenticator code"),
        required=False,
        help_text=_("Clinic leads always must. Athletes never need it."),
    )


class ClinicDetailsForm(forms.ModelForm[Clinic]):
    """What heads the written plan (name, address, phone, e-mail) and the unit of distances."""

    class Meta:
        model = Clinic
        fields = ["name", "address", "phone", "contact_email", "distance_unit"]
        help_texts = {
            "address": _("One line, as it should appear on the written plan."),
            "distance_unit": _("How RTR shows distances in plans, run files and check-ins."),
        }
