"""What customers type in chat, made comparable: abbreviation expansion and language evidence.

A tiny package with no dependency beyond the standard library and PyYAML, so the Rasa
environment (NLU tokenizer, actions) and the hub's environment (knowledge search, the
conversation's language) share one owner for each of these concepts.
"""
