"""Accent restoration for retrieval: the shared implementation lives in `chattext.accents`
(both virtualenvs use it); the retriever keeps a model of the indexed texts' own words."""

from chattext.accents import AccentRestorer

__all__ = ["AccentRestorer"]
