from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from inference import taxonomy
from wardrobe.models import Item
from wardrobe.selectors import ClosetFilters


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        files = [f for f in files if f]
        if not files:
            raise forms.ValidationError(_("Choose at least one photo."))
        return files


class UploadForm(forms.Form):
    photos = MultiplePhotoField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"accept": "image/*,.heic,.heif", "multiple": True}),
    )


def _blank(label):
    return [("", label)]


class ShownTicks(forms.MultipleHiddenInput):
    """The ticks a page showed, with an empty marker so that "none ticked" is sent too (without
    it, a form drawn again after an error took the person's new ticks for the shown ones)."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<input type="hidden" name="{}" value="">', name) + super().render(
            name, value, attrs, renderer)

    def value_from_datadict(self, data, files, name):
        return [value for value in super().value_from_datadict(data, files, name) if value]


class ItemForm(forms.Form):
    """Each field carries the value the page showed (a hidden initial), so a save changes only
    what the person changed: a result the worker stored after the page was drawn stays."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    colors = forms.MultipleChoiceField(label=_("Colours"), required=False, widget=forms.CheckboxSelectMultiple)
    pattern = forms.ChoiceField(label=_("Pattern"), required=False)
    seasons = forms.MultipleChoiceField(label=_("Seasons"), required=False, widget=forms.CheckboxSelectMultiple)
    styles = forms.MultipleChoiceField(label=_("Styles"), required=False, widget=forms.CheckboxSelectMultiple)
    brand = forms.CharField(label=_("Brand"), max_length=80, required=False)
    size = forms.CharField(label=_("Size"), max_length=20, required=False)
    purchase_price = forms.DecimalField(label=_("Purchase price"), max_digits=12, decimal_places=2,
                                        min_value=0, required=False)
    purchase_date = forms.DateField(label=_("Purchase date"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            max_length=2000)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    caption_ko = forms.CharField(label=_("Caption (Korean)"), max_length=500, required=False)
    caption_en = forms.CharField(label=_("Caption (English)"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are built per form so their labels follow the request's language.
        self.fields["category"].choices = _blank("—") + taxonomy.category_choices_by_group()
        self.fields["colors"].choices = taxonomy.choices(taxonomy.COLORS)
        self.fields["pattern"].choices = _blank("—") + taxonomy.choices(taxonomy.PATTERNS)
        self.fields["seasons"].choices = taxonomy.choices(taxonomy.SEASONS)
        self.fields["styles"].choices = taxonomy.choices(taxonomy.STYLES)
        self.fields["grade"].choices = _blank("—") + list(Item.Grade.choices)
        for field in self.fields.values():
            field.show_hidden_initial = True
            if isinstance(field, forms.MultipleChoiceField):
                field.hidden_widget = ShownTicks

    def edits(self) -> dict:
        """The fields the person changed from what the page showed; every field for a client
        that sends no shown values (then the service compares with the item as it is)."""
        if not any(key.startswith(self.add_initial_prefix("")) for key in self.data):
            return dict(self.cleaned_data)
        return {name: self.cleaned_data[name] for name in self.changed_data}


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search captions and notes")}))
    group = forms.ChoiceField(label=_("Group"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    color = forms.ChoiceField(label=_("Colour"), required=False)
    pattern = forms.ChoiceField(label=_("Pattern"), required=False)
    season = forms.ChoiceField(label=_("Season"), required=False)
    style = forms.ChoiceField(label=_("Style"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    defects = forms.ChoiceField(label=_("Stains and damage"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False,
                             choices=[("", _("Newest first")), ("least_worn", _("Least worn first"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = _blank(_("All groups")) + taxonomy.choices(taxonomy.GROUPS)
        self.fields["category"].choices = _blank(_("All categories")) + taxonomy.category_choices_by_group()
        self.fields["color"].choices = _blank(_("All colours")) + taxonomy.choices(taxonomy.COLORS)
        self.fields["pattern"].choices = _blank(_("All patterns")) + taxonomy.choices(taxonomy.PATTERNS)
        self.fields["season"].choices = _blank(_("All seasons")) + taxonomy.choices(taxonomy.SEASONS)
        self.fields["style"].choices = _blank(_("All styles")) + taxonomy.choices(taxonomy.STYLES)
        self.fields["status"].choices = _blank(_("Any status")) + list(Item.Status.choices)
        self.fields["grade"].choices = _blank(_("Any grade")) + list(Item.Grade.choices)
        self.fields["defects"].choices = _blank(_("With or without")) + [
            ("yes", _("Has stains or damage")), ("no", _("None found"))]

    def filters(self) -> ClosetFilters:
        """Valid filters only: a bad value in the address bar is ignored, not an error page."""
        if not self.is_bound:
            return ClosetFilters()
        self.is_valid()
        return ClosetFilters(**{name: self.cleaned_data.get(name) or "" for name in self.fields})


class ListingCheckForm(forms.Form):
    text = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}))


class RecommendForm(forms.Form):
    style = forms.ChoiceField(label=_("Style"))
    occasion = forms.ChoiceField(label=_("Occasion"), initial="daily")
    temperature = forms.FloatField(label=_("Temperature (°C)"), required=False, min_value=-40, max_value=50,
                                   widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    precipitation = forms.ChoiceField(label=_("Rain or snow"), required=False)
    budget = forms.DecimalField(label=_("Budget (₩)"), required=False, min_value=0, max_digits=12, decimal_places=0,
                                help_text=_("What the outfit's items cost, from their purchase prices."))
    season = forms.ChoiceField(label=_("Season"), required=False, help_text=_("Empty: from today's date."))
    count = forms.IntegerField(label=_("Number of outfits"), min_value=2, max_value=8, initial=3)
    shop_items = forms.TypedChoiceField(
        label=_("Include shop items"), coerce=int, initial=0, required=False, empty_value=0,
        choices=[(0, _("No, only my closet")), (1, _("At most one per outfit")), (2, _("Up to two per outfit"))],
        help_text=_("Products from the shop may fill a slot your closet lacks or take an item's place, within the budget."))
    weather_from_provider = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from wardrobe.models import RecommendationRequest

        super().__init__(*args, **kwargs)
        self.fields["style"].choices = _blank("—") + taxonomy.choices(taxonomy.STYLES)
        self.fields["occasion"].choices = RecommendationRequest.Occasion.choices
        self.fields["precipitation"].choices = RecommendationRequest.Precipitation.choices
        self.fields["season"].choices = _blank(_("From the date")) + taxonomy.choices(taxonomy.SEASONS)


class OutfitNameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


def _occasion_choices():
    from wardrobe.models import RecommendationRequest

    return RecommendationRequest.Occasion.choices


class StudioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    occasion = forms.ChoiceField(label=_("Occasion"), required=False)
    seasons = forms.MultipleChoiceField(label=_("Seasons"), required=False, widget=forms.CheckboxSelectMultiple)
    temperature = forms.FloatField(label=_("Temperature (°C)"), required=False, min_value=-40, max_value=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occasion"].choices = _blank("—") + _occasion_choices()
        self.fields["seasons"].choices = taxonomy.choices(taxonomy.SEASONS)


class LookbookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


class PlanForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))


class PackingForm(forms.Form):
    name = forms.CharField(label=_("Trip"), max_length=80, initial=_("Trip"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    temperature = forms.FloatField(label=_("Temperature there (°C)"), required=False, min_value=-40, max_value=50)
    precipitation = forms.ChoiceField(label=_("Rain or snow"), required=False)
    occasions = forms.MultipleChoiceField(label=_("Occasions (one per day, in turn)"), required=False,
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        from wardrobe.models import RecommendationRequest

        super().__init__(*args, **kwargs)
        self.fields["precipitation"].choices = RecommendationRequest.Precipitation.choices
        self.fields["occasions"].choices = _occasion_choices()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The trip ends before it starts."))
        return cleaned
