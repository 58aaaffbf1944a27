"""The check-in pages, one module per audience: athlete.py (today's check-in, history),
sign_in.py (sign-in by link), care_team.py (check-in section, log, CSV, the plan's proposal),
flags.py (flag section, queue, flag page and actions), rule_settings.py, notifications.py.
"""
