from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm, UserChangeForm, UserCreationForm

from .models import User
from .names import is_invisible, mixes_scripts, name_key


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=False, help_text="Optional. Used only to reset your password."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_username(self):
        check_new_username(self.cleaned_data.get("username"))
        return super().clean_username()


def check_new_username(username: str | None, *, account: User | None = None) -> None:
    """Raise ValidationError unless username may be taken by a new or renamed account
    (argmap.accounts.names); existing accounts keep the names they have."""
    if not username:
        return
    if is_invisible(username):
        raise forms.ValidationError(
            "That name holds an invisible character. Use letters, digits and @.+-_ only."
        )
    others = User.objects.exclude(pk=account.pk) if account else User.objects.all()
    if others.filter(name_key=name_key(username)).exists():
        raise forms.ValidationError(
            "That name looks the same as an existing account's. Choose another."
        )
    if mixes_scripts(username):
        raise forms.ValidationError(
            "Write the name in one alphabet: a name that mixes alphabets can imitate another."
        )


class RenameForm(UserChangeForm):
    """The admin's form for an account: a new name is checked as a sign-up's is."""

    class Meta(UserChangeForm.Meta):
        model = User

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if "username" in self.changed_data:
            check_new_username(username, account=self.instance)
        return username


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


class LinkSpent(Exception):
    """The reset link was used meanwhile, by another submission of the same link."""


class ResetPasswordForm(SetPasswordForm):
    """Django's form, made single-use under concurrency.

    A reset token is valid while the password it was made with stands, and Django checks it
    when the page is asked for, then saves: two submissions of one link at once both passed
    the check and both saved. Here the new password is written only where the old one still
    stands, in one UPDATE (atomic on PostgreSQL and SQLite), so exactly one wins.
    """

    def save(self, commit: bool = True) -> User:
        spent = self.user.password  # what the link's token was made from
        self.user.set_password(self.cleaned_data["new_password1"])
        written = User.objects.filter(pk=self.user.pk, password=spent).update(
            password=self.user.password
        )
        if not written:
            raise LinkSpent
        return self.user


class SettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["notify_by_email", "credit_proposals"]
