# One way to write a date per language, so that a card never mixes "6 Dec" with "23 augusti".
# Swedish month abbreviations are lower case ("6 dec 2026"); Django's "M" would capitalise them.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = "j b Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
# A day on a chart's axis, where a whole date does not fit ("15/3").
CHART_DAY_FORMAT = "j/n"
