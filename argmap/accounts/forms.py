from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import UserCreationForm

from .models import User
from .names import name_key


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=False, help_text="Optional. Used only to reset your password."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username and User.objects.filter(name_key=name_key(username)).exists():
            raise forms.ValidationError(
                "That name looks the same as an existing account's. Choose another."
            )
        return super().clean_username()


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form, with the old password checked by authenticate(): one log-in limiter."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class SettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["notify_by_email", "credit_proposals"]
