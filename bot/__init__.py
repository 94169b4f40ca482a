"""The conversation hub: channels, routing, handoff, call-backs and the agent panel."""
