"""English dates as the product has always written them ("3 March 2027", "3 Mar 2027, 14:05"),
whichever English the reader has; every other name falls back to Django's own English formats.
Other languages use Django's formats for their locale."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
