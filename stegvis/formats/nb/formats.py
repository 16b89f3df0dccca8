# Norwegian dates as Nav writes them: "6. desember 2026", a full stop after the day; month
# abbreviations lower case ("6. des. 2026" is shortened without the second stop).
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = "j. F Y H:i"
SHORT_DATE_FORMAT = "j. b Y"
SHORT_DATETIME_FORMAT = "j. b Y H:i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
# A day on a chart's axis, where a whole date does not fit ("15.3.").
CHART_DAY_FORMAT = "j.n."
