"""What customers type in chat, made comparable: abbreviation expansion, language evidence
and accents restored on Vietnamese typed without them;
and made safe to show others: personal data redacted (redact), CSV cells made inert
(spreadsheet).

A tiny package with no dependency beyond the standard library and PyYAML, so the Rasa
environment (NLU tokenizer, actions) and the hub's environment (knowledge search, the
conversation's language) share one owner for each of these concepts.
"""
