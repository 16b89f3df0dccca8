# Norwegian dates as Nav writes them, one style everywhere: "6. desember 2026", a full stop
# after the day and the month written out (in a table as in a sentence).
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = "j. F Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
# A day on a chart's axis, where a whole date does not fit ("15.3.").
CHART_DAY_FORMAT = "j.n."
