"""Protocols' writes, each one transaction, by what they change:

- `templates`: a template's life (create, edit while draft, publish, retire, new version,
  clone) and the copy of its content that versions, clones and plans start from;
- `stages`: the editor of a template's or a draft plan's stages, steps and entry criteria;
- `plans`: assigning a plan (a private copy of the template), discarding or confirming it;
- `decisions`: stage decisions (advance, hold, regress, pause, resume, graduate, stop) and
  specialists' sign-offs;
- `sessions`: a session day reported by a check-in, which moves the step, never the stage;
- `reviews`: the review dates and tasks a decision leaves for the care team.

Reads (today's prescription, a week, a patient's open plan, a decision's checklist) are in
`protocols.selectors`.
"""
