"""Password rules beyond Django's validators: its length message has no Norwegian translation."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Passordet er for kort. Det må ha minst %(min_length)d tegn.",
            "Passordet er for kort. Det må ha minst %(min_length)d tegn.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext(
            "Passordet må ha minst %(min_length)d tegn.",
            "Passordet må ha minst %(min_length)d tegn.",
            self.min_length,
        ) % {"min_length": self.min_length}
