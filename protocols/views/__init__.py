"""Protocols' pages, by page and audience:

- `templates`: the template library and a template's page, for clinical staff;
- `editor`: the stage, step and criterion editor (HTMX) of a draft template or draft plan;
- `plans`: assigning a plan, the plan page, its decisions and sign-offs, the patient page's
  plan section, for staff;
- `written_plan`: the written plan, printed by staff or read by the athlete.
"""
