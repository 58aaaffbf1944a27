"""Warning signs: the rules and their thresholds, the evaluation that turns findings into
flags, the care team's actions on flags, a clinic's rule settings, and the notifications
(in-app, e-mail, push) a flag, a reminder or a digest sends.
"""
