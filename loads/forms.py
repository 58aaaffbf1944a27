from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RunFileForm(forms.Form):
    file = forms.FileField(
        label=_("Run file from your watch (.fit, .gpx or .tcx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".fit,.gpx,.tcx"}),
        error_messages={"required": _("Choose the run file to upload.")},
    )
