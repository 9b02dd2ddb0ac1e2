from django import forms

from dashboard.quay.tokens import BadToken, clean_token


class TokenSignInForm(forms.Form):
    token = forms.CharField(
        label="Access token",
        strip=False,  # clean_token trims it (and says what else is wrong)
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="An OAuth access token generated in Quay or assigned to you by an admin.",
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_token(self) -> str:
        try:
            return clean_token(self.cleaned_data["token"])
        except BadToken as bad:
            raise forms.ValidationError(bad.message) from None
