from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from brukerplan.accounts.actions import record_admin_change
from brukerplan.accounts.models import ExternalIdentity, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("role", "unit", "municipality", "county", "health_region", "active")
    autocomplete_fields = ("unit", "municipality", "county")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "place_label", "active", "created_at")
    list_filter = ("role", "active", "health_region")
    search_fields = ("user__username", "user__email", "unit__name", "municipality__name")
    autocomplete_fields = ("user", "unit", "municipality", "county")
    readonly_fields = ("created_at", "deactivated_at", "invited_by")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or form.changed_data:
            record_admin_change(obj, by=request.user)

    def delete_model(self, request, obj):
        record_admin_change(obj, by=request.user, deleted=True)
        super().delete_model(request, obj)


class ExternalIdentityInline(admin.TabularInline):
    """The identity provider's subject that logs in as this user (issuer + sub)."""

    model = ExternalIdentity
    extra = 0
    fields = ("issuer", "subject", "created_at", "last_login_at")
    readonly_fields = ("created_at", "last_login_at")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class BrukerPlanUserAdmin(UserAdmin):
    inlines = [MembershipInline, ExternalIdentityInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            for membership in formset.new_objects + [m for m, _ in formset.changed_objects]:
                record_admin_change(membership, by=request.user)
            for membership in formset.deleted_objects:
                record_admin_change(membership, by=request.user, deleted=True)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: who was offered which role; the token's hash is never shown."""

    list_display = ("user", "role", "unit", "for_new_account", "created_at", "used_at")
    list_filter = ("role", "for_new_account")
    search_fields = ("user__username", "unit__name")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
