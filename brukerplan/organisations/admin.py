from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from brukerplan.organisations import actions
from brukerplan.organisations.models import County, MappingPeriod, Municipality, Unit


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "valid_from", "valid_to", "health_region")
    search_fields = ("code", "name")


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "county", "valid_from", "valid_to")
    list_filter = ("county__code",)
    search_fields = ("code", "name")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality", "type", "active")
    list_filter = ("type", "active")
    search_fields = ("name", "municipality__name", "municipality__code")
    autocomplete_fields = ("municipality",)


@admin.register(MappingPeriod)
class MappingPeriodAdmin(admin.ModelAdmin):
    list_display = ("county", "year", "start", "end", "closed_at")
    list_filter = ("year",)
    actions = ["close_now"]
    readonly_fields = ("closed_at",)

    @admin.action(description=_("Lukk valgte perioder nå (dataene blir endelige)"))
    def close_now(self, request, queryset):
        for period in queryset:
            actions.close_period(period, by=request.user)
        self.message_user(request, _("Periodene er lukket."), messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        period = actions.open_period(obj.county, obj.year, obj.start, obj.end, by=request.user)
        obj.pk, obj.closed_at = period.pk, period.closed_at
