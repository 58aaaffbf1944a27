"""The daily check-in: its model, form, writes (services.py, with sign-in links), reads
(selectors.py), meaning for the plan (logic.py), offline replay, demo data and tasks.
Warning signs are in warning_signs/, the care team's review in review/, pages in views/.
"""
