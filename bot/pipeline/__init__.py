"""The durable message pipeline: intake stores each message with its work item, the router
runs the bot's turn with no connection held, the outbox delivers replies exactly once in
effect, and the leases let any replica re-drive what a crashed one left."""
