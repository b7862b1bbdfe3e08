from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=False, help_text="Optional. Used only to reset your password."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
