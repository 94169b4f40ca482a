"""Rasa custom actions for Tandem, one module per skill.

The action server (`rasa run actions`) finds every Action subclass in this package
recursively; outbound HTTP goes only through `actions.clients.hub`.
"""
