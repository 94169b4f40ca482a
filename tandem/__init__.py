"""Tandem: the bot and the human agent work in tandem."""
