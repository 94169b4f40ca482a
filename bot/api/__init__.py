"""HTTP and websocket routers: internal (action server), agent, widget."""
