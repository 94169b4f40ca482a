"""Who the staff and the customers are and what they may do: panel sessions, sign-in and
its throttling, password hashing, the permission policy, and the FastAPI dependencies that
apply them to every HTTP route and websocket action; for customers, how a conversation's
customer is known (`customer_link`) and the identity-check throttle."""
