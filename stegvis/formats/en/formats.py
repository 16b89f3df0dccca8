# Day before month, as in the Swedish pages, so the two languages read the same dates alike.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
# A day on a chart's axis, where a whole date does not fit ("15/3").
CHART_DAY_FORMAT = "j/n"
