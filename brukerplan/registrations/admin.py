from django.contrib import admin

from brukerplan.registrations.models import Registration


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only for support: never shows the person key or the answers' owner."""

    list_display = ("registrering_id", "aar", "kommunenummer", "unit", "status", "kartlagt_dato")
    list_filter = ("aar", "status", "fylkesnummer")
    search_fields = ("registrering_id", "kommunenummer")
    exclude = ("person_key",)
    list_select_related = ("unit__municipality",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
