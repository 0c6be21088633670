"""Asking for a case at a terminal: the interviewer and the prompts it uses.

`interviewer.Interviewer` asks one case field at a time (select, yes/no, number, text) and
`checklist.ask_checklist` asks the tick-all-that-apply questions in a way that cannot record
"none" by accident. Imported only when a consult asks, so a non-interactive run never loads
questionary or prompt_toolkit.
"""
