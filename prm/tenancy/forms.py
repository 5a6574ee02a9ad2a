from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from prm.web.files import is_polyglot

from .models import Tenant

# What a logo may be, judged by its content (Pillow), not by its name.
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
NOT_AN_IMAGE = _("Upload a PNG, JPEG or WebP image.")
TOO_LARGE = _("Keep the logo within 2000 by 2000 pixels.")


class TenantSettingsForm(forms.ModelForm):
    """What a vendor admin configures about its own portal."""

    class Meta:
        model = Tenant
        fields = ["name", "brand_color", "logo", "default_currency", "default_language", "time_zone", "require_mfa"]
        widgets = {"brand_color": forms.TextInput(attrs={"type": "color"})}
        labels = {"require_mfa": _("Require two-factor sign-in for everybody")}

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or logo == self.instance.logo:
            return logo
        if logo.size > settings.PRM_LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("Keep the logo under %(size)s KB.") % {"size": settings.PRM_LOGO_MAX_BYTES // 1024}
            )
        try:
            image = Image.open(logo)
            image.verify()
        except Image.DecompressionBombError as error:  # a header claiming a vast canvas
            raise forms.ValidationError(TOO_LARGE) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise forms.ValidationError(NOT_AN_IMAGE) from error
        if image.format not in LOGO_FORMATS:
            raise forms.ValidationError(NOT_AN_IMAGE)
        if image.width > 2000 or image.height > 2000:
            raise forms.ValidationError(TOO_LARGE)
        logo.seek(0)
        if is_polyglot(logo.read(), image.format):
            raise forms.ValidationError(NOT_AN_IMAGE)
        logo.seek(0)
        # The stored name is random (tenant_logo_path), keeping only this verified extension.
        logo.name = f"logo.{LOGO_FORMATS[image.format]}"
        return logo
