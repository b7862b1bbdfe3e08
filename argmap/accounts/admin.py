from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import RenameForm
from .models import User


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = RenameForm
