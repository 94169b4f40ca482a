"""What the hub's replicas coordinate through the database: which one runs each scheduled
job (``jobs``, a lease row per job), so a timeout or a reminder fires once, not once per
replica."""
