"""Timesheets: the hours a PA or agency actually worked under an agreement, week by week, approved by
the person who employs them, and the payroll export of approved weeks for the DP support organisation."""
