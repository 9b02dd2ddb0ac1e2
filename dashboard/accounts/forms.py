from django import forms


class TokenSignInForm(forms.Form):
    token = forms.CharField(
        label="Access token",
        strip=True,
        max_length=512,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="An OAuth access token generated in Quay or assigned to you by an admin.",
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        if any(ch.isspace() for ch in token):
            raise forms.ValidationError("A token has no spaces; paste it again.")
        return token
