"""The care team's review: the flag queue, the caseload dashboard of the staff home page, and
the plan page's proposal (the next stage's criteria as the check-ins show them).
Reads only: what is done with a flag is in warning_signs/flags.py.
"""
